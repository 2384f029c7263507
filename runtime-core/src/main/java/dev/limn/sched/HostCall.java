package dev.limn.sched;

/**
 * A possibly blocking host Java call started by {@link Scheduler#runBlocking}. The calling fiber
 * parks; when the call completes the fiber is made runnable and reads the outcome here.
 *
 * <p>{@code done} is written last with a volatile store and read first, so the result or error
 * written before it is visible to whoever sees {@code isDone()}.
 *
 * @param <T> the call's result type
 */
public final class HostCall<T> {

    private T result;
    private Throwable error;
    private volatile boolean done;

    HostCall() {
    }

    void complete(T value, Throwable failure) {
        result = value;
        error = failure;
        done = true;
    }

    /** True once the call returned or threw. */
    public boolean isDone() {
        return done;
    }

    /** The call's result; only meaningful when {@link #isDone()} and {@link #error()} is null. */
    public T result() {
        if (!done) {
            throw new IllegalStateException("host call still running");
        }
        return result;
    }

    /** What the call threw, or null. */
    public Throwable error() {
        if (!done) {
            throw new IllegalStateException("host call still running");
        }
        return error;
    }
}
