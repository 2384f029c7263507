package dev.limn.sched;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A deterministic scheduler's choices and clock ({@code limn run --deterministic}): one carrier
 * runs every fiber, the next fiber is drawn by a generator seeded with the run's seed, and time
 * is virtual.
 *
 * <h2>Choices</h2>
 * Every fiber that becomes runnable (spawned, woken, yielded) lands in the carrier's queues as
 * usual; before each pick, {@link #next} moves them, in the order they arrived, into one list,
 * and draws the fiber to run from it. So the interleaving depends only on the seed and on the
 * program, and two runs with the same seed make the same choices.
 *
 * <h2>Virtual time</h2>
 * The clock starts at 0 and moves in two ways only: a task's time slice (counted in
 * instructions, see {@code TaskContext.onSafepoint}) advances it by one nanosecond per
 * instruction; and when no fiber is runnable, it jumps to the earliest pending timer. Timers are
 * kept here, not in the timer thread's wheel, and fire on the carrier before each pick, in
 * deadline order (ties in the order they were set). So {@code sleep(10s)} costs no wall time,
 * and a program's timeline is the same on every run.
 *
 * <h2>Parallel loops</h2>
 * A parallel loop splits its range when a carrier is idle, which the one carrier never is.
 * Here it splits as if there were {@value #PARALLEL_WIDTH} carriers, and a running chunk draws
 * before each iteration whether to split now ({@link #drawSplit}, one chance in
 * {@value #SPLIT_ODDS}): so the seed chooses where ranges are cut, and the picks interleave the
 * chunks.
 *
 * <p>The list of runnable fibers is the carrier's alone. Timers may also be set and cancelled
 * from a host's thread (an embedding host calling into a deterministic runtime), so they are
 * kept under this object's lock, which is never held while a timer fires: that is safe, though
 * what a host's thread does is not deterministic.
 */
final class Simulation implements Clock {

    final long seed;
    /** The generator of scheduling choices. */
    private final SplittableRandom random;
    private final AtomicLong now = new AtomicLong();
    private final ArrayList<Fiber> runnable = new ArrayList<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(
            Comparator.comparingLong((Timer t) -> t.deadline).thenComparingLong(t -> t.seq));
    private long timerSeq;
    /** Picks made, for {@code --stats}. */
    private long picks;

    /** The carriers a parallel loop splits for: see the class comment. */
    static final int PARALLEL_WIDTH = 4;
    static final int SPLIT_ODDS = 32;

    Simulation(long seed) {
        this.seed = seed;
        // mixed, so that the schedule's draws do not repeat random()'s, seeded with the same number
        this.random = new SplittableRandom(seed ^ 0x5DEECE66DL);
    }

    @Override
    public long nanoTime() {
        return now.get();
    }

    /** A task ran {@code instructions}: virtual time moves on by one nanosecond each. */
    void elapse(long instructions) {
        if (instructions > 0) {
            now.addAndGet(instructions);
        }
    }

    long picks() {
        return picks;
    }

    // ---- timers -------------------------------------------------------------------------------

    /** Adds a pending timer (one that never fires is kept out, as the wheel keeps it out). */
    synchronized void add(Timer t) {
        if (t.deadline != Scheduler.NEVER) {
            t.seq = timerSeq++;
            timers.add(t);
        }
    }

    /** Drops a cancelled timer. */
    synchronized void remove(Timer t) {
        timers.remove(t);
    }

    synchronized boolean hasTimers() {
        return !timers.isEmpty();
    }

    /** The earliest timer if it is due at {@code at}, taken out; else null. */
    private synchronized Timer takeDue(long at) {
        Timer t = timers.peek();
        if (t != null && t.deadline - at <= 0) {
            return timers.poll();
        }
        return null;
    }

    /** Moves the clock to the earliest pending timer; false when none is pending. */
    private synchronized boolean advanceToNextTimer() {
        Timer t = timers.peek();
        if (t == null) {
            return false;
        }
        now.accumulateAndGet(t.deadline, Math::max);
        return true;
    }

    /** Fires every timer due now; true if one fired. */
    private boolean fireDue(Scheduler s) {
        boolean fired = false;
        Timer t;
        while ((t = takeDue(now.get())) != null) {
            s.fire(t);
            fired = true;
        }
        return fired;
    }

    // ---- picks -----------------------------------------------------------------------------------

    /**
     * The next fiber for {@code carrier} to run, or null when none can run: fires the timers that
     * are due, then, with nothing runnable, moves the clock to the next timer and fires it, then
     * draws one of the runnable fibers.
     */
    Fiber next(Carrier carrier) {
        Scheduler s = carrier.scheduler();
        collect(carrier);
        if (fireDue(s)) {
            collect(carrier);
        }
        while (runnable.isEmpty() && advanceToNextTimer()) {
            fireDue(s);
            collect(carrier);
        }
        if (picks % Scheduler.WATCH_PICKS == Scheduler.WATCH_PICKS - 1) {
            s.watchTick(0, true); // between two tasks: a look that no task can race with
            collect(carrier);
        }
        int n = runnable.size();
        if (n == 0) {
            return null;
        }
        int i = n == 1 ? 0 : random.nextInt(n);
        Fiber f = runnable.get(i);
        runnable.set(i, runnable.get(n - 1));
        runnable.remove(n - 1);
        picks++;
        return f;
    }

    /** Whether a parallel chunk splits before its next iteration (the carrier's thread only). */
    boolean drawSplit() {
        return random.nextInt(SPLIT_ODDS) == 0;
    }

    /** Moves the fibers queued on {@code carrier} into the list, oldest first. */
    private void collect(Carrier carrier) {
        Fiber f;
        while ((f = carrier.deque.steal()) != null) {
            runnable.add(f);
        }
        while ((f = carrier.inbox.poll()) != null) {
            runnable.add(f);
        }
    }
}
