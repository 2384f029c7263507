package dev.limn.value;

import dev.limn.sched.Fiber;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A future (SPEC §7): completes once, with a value or an error, and wakes every fiber that
 * waits for it and runs every completion callback. Futures are the results of calls of async
 * functions, the handles of {@code mode=async} blocks ({@code handle=h}, whose value is nil)
 * and the combinators {@code all}, {@code any} and {@code with_timeout}. Prints
 * {@code <future pending>} or {@code <future done>}; {@code type_of} is "future".
 *
 * <p>No lost wake-up: a waiter adds itself to {@code waiters}, then re-reads {@code done}
 * (volatile); completion writes {@code done}, then drains {@code waiters}. Either the waiter
 * sees done, or completion sees the waiter. Waking a fiber that did not park (it saw done)
 * leaves a stale permit, which only causes a spurious wake-up that waiting sites tolerate.
 */
public final class FutureValue {
    private final ConcurrentLinkedQueue<Fiber> waiters = new ConcurrentLinkedQueue<>();
    /** Run once at completion (guarded by this until then); null after. */
    private java.util.List<Runnable> callbacks;
    /** Whether someone took the outcome ({@code await}, a combinator): then a failure is not raised by the scope. */
    private volatile boolean retrieved;
    private final Object label;
    private volatile boolean done;
    private volatile Object value;
    private volatile ErrorValue error;
    /** What {@code f.cancel()} does to the work behind it (null: nothing to cancel). */
    private volatile Runnable onCancel;
    /** The work behind it (a block run), or null. */
    private volatile Object owner;

    /** @param label what a waiting task waits on, for deadlock diagnostics */
    public FutureValue(Object label) {
        this.label = label;
    }

    /** Sets what {@code f.cancel()} does to the work behind this future. */
    public void onCancel(Runnable cancel) {
        onCancel = cancel;
    }

    /** The work behind this future (a block run), or null. */
    /** What a task awaiting this future waits on ({@code Fiber.waitTarget}). */
    public Object label() {
        return label;
    }

    public Object owner() {
        return owner;
    }

    public void owner(Object work) {
        owner = work;
    }

    public boolean isDone() {
        return done;
    }

    /** Completes the future (first call wins), wakes every waiter and runs the callbacks; false if it was done already. */
    public boolean complete(Object v, ErrorValue err) {
        java.util.List<Runnable> run;
        synchronized (this) {
            if (done) {
                return false;
            }
            value = v;
            error = err;
            done = true;
            run = callbacks;
            callbacks = null;
        }
        Fiber f;
        while ((f = waiters.poll()) != null) {
            f.unpark();
        }
        if (run != null) {
            run.forEach(Runnable::run);
        }
        return true;
    }

    /** Runs {@code callback} once this future is done: now, if it is (on the caller's thread), else at completion. */
    public void whenDone(Runnable callback) {
        synchronized (this) {
            if (!done) {
                if (callbacks == null) {
                    callbacks = new java.util.ArrayList<>(2);
                }
                callbacks.add(callback);
                return;
            }
        }
        callback.run();
    }

    /** Once done: the error, or null. */
    public ErrorValue error() {
        return error;
    }

    /** Once done: the value. */
    public Object value() {
        return value;
    }

    /** Marks the outcome as taken (its failure is someone's to handle now). */
    public void markRetrieved() {
        retrieved = true;
    }

    /** The error, if it failed and nobody took its outcome; else null. */
    public ErrorValue unretrievedError() {
        return done && !retrieved ? error : null;
    }

    /** What {@code f.cancel()} does: cancel the work behind it (nothing when it has none). */
    public void cancel() {
        Runnable c = onCancel;
        if (c != null && !done) {
            c.run();
        }
    }

    /**
     * For a fiber: true when done; otherwise registers {@code fiber} to be woken and returns
     * false (the caller parks, then asks again).
     */
    public boolean awaitDone(Fiber fiber) {
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
    public Object result() {
        retrieved = true;
        ErrorValue err = error;
        if (err != null) {
            throw new LimnError(err);
        }
        return value;
    }

    public void withdraw(Fiber fiber) {
        waiters.remove(fiber);
    }

    @Override
    public String toString() {
        return done ? "<future done>" : "<future pending>";
    }
}
