package dev.limn.vm;

import dev.limn.sched.Fiber;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A future (SPEC §7): completes once, with a value or an error, and wakes every fiber that
 * waits for it. Today the only futures are the handles of {@code mode=async} blocks
 * ({@code handle=h}), whose value is nil. Prints {@code <future pending>} or
 * {@code <future done>}; {@code type_of} is "future".
 *
 * <p>No lost wake-up: a waiter adds itself to {@code waiters}, then re-reads {@code done}
 * (volatile); completion writes {@code done}, then drains {@code waiters}. Either the waiter
 * sees done, or completion sees the waiter. Waking a fiber that did not park (it saw done)
 * leaves a stale permit, which only causes a spurious wake-up that waiting sites tolerate.
 */
public final class FutureValue {
    private final ConcurrentLinkedQueue<Fiber> waiters = new ConcurrentLinkedQueue<>();
    private final Object label;
    private volatile boolean done;
    private volatile Object value;
    private volatile ErrorValue error;
    /** Set by {@code f.cancel()}: what cancelling means for the work behind it (null: nothing to cancel). */
    volatile Runnable onCancel;
    /** The work behind it (a block run), or null. */
    volatile Object owner;

    /** @param label what a waiting task waits on, for deadlock diagnostics */
    public FutureValue(Object label) {
        this.label = label;
    }

    public boolean isDone() {
        return done;
    }

    /** Completes the future (first call wins) and wakes every waiter. */
    public void complete(Object v, ErrorValue err) {
        synchronized (this) {
            if (done) {
                return;
            }
            value = v;
            error = err;
            done = true;
        }
        Fiber f;
        while ((f = waiters.poll()) != null) {
            f.unpark();
        }
    }

    /**
     * For a fiber: true when done; otherwise registers {@code fiber} to be woken and returns
     * false (the caller parks, then asks again).
     */
    boolean awaitDone(Fiber fiber) {
        if (done) {
            return true;
        }
        fiber.waitingOn(Fiber.WaitKind.AWAIT, label);
        if (!waiters.contains(fiber)) { // after a spurious wake-up it is still registered
            waiters.add(fiber);
        }
        if (done) {
            waiters.remove(fiber);
            return true;
        }
        return false;
    }

    /** The value, or raises the error; only once done. */
    Object result() {
        ErrorValue err = error;
        if (err != null) {
            throw new LimnError(err);
        }
        return value;
    }

    void withdraw(Fiber fiber) {
        waiters.remove(fiber);
    }

    @Override
    public String toString() {
        return done ? "<future done>" : "<future pending>";
    }
}
