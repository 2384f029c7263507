package dev.limn.vm;

import dev.limn.sched.Fiber;
import dev.limn.sched.HostCall;
import dev.limn.value.ErrorValue;
import dev.limn.value.LimnError;

/**
 * Calls of host functions ({@link HostFn}). A plain one runs at once on the task's thread. A
 * blocking one starts on a virtual thread and the task parks until it returns; the CALL then
 * runs again ({@link Waiting}'s discipline) and takes the outcome from {@link TaskContext#hostCall}.
 * A Java exception thrown by either is a Limn error of kind HostError whose cause is the
 * exception; a {@link LimnError} thrown on purpose passes through as it is, and running out
 * of memory is the task's OutOfMemory.
 *
 * <p>While a host function runs, its thread is marked with the calling task ({@link #taskOnThread}):
 * a call the function makes back into the same instance is part of the call that is waiting
 * for the function, so it runs nested instead of waiting for that call to end
 * ({@link ProgramRun#inHostFunction}).
 */
final class HostCalls {
    /** The task in a host function on this thread, else null. */
    private static final ThreadLocal<TaskContext> IN_HOST_FUNCTION = new ThreadLocal<>();

    private HostCalls() {}

    /** The task that called the host function running on this thread now, else null. */
    static TaskContext taskOnThread() {
        return IN_HOST_FUNCTION.get();
    }

    /** Calls {@code h} with the {@code argc} arguments from register {@code args} on. */
    static Object invoke(TaskContext t, HostFn h, int args, int argc) {
        if (!h.blocking) {
            Object[] a = arguments(t, args, argc);
            try {
                return callFor(t, h, a);
            } catch (LimnError e) {
                throw e;
            } catch (Exception | StackOverflowError e) {
                throw hostError(h, e);
            }
        }
        if (t.hostCall != null) {
            return outcome(t, h, e -> hostError(h, e));
        }
        Waiting.safepoint(t);
        Object[] a = arguments(t, args, argc);
        t.hostCall = t.scheduler().runBlocking(t, () -> callFor(t, h, a)); // a deterministic run calls it on the carrier
        throw Suspend.PARK;
    }

    /** Calls {@code h} with this thread marked as running a host function of task {@code t} ({@link #taskOnThread}). */
    private static Object callFor(TaskContext t, HostFn h, Object[] a) throws Exception {
        TaskContext outer = IN_HOST_FUNCTION.get();
        IN_HOST_FUNCTION.set(t);
        try {
            return h.call(a);
        } finally {
            IN_HOST_FUNCTION.set(outer);
        }
    }

    /**
     * The outcome of the host call task {@code t} started off its carrier ({@code t.hostCall},
     * not null) and parked for, when the task runs the instruction again: parks once more while
     * the call runs (waiting on {@code waitTarget}); then its result, or its error, a LimnError
     * or OutOfMemoryError as it is and any other as {@code wrap} makes it. A task cancelled
     * meanwhile drops the call, which finishes on its own with nothing waiting for it.
     */
    static Object outcome(TaskContext t, Object waitTarget, java.util.function.Function<Throwable, LimnError> wrap) {
        HostCall<Object> pending = t.hostCall;
        try {
            Waiting.safepoint(t);
        } catch (RuntimeException cancelled) {
            t.hostCall = null;
            throw cancelled;
        }
        if (!pending.isDone()) {
            t.waitingOn(Fiber.WaitKind.HOST_CALL, waitTarget);
            throw Suspend.PARK;
        }
        t.hostCall = null;
        Throwable error = pending.error();
        if (error instanceof LimnError e) {
            throw e;
        }
        if (error instanceof OutOfMemoryError e) {
            throw e; // raised as OutOfMemory at the call, as if the task had run out itself
        }
        if (error != null) {
            throw wrap.apply(error);
        }
        return pending.result();
    }

    private static Object[] arguments(TaskContext t, int args, int argc) {
        Object[] a = new Object[argc];
        for (int i = 0; i < argc; i++) {
            a[i] = t.get(args + i);
        }
        return a;
    }

    private static LimnError hostError(HostFn h, Throwable e) {
        String what = e.getMessage() == null ? e.getClass().getName() : e.getClass().getName() + ": " + e.getMessage();
        return new LimnError(new ErrorValue("HostError", "host function " + h.name + " failed: " + what, e));
    }
}
