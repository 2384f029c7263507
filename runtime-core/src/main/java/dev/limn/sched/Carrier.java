package dev.limn.sched;

import dev.limn.sched.events.FlightEvents;

import org.agrona.concurrent.Agent;
import org.jctools.queues.MpmcUnboundedXaddArrayQueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One scheduler thread's work loop, run as an Agrona {@link Agent} on its own
 * {@link org.agrona.concurrent.AgentRunner} thread.
 *
 * <h2>Where a carrier looks for work</h2>
 * <ol>
 *   <li>its {@link WorkStealingDeque} (fibers it spawned or woke: LIFO for locality);</li>
 *   <li>its inbox, an MPMC queue that other threads submit to, and where yielded fibers go
 *       (FIFO, so a yielding fiber lets the others run);</li>
 *   <li>the other carriers' deques and inboxes (work stealing).</li>
 * </ol>
 * Every {@value #FAIRNESS_PERIOD}th pick takes the oldest local work first (inbox, then the top
 * of its own deque), so ping-ponging fibers cannot starve older ones.
 *
 * <h2>Idle and wake-up</h2>
 * A carrier that finds no work sets {@code idle} (volatile), scans once more, and only then
 * lets its idle strategy spin, yield and park. A submitter first publishes the fiber in a queue,
 * then wakes one idle carrier by CASing its {@code idle} 1 -> 0 and unparking its thread: one
 * wake per submission, no thundering herd. Store-then-load on both sides (Dekker) means the
 * submitter sees the idle flag or the carrier sees the work; LockSupport's permit covers an
 * unpark that arrives before the park. Every 0 -> 1 and 1 -> 0 change of {@code idle} also
 * moves the scheduler's idle-carrier count by one (the 1 -> 0 side always by CAS, so a carrier
 * waking itself and a submitter waking it cannot both count it); parallel loops read that count
 * to decide when to split (see {@code dev.limn.block.RangeChunk}).
 *
 * <h2>Pinning</h2>
 * With pinning on (from the start, or asked for later by {@link Scheduler#requestPinning}),
 * carrier {@code i} pins itself on its own thread, in {@link #onStart} or before its next
 * fiber (so no thread is ever started from a pinned one), to the CPU the scheduler planned for
 * it, through {@link CpuPin} (which also pins CPU 0, the one the affinity library keeps for
 * the operating system, so that on a two-CPU machine both carriers get their own core). Carriers beyond the
 * number of CPUs stay unpinned ({@link #cpu()} is -1).
 */
public final class Carrier implements Agent {

    static final int FAIRNESS_PERIOD = 61;

    private static final VarHandle IDLE;
    private static final VarHandle CURRENT;
    private static final VarHandle RUN_START;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            IDLE = lookup.findVarHandle(Carrier.class, "idle", int.class);
            CURRENT = lookup.findVarHandle(Carrier.class, "current", Fiber.class);
            RUN_START = lookup.findVarHandle(Carrier.class, "runStart", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Scheduler scheduler;
    private final int index;
    final WorkStealingDeque<Fiber> deque = new WorkStealingDeque<>(256);
    final MpmcUnboundedXaddArrayQueue<Fiber> inbox = new MpmcUnboundedXaddArrayQueue<>(256);

    private volatile int idle;
    volatile Thread thread;
    private volatile int cpu = -1;
    private CpuPin pin = CpuPin.NONE;
    /** Owner only: pinning was tried (once; a carrier never moves to another CPU). */
    private boolean pinTried;

    /** The fiber running now and since when (opaque; read by the time-slice ticker). */
    @SuppressWarnings("unused")
    private Fiber current;
    @SuppressWarnings("unused")
    private long runStart;

    private int picks;
    private int stealCursor;

    Carrier(Scheduler scheduler, int index) {
        this.scheduler = scheduler;
        this.index = index;
    }

    /** The scheduler this carrier belongs to. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** 0-based carrier number. */
    public int index() {
        return index;
    }

    /** The CPU this carrier is (or, once closed, was) pinned to; -1 when not pinned (or pinning failed). */
    public int cpu() {
        return cpu;
    }

    @Override
    public String roleName() {
        return "limn-carrier-" + index;
    }

    @Override
    public void onStart() {
        thread = Thread.currentThread();
        pinIfAsked();
    }

    /** Pins this carrier once pinning is asked for: at start, or before the next fiber it runs. */
    private void pinIfAsked() {
        if (!pinTried && scheduler.isPinning()) {
            pinTried = true;
            pinToPlannedCpu(scheduler.plannedCpu(index));
        }
    }

    /** Runs on the carrier's own thread; no thread is ever started from here. */
    private void pinToPlannedCpu(int planned) {
        pin = CpuPin.pinCurrentThread(planned); // -1: more carriers than CPUs, this one shares
        cpu = pin.cpu();
    }

    @Override
    public void onClose() {
        pin.release();
        // cpu keeps the CPU it was pinned to: --stats prints the mapping after the scheduler closed
    }

    /**
     * The agent runner ends the thread on an Error, and a carrier that is gone leaves its fibers
     * and the program hanging: running out of memory in the scheduler's own work (a requeue, the
     * quiescence scan) frees the reserve and is recorded as the run's failure instead.
     */
    @Override
    public int doWork() {
        try {
            return work();
        } catch (OutOfMemoryError e) {
            scheduler.ranOutOfMemory(e);
            return 1;
        }
    }

    private int work() {
        pinIfAsked();
        Fiber fiber = next();
        if (fiber == null) {
            // Announce idleness, then look once more: a submitter that published before our
            // store is found by this scan; one that publishes after it sees idle and wakes us.
            if (lvIdle() == 0) {
                svIdle(1);
                scheduler.idleCarrierDelta(1);
            }
            fiber = next();
            if (fiber == null) {
                return 0;
            }
        }
        if (lvIdle() != 0 && IDLE.compareAndSet(this, 1, 0)) {
            scheduler.idleCarrierDelta(-1);
        }
        runFiber(fiber);
        return 1;
    }

    private Fiber next() {
        Simulation sim = scheduler.simulation;
        if (sim != null) {
            return sim.next(this);
        }
        Fiber f;
        if (++picks % FAIRNESS_PERIOD == 0) {
            if ((f = inbox.poll()) != null || (f = deque.steal()) != null) {
                return f;
            }
        }
        if ((f = deque.pop()) != null || (f = inbox.poll()) != null) {
            return f;
        }
        return stealWork();
    }

    private Fiber stealWork() {
        Carrier[] carriers = scheduler.carriers;
        int n = carriers.length;
        for (int i = 1; i < n; i++) {
            Carrier victim = carriers[victim(index, stealCursor, i, n)];
            Fiber f = victim.deque.steal();
            if (f == null) {
                f = victim.inbox.poll();
            }
            if (f != null) {
                stealCursor++;
                Scheduler.count(scheduler.steals);
                FlightEvents.steal(index, victim.index, f.id());
                return f;
            }
        }
        return null;
    }

    /**
     * The {@code i}-th carrier (1 to n - 1) that carrier {@code index} tries to rob: each of
     * the n - 1 others once, in a rotation that {@code cursor} moves on after every successful
     * steal. Never {@code index} itself: the plain {@code (index + cursor + i) % n} lands on it
     * whenever cursor + i is a multiple of n, and with two carriers one odd cursor (one steal)
     * made a carrier rob only itself from then on, so a producer and a consumer that took turns
     * on the other carrier were never split up again.
     */
    static int victim(int index, int cursor, int i, int n) {
        return (index + 1 + (Math.floorMod(cursor, n - 1) + i - 1) % (n - 1)) % n;
    }

    private void runFiber(Fiber fiber) {
        Scheduler s = scheduler;
        fiber.beginRun();
        fiber.clearTrap(Fiber.TRAP_TIME_SLICE);
        fiber.clearWaiting();
        CURRENT.setOpaque(this, fiber);
        RUN_START.setOpaque(this, s.clock.nanoTime());
        Fiber.Status status;
        try {
            status = fiber.run(this);
        } catch (Throwable t) {
            if (t instanceof OutOfMemoryError) {
                s.releaseReserve(); // the failure report and the shutdown need memory
            }
            status = Fiber.Status.DONE;
            try {
                s.fiberFailed(fiber, t);
            } catch (OutOfMemoryError again) {
                // the fiber must still be counted done below, or quiescence never comes
                s.releaseReserve();
                s.hostFailed(t);
            }
        }
        CURRENT.setOpaque(this, null);
        switch (status) {
            case DONE -> {
                fiber.abandonWait(); // a finished fiber must not swallow a waker's wake-up
                fiber.svState(Fiber.DONE);
                s.fiberDone(fiber);
            }
            case YIELD -> {
                fiber.svState(Fiber.RUNNABLE);
                inbox.offer(fiber);
                s.signalWork(this);
            }
            case PARKED -> {
                s.parking(fiber);
                if (fiber.commitPark()) {
                    // An unpark raced with the park: stay counted as active and run again.
                    deque.push(fiber);
                } else {
                    s.parks.increment();
                    s.decrementActive();
                }
            }
        }
    }

    /** Owner thread only: queue a fiber that this carrier made runnable. */
    void pushLocal(Fiber fiber) {
        deque.push(fiber);
    }

    boolean hasQueuedWork() {
        return !deque.isEmpty() || !inbox.isEmpty();
    }

    /** The fiber running now, or null (opaque read; may be stale). */
    Fiber lpCurrent() {
        return (Fiber) CURRENT.getOpaque(this);
    }

    long lpRunStart() {
        return (long) RUN_START.getOpaque(this);
    }

    int lvIdle() {
        return idle;
    }

    private void svIdle(int value) {
        idle = value;
    }

    /** Wakes this carrier if it announced idleness; true if this call took the wake. */
    boolean wakeIfIdle() {
        if (idle != 0 && IDLE.compareAndSet(this, 1, 0)) {
            scheduler.idleCarrierDelta(-1);
            Thread t = thread;
            if (t != null) {
                java.util.concurrent.locks.LockSupport.unpark(t);
            }
            return true;
        }
        return false;
    }
}
