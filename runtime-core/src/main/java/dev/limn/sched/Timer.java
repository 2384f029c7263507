package dev.limn.sched;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A pending timer: an action to run at a deadline on the scheduler's clock. Cancelling and
 * firing race through one CAS on {@code state}, so an action runs at most once and a cancelled
 * timer never runs; the winner releases the timer's quiescence count exactly once.
 */
public final class Timer {

    static final int PENDING = 0;
    static final int FIRED = 1;
    static final int CANCELLED = 2;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Timer.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long deadline;
    final Runnable action;
    /** Id in the timer wheel; written and read only by the timer thread. */
    long wheelId = -1;
    /** Order among timers of one deadline in a deterministic run ({@link Simulation}). */
    long seq;
    private volatile int state = PENDING;

    Timer(long deadline, Runnable action) {
        this.deadline = deadline;
        this.action = action;
    }

    /** Deadline on the scheduler's clock, in nanoseconds. */
    public long deadline() {
        return deadline;
    }

    boolean casState(int expected, int value) {
        return STATE.compareAndSet(this, expected, value);
    }

    int lvState() {
        return state;
    }

    public boolean isPending() {
        return state == PENDING;
    }
}
