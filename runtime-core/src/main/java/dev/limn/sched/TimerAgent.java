package dev.limn.sched;

import org.agrona.DeadlineTimerWheel;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.IdleStrategy;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The scheduler's timer thread: owns the {@link DeadlineTimerWheel} (thread-confined: only this
 * agent touches it), sets TIME_SLICE traps on fibers that ran past their slice while others
 * wait, and starts the virtual threads of host calls (so no thread is ever started from a
 * pinned carrier: a new thread inherits its creator's CPU mask).
 *
 * <p>Other threads talk to it through an MPSC command queue: a {@link Timer} to add, a cancelled
 * Timer to remove from the wheel, or a Runnable to run here. Cancellation itself does not wait
 * for this thread: it is a CAS on the Timer (see {@link Timer}).
 *
 * <p>The wheel advances one tick per {@code poll} and places a new timer relative to its current
 * tick, so this agent keeps it current: an empty wheel jumps to now before a timer is added, and
 * a non-empty one is polled until its tick catches up with the clock.
 *
 * <p>Idle policy: it parks until the earliest known deadline (at most 1 s), or until a command,
 * a first fiber or a carrier that gets busy wakes it; while some carrier is busy and fibers are
 * live, at most half a time slice, to police slices. An idle program (every fiber parked)
 * therefore costs no periodic wake-ups. It never spins.
 * The earliest deadline is tracked on insert and recomputed by a wheel scan after it passes
 * while at most {@value #RESCAN_LIMIT} timers are pending; with more, it falls back to one tick.
 */
final class TimerAgent implements Agent, IdleStrategy {

    /** Wheel tick: 2^20 ns, about 1 ms (the wheel wants a power of two). */
    static final long TICK_NANOS = 1L << 20;
    private static final int TICKS_PER_WHEEL = 512;
    private static final int EXPIRY_LIMIT = 1024;
    static final int RESCAN_LIMIT = 1024;
    /** Bounds the catch-up loop so commands are not starved after a long stall. */
    private static final int MAX_TICKS_PER_WORK = 4096;

    private final Scheduler scheduler;
    private final DeadlineTimerWheel wheel;
    private final MpscUnboundedXaddArrayQueue<Object> commands = new MpscUnboundedXaddArrayQueue<>(256);
    private final org.agrona.collections.Long2ObjectHashMap<Timer> byWheelId = new org.agrona.collections.Long2ObjectHashMap<>();
    private final DeadlineTimerWheel.TimerHandler onExpiry = this::expire;
    /** Lower bound of the earliest pending deadline (Long.MAX_VALUE when none is known). */
    private long earliest = Long.MAX_VALUE;
    /** True when {@code earliest} is the exact minimum (not the one-tick fallback). */
    private boolean earliestExact = true;

    volatile Thread thread;
    /** 1 while parked without a deadline; a submitter that sees it unparks the thread. */
    private volatile int sleeping;

    TimerAgent(Scheduler scheduler) {
        this.scheduler = scheduler;
        this.wheel = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, scheduler.clock.nanoTime(), TICK_NANOS, TICKS_PER_WHEEL);
    }

    @Override
    public String roleName() {
        return "limn-timer";
    }

    @Override
    public void onStart() {
        thread = Thread.currentThread();
    }

    void command(Object command) {
        commands.offer(command);
        wake();
    }

    /** Unparks the timer thread if it sleeps without a deadline. */
    void wake() {
        if (sleeping != 0) {
            sleeping = 0;
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    /** Unparks the timer thread whatever it is waiting for (used by close). */
    void interruptIdle() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * The agent runner ends the thread on an Error, and without this thread no timer fires and
     * the program hangs: running out of memory here frees the scheduler's reserve and is recorded
     * as the run's failure instead, and a timer that could not be placed fires at once rather than
     * never (a sleep ends early).
     */
    @Override
    public int doWork() {
        try {
            return work();
        } catch (OutOfMemoryError | LinkageError e) {
            // LinkageError: a call site linked for the first time while memory is short
            OutOfMemoryError oom = Scheduler.outOfMemoryBehind(e);
            if (oom == null) {
                throw e;
            }
            scheduler.ranOutOfMemory(oom);
            return 1;
        }
    }

    private int work() {
        int work = 0;
        Object command;
        while ((command = commands.poll()) != null) {
            work++;
            if (command instanceof Timer timer) {
                if (timer.deadline == Scheduler.NEVER) {
                    continue; // pending until cancelled; never in the wheel (see Scheduler.deadlineAfter)
                }
                if (timer.lvState() == Timer.PENDING) {
                    try {
                        place(timer);
                    } catch (OutOfMemoryError e) {
                        scheduler.releaseReserve();
                        fire(timer);
                    }
                } else if (timer.wheelId >= 0) {
                    wheel.cancelTimer(timer.wheelId);
                    byWheelId.remove(timer.wheelId);
                }
            } else {
                ((Runnable) command).run();
            }
        }
        long now = scheduler.clock.nanoTime();
        if (wheel.timerCount() > 0 && earliestExact && now < earliest - TICK_NANOS) {
            // Nothing is due before `earliest`: skip the empty ticks in one step instead of one
            // poll per tick. Timers sit in spokes by deadline and are checked against the clock
            // whenever the wheel passes their spoke, so none is skipped.
            wheel.currentTickTime(now);
        } else if (wheel.timerCount() > 0) {
            for (int ticks = 0; wheel.timerCount() > 0 && ticks < MAX_TICKS_PER_WORK; ticks++) {
                work += wheel.poll(now, onExpiry, EXPIRY_LIMIT);
                if (now < wheel.currentTickTime()) {
                    break; // caught up with the clock
                }
            }
            if (now >= earliest) {
                earliest = rescanEarliest(now);
            }
        }
        if (wheel.timerCount() == 0) {
            earliest = Long.MAX_VALUE;
            earliestExact = true;
        }
        scheduler.policeTimeSlices(now);
        if (!scheduler.isDeterministic()) {
            scheduler.watchTick(now, false);
        }
        return work;
    }

    /** Puts a pending timer in the wheel; a timer that is not in the map too is taken out again, so that none is lost. */
    private void place(Timer timer) {
        if (wheel.timerCount() == 0) {
            wheel.currentTickTime(scheduler.clock.nanoTime());
        }
        long id = wheel.scheduleTimer(timer.deadline);
        try {
            byWheelId.put(id, timer);
        } catch (OutOfMemoryError e) {
            wheel.cancelTimer(id);
            throw e;
        }
        timer.wheelId = id;
        if (timer.deadline < earliest) {
            earliest = timer.deadline;
            earliestExact = wheel.timerCount() == 1 || earliestExact;
        }
    }

    /** The smallest deadline a rescan has seen so far; a field, so that the rescan allocates nothing. */
    private long scanned;
    private final DeadlineTimerWheel.TimerConsumer scan = (deadline, timerId) -> scanned = Math.min(scanned, deadline);

    private long rescanEarliest(long now) {
        if (wheel.timerCount() == 0) {
            return Long.MAX_VALUE;
        }
        if (wheel.timerCount() > RESCAN_LIMIT) {
            earliestExact = false;
            return now + TICK_NANOS;
        }
        earliestExact = true;
        scanned = Long.MAX_VALUE;
        wheel.forEach(scan);
        return scanned;
    }

    private boolean expire(TimeUnit unit, long now, long wheelId) {
        Timer timer = byWheelId.remove(wheelId);
        if (timer != null) {
            fire(timer);
        }
        return true;
    }

    private void fire(Timer timer) {
        scheduler.fire(timer);
    }

    long pendingTimers() {
        return wheel.timerCount();
    }

    /** From any thread (a racy read, a hint): whether a timer is in the wheel or a command waits. */
    boolean hasPending() {
        return wheel.timerCount() > 0 || !commands.isEmpty();
    }

    // ---- IdleStrategy: deadline-aware, never spins --------------------------------------------

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            return;
        }
        if (scheduler.isClosed()) {
            LockSupport.parkNanos(this, Scheduler.CLOSING_PARK_NANOS); // the runner is about to stop us
        } else {
            long wait = wheel.timerCount() > 0
                    ? Math.max(TICK_NANOS / 4, earliest - scheduler.clock.nanoTime())
                    : TimeUnit.SECONDS.toNanos(1);
            // Published before looking at the carriers: a command, a first fiber, or a carrier
            // that gets busy after the look below sees it and unparks us (see wake()).
            sleeping = 1;
            if (scheduler.liveFibers() > 0 && scheduler.anyCarrierBusy()) {
                // Time slices need policing only while some carrier runs a fiber; an idle
                // program (every fiber parked: sleeping, waiting) costs no wake-ups.
                wait = Math.min(wait, scheduler.timeSliceNanos / 2);
            }
            if (commands.isEmpty() && !scheduler.isClosed()) {
                LockSupport.parkNanos(this, Math.min(wait, TimeUnit.SECONDS.toNanos(1)));
            }
            sleeping = 0;
        }
    }

    @Override
    public void idle() {
        idle(0);
    }

    @Override
    public void reset() {
    }

    @Override
    public String alias() {
        return "limn-timer";
    }
}
