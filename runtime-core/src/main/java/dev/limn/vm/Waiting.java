package dev.limn.vm;

import dev.limn.sched.Fiber;
import dev.limn.value.DurationValue;
import dev.limn.value.LimnError;

/**
 * How an instruction waits, and the builtin {@code sleep}, the simplest wait.
 *
 * <p>Lua's {@code Protect} discipline: the pc of the waiting instruction is in {@code t.pc}
 * before it runs (the interpreter saves it for every instruction flagged
 * {@link Opcode.Flag#MAY_SUSPEND}; {@link TaskContext#call} does for a builtin called through
 * a variable). An operation that cannot go on registers the task with what will wake it and
 * throws {@link Suspend#PARK}; the task parks, and when it runs again the same instruction
 * executes again from the start, finding its condition met (or parking again after a
 * spurious wake-up). State that must survive the retry (a sleep's timer, the body's "ended"
 * flag) lives in the task or the block, never in Java locals.
 *
 * <p>Every waiting operation is a safepoint (SPEC §6.3): {@link #safepoint} raises Cancelled
 * when the cancel trap is set and stops the task when the terminate trap is set.
 */
final class Waiting {
    private Waiting() {}

    /** Acts on the cancel and terminate trap bits at a waiting point. */
    static void safepoint(TaskContext t) {
        if (t.lpTrap() == 0) {
            return;
        }
        int bits = t.lvTrap();
        if ((bits & Fiber.TRAP_TERMINATE) != 0) {
            leaveWait(t);
            throw Suspend.TERMINATE;
        }
        if ((bits & Fiber.TRAP_CANCEL) != 0) {
            t.clearTrap(Fiber.TRAP_CANCEL);
            leaveWait(t);
            throw new LimnError("Cancelled", "the task was cancelled");
        }
    }

    private static void leaveWait(TaskContext t) {
        t.abandonWait();
        if (t.sleepTimer != null) {
            t.scheduler().cancel(t.sleepTimer);
            t.sleepTimer = null;
        }
    }

    /** The cancel bit at a point where the task must first wait for its units: cleared and reported. */
    static boolean takeCancel(TaskContext t) {
        if (t.lpTrap() == 0) {
            return false;
        }
        int bits = t.lvTrap();
        if ((bits & Fiber.TRAP_TERMINATE) != 0) {
            throw Suspend.TERMINATE;
        }
        if ((bits & Fiber.TRAP_CANCEL) != 0) {
            t.clearTrap(Fiber.TRAP_CANCEL);
            return true;
        }
        return false;
    }

    /** Raises an error when {@code t} runs without a scheduler, where nothing could wake a waiting task. */
    static void requireScheduler(TaskContext t) {
        if (t.scheduler() == null) {
            throw new LimnError("Error", "concurrency needs the scheduler: run the program with Limn.run");
        }
    }

    /**
     * {@code sleep(d)}: a duration or a number of seconds; parks on a scheduler timer. A sleep of
     * zero (or less) yields: the task gives way to the tasks waiting to run, and goes on after
     * them (so a read, {@code sleep(0)} and a write is a place where another task may come in).
     */
    static Object sleep(TaskContext t, Object d) {
        if (t.sleepYielded) {
            t.sleepYielded = false; // back from the yield of a sleep of zero
            return null;
        }
        safepoint(t);
        if (sleepOver(t)) {
            return null;
        }
        long nanos = durationNanos(d, "sleep");
        if (nanos <= 0) {
            if (t.scheduler() != null) {
                t.sleepYielded = true;
                throw Suspend.YIELD;
            }
            return null;
        }
        if (t.scheduler() == null) {
            try {
                Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LimnError("Cancelled", "the task was interrupted");
            }
            return null;
        }
        t.sleepTimer = t.scheduler().sleep(t, nanos);
        throw Suspend.PARK;
    }

    /**
     * After a park on the task's sleep timer: false when there is none; true once it has fired
     * (and is cleared); while it is still pending (a spurious wake-up) the task parks again.
     */
    static boolean sleepOver(TaskContext t) {
        if (t.sleepTimer == null) {
            return false;
        }
        if (t.sleepTimer.isPending()) {
            t.waitingOn(Fiber.WaitKind.SLEEP, null);
            throw Suspend.PARK;
        }
        t.sleepTimer = null;
        return true;
    }

    /** A duration, or a number of seconds, in nanoseconds ({@code sleep}, {@code with_timeout}). */
    static long durationNanos(Object d, String fn) {
        if (d instanceof DurationValue dv) {
            return dv.nanos();
        }
        if (d instanceof Long l) {
            return l >= Long.MAX_VALUE / 1_000_000_000L ? Long.MAX_VALUE / 2 : l * 1_000_000_000L;
        }
        if (d instanceof Double s) {
            if (Double.isNaN(s)) {
                throw LimnError.typeMismatch(fn + " expects a duration or a number of seconds, got nan");
            }
            return (long) Math.min(s * 1e9, Long.MAX_VALUE / 2.0);
        }
        throw LimnError.typeMismatch(fn + " expects a duration or a number of seconds, got " + Values.typeName(d));
    }
}
