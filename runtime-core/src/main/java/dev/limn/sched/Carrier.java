package dev.limn.sched;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import net.openhft.affinity.AffinityLock;
import org.agrona.concurrent.Agent;
import org.jctools.queues.MpmcUnboundedXaddArrayQueue;

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
 * unpark that arrives before the park.
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
    private final boolean pin;
    final WorkStealingDeque<Fiber> deque = new WorkStealingDeque<>(256);
    final MpmcUnboundedXaddArrayQueue<Fiber> inbox = new MpmcUnboundedXaddArrayQueue<>(256);

    private volatile int idle;
    volatile Thread thread;
    private volatile int cpu = -1;
    private AffinityLock affinityLock;

    /** The fiber running now and since when (opaque; read by the time-slice ticker). */
    @SuppressWarnings("unused")
    private Fiber current;
    @SuppressWarnings("unused")
    private long runStart;

    private int picks;
    private int stealCursor;

    Carrier(Scheduler scheduler, int index, boolean pin) {
        this.scheduler = scheduler;
        this.index = index;
        this.pin = pin;
    }

    /** The scheduler this carrier belongs to. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** 0-based carrier number. */
    public int index() {
        return index;
    }

    /** The CPU this carrier is pinned to, or -1 when not pinned (or pinning failed). */
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
        if (pin) {
            // Acquired on the carrier thread itself; no thread is ever started from here.
            affinityLock = AffinityLock.acquireLock();
            cpu = affinityLock.isAllocated() ? affinityLock.cpuId() : -1;
        }
    }

    @Override
    public void onClose() {
        if (affinityLock != null) {
            affinityLock.release();
            affinityLock = null;
        }
        cpu = -1;
    }

    @Override
    public int doWork() {
        Fiber fiber = next();
        if (fiber == null) {
            // Announce idleness, then look once more: a submitter that published before our
            // store is found by this scan; one that publishes after it sees idle and wakes us.
            if (lvIdle() == 0) {
                svIdle(1);
            }
            fiber = next();
            if (fiber == null) {
                return 0;
            }
        }
        if (lvIdle() != 0) {
            svIdle(0);
        }
        runFiber(fiber);
        return 1;
    }

    private Fiber next() {
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
            Carrier victim = carriers[(index + stealCursor + i) % n];
            Fiber f = victim.deque.steal();
            if (f == null) {
                f = victim.inbox.poll();
            }
            if (f != null) {
                stealCursor++;
                scheduler.steals.increment();
                return f;
            }
        }
        return null;
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
            status = Fiber.Status.DONE;
            s.fiberFailed(fiber, t);
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
            Thread t = thread;
            if (t != null) {
                java.util.concurrent.locks.LockSupport.unpark(t);
            }
            return true;
        }
        return false;
    }
}
