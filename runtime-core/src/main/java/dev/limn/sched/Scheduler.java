package dev.limn.sched;

import dev.limn.sched.events.FlightEvents;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * Runs fibers on N carrier threads (SPEC §5, ARCHITECTURE "Scheduler and concurrency runtime").
 *
 * <h2>Quiescence (SPEC §5.3), counted exactly</h2>
 * {@code active} counts everything that could still make a fiber runnable or send a value:
 * <pre>
 *   +1 spawn                  -1 fiber DONE
 *   +1 unpark (PARKED->RUNNABLE, counted before the CAS publishes it)
 *                             -1 fiber PARKED (its run returned PARKED and no permit was waiting)
 *   +1 schedule(timer)        -1 timer fired (after its action ran) or cancelled (CAS winner)
 *   +1 runBlocking            -1 host call completed (after it unparked its fiber)
 *   +1 host producer          -1 host producer released (its channel closed)
 * </pre>
 * Every increment is made by someone who is itself counted (a running fiber, a firing timer, a
 * host call, a host producer) before its own decrement, so {@code active} reaches 0 only when
 * nothing can ever wake a parked fiber again. The thread whose decrement reaches 0 examines
 * the parked fibers: receivers are woken with end of stream; if there are none but other
 * fibers are parked, that is a deadlock and the {@link DeadlockHandler} is called; if no fiber
 * is live the program run by {@link #runMain} is done.
 */
public final class Scheduler implements AutoCloseable {

    /** Called with the blocked fibers when the scheduler finds a deadlock. */
    @FunctionalInterface
    public interface DeadlockHandler {
        /**
         * May wake some of the fibers (e.g. cancel them so they raise Deadlock). If it wakes
         * none, {@link #runMain} throws {@link DeadlockException}.
         */
        void onDeadlock(List<Blocked> blocked);
    }

    /** A host-side producer (e.g. a channel created by the host API) that keeps the program alive. */
    public final class HostProducer {
        private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        /** Keeps parked fibers from quiescence, not the program from ending ({@link #registerRemoteProducer}). */
        private final boolean remote;

        private HostProducer(boolean remote) {
            this.remote = remote;
        }

        /** Idempotent: the first call lets quiescence happen again. */
        public void release() {
            if (released.compareAndSet(false, true)) {
                if (remote) {
                    remoteProducers.decrementAndGet();
                    if (active.get() == 0) {
                        onQuiescent(); // a look put off for this producer looks again
                    }
                } else {
                    hostProducers.decrementAndGet();
                    decrementActive();
                }
            }
        }
    }

    public static final long DEFAULT_TIME_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    final Clock clock;
    /** The choices and virtual clock of a deterministic scheduler; null for a normal one. */
    final Simulation simulation;
    final Carrier[] carriers;
    final long timeSliceNanos;
    private final AgentRunner[] runners;
    private final TimerAgent timer;
    private final AgentRunner timerRunner;
    private final DeadlockHandler deadlockHandler;
    private final BiConsumer<Fiber, Throwable> failureHandler;

    private final AtomicLong active = new AtomicLong();
    /** Whether a host's call is in progress (see {@link #beginHostRun}); none until told. */
    private volatile BooleanSupplier hostCallsRunning = () -> false;
    /** A quiescence found a host's call in progress and was put off until it ends. */
    private volatile boolean quiescenceDeferred;
    private final AtomicLong live = new AtomicLong();
    private final AtomicLong peakLive = new AtomicLong();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong openChannels = new AtomicLong();
    private final LongAdder started = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder deadlocks = new LongAdder();
    private final LongAdder hostCalls = new LongAdder();
    /** Host calls started and not completed, and host producers not released: wakers the carriers cannot see. */
    private final AtomicInteger hostCallsInFlight = new AtomicInteger();
    private final AtomicInteger hostProducers = new AtomicInteger();
    /** Producers of {@link #registerRemoteProducer}: not in {@link #active}. */
    private final AtomicInteger remoteProducers = new AtomicInteger();
    /** Pending timers that never fire (kept out of the wheel): a fiber waiting on one is not stuck. */
    private final AtomicInteger neverTimers = new AtomicInteger();
    final LongAdder steals = new LongAdder();
    final LongAdder parks = new LongAdder();
    /** Carriers whose idle flag is up; moved by exactly one party per flag change (see Carrier). */
    private final AtomicInteger idleCarriers = new AtomicInteger();
    /** With pinning: the CPU planned for each carrier (-1: none left for it); null until pinning is asked for. */
    private volatile int[] cpuPlan;
    /**
     * Every fiber that has parked at least once and is not done: a superset of the PARKED
     * fibers, which is all the quiescence scan needs. A fiber joins it on its first park (on its
     * carrier, before the park decrements {@code active}, so a scan that sees {@code active}
     * reach 0 sees it) and leaves it when done; fibers that never park, like most tasks, never
     * touch this shared set.
     */
    private final Set<Fiber> parkers = ConcurrentHashMap.newKeySet();
    private final Object quiescenceLock = new Object();
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    private volatile CompletableFuture<DeadlockException> mainDone;
    private int roundRobin;
    private volatile boolean closed;

    private Scheduler(Builder b) {
        this.simulation = b.deterministicSeed == null ? null : new Simulation(b.deterministicSeed);
        this.clock = simulation != null ? simulation : b.clock;
        this.timeSliceNanos = b.timeSliceNanos;
        this.deadlockHandler = b.deadlockHandler;
        this.failureHandler = b.failureHandler != null ? b.failureHandler
                : (f, t) -> firstFailure.compareAndSet(null, t);
        int carrierCount = simulation != null ? 1 : b.carriers;
        this.carriers = new Carrier[carrierCount];
        this.runners = new AgentRunner[carrierCount];
        this.cpuPlan = b.pin ? planCpus(carrierCount) : null;
        for (int i = 0; i < carriers.length; i++) {
            carriers[i] = new Carrier(this, i);
        }
        this.timer = new TimerAgent(this);
        this.timerRunner = new AgentRunner(timer, this::hostFailed, null, timer);
        for (int i = 0; i < carriers.length; i++) {
            runners[i] = new AgentRunner(new CarrierIdle(), this::hostFailed, null, carriers[i]);
        }
        // Threads are started from the constructing thread, never from a pinned carrier.
        AgentRunner.startOnThread(timerRunner, r -> daemon(new Thread(r, "limn-timer")));
        for (int i = 0; i < carriers.length; i++) {
            Carrier carrier = carriers[i];
            AgentRunner.startOnThread(runners[i], r -> daemon(new CarrierThread(r, carrier)));
        }
    }

    /** One CPU of the process's affinity mask per carrier ({@link CpuPin#plan}). */
    private static int[] planCpus(int carrierCount) {
        return CpuPin.plan(CpuPin.baseAffinity(), carrierCount);
    }

    int plannedCpu(int carrier) {
        int[] plan = cpuPlan;
        return plan != null && carrier < plan.length ? plan[carrier] : -1;
    }

    /**
     * With pinning on, a CPU of the process's affinity mask that no carrier is planned for (the
     * highest), for a thread of the runtime's own that wants a core to itself (the media driver
     * of remote channels); -1 without pinning or when the carriers take every CPU.
     */
    public int spareCpu() {
        int[] plan = cpuPlan;
        return plan == null ? -1 : CpuPin.spare(CpuPin.baseAffinity(), plan);
    }

    /** Whether carriers are (or are about to be) pinned. */
    public boolean isPinning() {
        return cpuPlan != null;
    }

    /**
     * Pins the carriers from now on (a {@code parallel(pin=true)} block on a scheduler built
     * without pinning): each carrier pins itself on its own thread before it runs its next
     * fiber; idle carriers are woken to do it now. Idempotent. Host calls started afterwards
     * are started from the timer thread, which is never pinned.
     */
    public synchronized void requestPinning() {
        if (cpuPlan != null) {
            return;
        }
        cpuPlan = planCpus(carriers.length);
        for (Carrier carrier : carriers) {
            Thread t = carrier.thread;
            if (t != null) {
                java.util.concurrent.locks.LockSupport.unpark(t);
            }
        }
    }

    private static Thread daemon(Thread t) {
        t.setDaemon(true);
        return t;
    }

    /**
     * A carrier's idle strategy: spin, yield, then park with doubling periods up to
     * {@link #MAX_CARRIER_PARK_NANOS}. Parks end early when a submitter wakes the carrier
     * (see {@link Carrier}), so the cap is only a safety net and is long enough that an idle
     * program costs no measurable CPU. Once the scheduler is closing, parks are short so that
     * closing does not wait out a long park.
     */
    private final class CarrierIdle implements org.agrona.concurrent.IdleStrategy {
        private final BackoffIdleStrategy backoff = idleBackoff(MAX_CARRIER_PARK_NANOS);

        @Override
        public void idle(int workCount) {
            if (closed) {
                // the runner is about to stop us: a short park, so close() joins us quickly
                java.util.concurrent.locks.LockSupport.parkNanos(CLOSING_PARK_NANOS);
            } else {
                backoff.idle(workCount);
            }
        }

        @Override
        public void idle() {
            idle(0);
        }

        @Override
        public void reset() {
            backoff.reset();
        }

        @Override
        public String alias() {
            return "limn-carrier-idle";
        }
    }

    /**
     * Limn's back-off for a thread with nothing to do: 64 spins, 16 yields, then parks from 1 µs
     * doubling up to {@code maxParkNanos}. The carriers use it (with {@link #MAX_CARRIER_PARK_NANOS},
     * since a submitter wakes them) and so does the media driver of remote channels (with a short
     * cap, since nothing wakes it: it polls its clients and sockets). One source for the shape, so
     * the two stay alike.
     */
    public static BackoffIdleStrategy idleBackoff(long maxParkNanos) {
        return new BackoffIdleStrategy(64, 16, TimeUnit.MICROSECONDS.toNanos(1), maxParkNanos);
    }

    /**
     * Park of an idle carrier or timer once the scheduler is closing: {@link #close()} joins
     * its threads one after another, each as soon as it next looks at its runner's state, so a
     * 1 ms park cost each run ~3 ms of shutdown; 20 µs costs a few wake-ups.
     */
    static final long CLOSING_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(20);

    /** Longest park of an idle carrier (a safety net: carriers are woken when work arrives). */
    static final long MAX_CARRIER_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /** A carrier's thread; lets {@link #submit} find the current carrier without a ThreadLocal. */
    static final class CarrierThread extends Thread {
        final Carrier carrier;

        CarrierThread(Runnable r, Carrier carrier) {
            super(r, carrier.roleName());
            this.carrier = carrier;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A scheduler with default settings: one carrier per available processor, not pinned. */
    public static Scheduler create() {
        return builder().build();
    }

    // ---- fibers --------------------------------------------------------------------------------

    /** Starts {@code fiber}: numbers it, counts it live and makes it runnable. */
    public void spawn(Fiber fiber) {
        Objects.requireNonNull(fiber, "fiber");
        if (closed) {
            throw new IllegalStateException("scheduler is closed");
        }
        if (fiber.scheduler != null) {
            throw new IllegalStateException(fiber + " was already spawned");
        }
        fiber.scheduler = this;
        incrementActive();
        countLive(fiber);
        submit(fiber);
    }

    /** Numbers {@code fiber} and counts it started and live; the first live fiber starts the policing of time slices. */
    private void countLive(Fiber fiber) {
        fiber.id = ids.incrementAndGet();
        count(started);
        long nowLive = live.incrementAndGet();
        if (nowLive > peakLive.get()) {
            peakLive.accumulateAndGet(nowLive, Math::max);
        }
        if (nowLive == 1) {
            timer.wake();
        }
    }

    /**
     * Tells this scheduler how to see whether a host's call is in progress ({@link
     * #beginHostRun}): {@code running} answers from volatile state the host stores before it
     * starts a call and clears before it calls {@link #hostCallEnded}.
     */
    public void watchHostCalls(BooleanSupplier running) {
        hostCallsRunning = running;
    }

    /**
     * Starts running {@code fiber} on the calling thread, which is not one of the carriers (a
     * host's call runs where the host calls it): the fiber belongs to this scheduler, so that
     * whatever it waits on can wake it. It is not counted active: quiescence asks the host
     * whether a call is in progress instead ({@link #watchHostCalls}), so a call that runs to
     * its end on the host's thread touches no counter shared with the carriers. It is not
     * numbered or counted live unless it has to stay: see {@link #endHostRun}.
     */
    public void beginHostRun(Fiber fiber) {
        if (closed) {
            throw new IllegalStateException("scheduler is closed");
        }
        if (fiber.scheduler != null && (fiber.scheduler != this || fiber.id != 0)) {
            throw new IllegalStateException(fiber + " was already spawned");
        }
        if (fiber.scheduler != this) {
            fiber.scheduler = this;
        }
        fiber.beginRun();
    }

    /**
     * The run begun by {@link #beginHostRun} returned {@code status}. A fiber that finished is
     * done. One that yielded or parked is adopted: counted active, numbered and counted live
     * as if spawned, and queued or parked exactly as a carrier does after a run, so that it
     * goes on on the carriers.
     */
    public void endHostRun(Fiber fiber, Fiber.Status status) {
        if (status == Fiber.Status.DONE) {
            fiber.abandonWait();
            fiber.soState(Fiber.DONE);
            return;
        }
        incrementActive();
        countLive(fiber);
        if (status == Fiber.Status.YIELD) {
            fiber.svState(Fiber.RUNNABLE);
            submit(fiber);
        } else {
            parking(fiber);
            if (fiber.commitPark()) {
                submit(fiber); // a wake-up raced with the park: it is still counted active
            } else {
                count(parks);
                decrementActive();
            }
        }
    }

    /** Whether the calling thread is one of this scheduler's carriers. */
    public boolean onCarrier() {
        return Thread.currentThread() instanceof CarrierThread ct && ct.carrier.scheduler() == this;
    }

    /** Queues a RUNNABLE fiber that is already counted active. */
    void submit(Fiber fiber) {
        if (Thread.currentThread() instanceof CarrierThread ct && ct.carrier.scheduler() == this) {
            Carrier self = ct.carrier;
            self.pushLocal(fiber);
            signalWork(self);
        } else {
            int n = carriers.length;
            Carrier target = carriers[Math.floorMod(roundRobin++, n)];
            target.inbox.offer(fiber);
            if (!target.wakeIfIdle()) {
                signalWork(target);
            }
        }
    }

    /** Wakes at most one idle carrier other than {@code from} (which has work to share). */
    void signalWork(Carrier from) {
        // Dekker with the idle carrier (store idle, then scan the queues): our publication may
        // be a release store (the deque's bottom), which may pass the loads of idle below.
        java.lang.invoke.VarHandle.fullFence();
        Carrier[] cs = carriers;
        int n = cs.length;
        for (int i = 1; i < n; i++) {
            if (cs[(from.index() + i) % n].wakeIfIdle()) {
                return;
            }
        }
    }

    /** Carrier side, before a fiber's park is committed: makes it visible to the quiescence scan. */
    void parking(Fiber fiber) {
        if (!fiber.inParkers) {
            try {
                parkers.add(fiber);
            } catch (OutOfMemoryError e) {
                releaseReserve(); // a fiber whose park is not seen would be lost to quiescence
                parkers.add(fiber);
            }
            fiber.inParkers = true;
        }
    }

    void fiberDone(Fiber fiber) {
        if (fiber.inParkers) {
            parkers.remove(fiber);
        }
        count(completed); // before the decrement that may end the run: whoever waits for it reads the count
        live.decrementAndGet();
        decrementActive();
    }

    void fiberFailed(Fiber fiber, Throwable t) {
        count(failed);
        failureHandler.accept(fiber, t);
    }

    /**
     * Adds one to a statistic. A striped counter allocates a cell when threads contend on it:
     * running out of memory for it loses the count, never the fiber or the wake-up in hand.
     */
    static void count(LongAdder statistic) {
        try {
            statistic.increment();
        } catch (OutOfMemoryError e) {
            // a statistic is not worth failing for
        }
    }

    void hostFailed(Throwable t) {
        firstFailure.compareAndSet(null, t);
    }

    /**
     * A scheduler thread (a carrier, the timer) ran out of memory in its own work: frees the
     * reserve and records the run's failure, so that the thread goes on rather than ending.
     */
    void ranOutOfMemory(OutOfMemoryError e) {
        releaseReserve();
        hostFailed(e);
    }

    // ---- running out of memory -----------------------------------------------------------------

    /*
     * Running out of memory. Two blocks of heap are held back: the reserve, freed at the first
     * exhaustion so that the failing task can raise a catchable OutOfMemory, unwind and be
     * reported; and the last reserve, freed when the heap runs out again while the reserve is
     * spent, so that the runtime can end the program (no handler runs then) and the carriers
     * and the timer can go on and shut down, instead of failing at their next allocation.
     * armReserve allocates them again once the memory is back.
     */
    private static final int RESERVE_BYTES = 512 << 10;
    private volatile byte[] reserve = new byte[RESERVE_BYTES];
    private volatile byte[] lastReserve = new byte[RESERVE_BYTES];
    /** Moves at every exhaustion (a lost increment does not matter): {@link #runMain} watches for a wedge once it moved. */
    private volatile int exhaustions;
    /** What {@link #runMain} throws when a program cannot go on after running out of memory; allocated up front. */
    private final OutOfMemoryError wedged = new OutOfMemoryError("the program ran out of memory and cannot go on");

    /**
     * The heap ran out: frees the reserve if it is held and returns true (the failure may be
     * handled as an OutOfMemory error); otherwise frees the last reserve and returns false (the
     * failure must end the program). Allocates nothing. Two threads that run out at once may
     * both get true: each then raises an error the program may handle.
     */
    public boolean releaseReserve() {
        exhaustions++;
        if (reserve != null) {
            reserve = null;
            return true;
        }
        lastReserve = null;
        return false;
    }

    /** How many times the heap ran out so far (it moves at each; a lost increment does not matter). */
    public int exhaustions() {
        return exhaustions;
    }

    /**
     * The OutOfMemoryError that is {@code e} or one of the exceptions behind it, or null. A call
     * site linked for the first time while memory is short fails with a BootstrapMethodError
     * (string concatenation, a lambda) whose cause is the OutOfMemoryError.
     */
    public static OutOfMemoryError outOfMemoryBehind(Throwable e) {
        Throwable c = e;
        for (int i = 0; c != null && i < 8; i++, c = c.getCause()) {
            if (c instanceof OutOfMemoryError oom) {
                return oom;
            }
        }
        return null;
    }

    /** Free heap that a re-arming wants to see besides the reserves: see {@link #armReserve}. */
    private static final int HEADROOM_BYTES = 4 << 20;

    /**
     * Allocates the reserves that were freed, once the memory is back (before a program or a
     * host's call runs, after a handled OutOfMemory): only if {@value #HEADROOM_BYTES} more bytes
     * can be allocated beside them, so that it never takes back the very memory that a freed
     * reserve just gave a handler. False, with nothing thrown, while memory is still short: that
     * costs the JVM a full collection, so callers try it only at those points.
     */
    public boolean armReserve() {
        if (reserve != null && lastReserve != null) {
            return true;
        }
        awaitWatch();
        try {
            byte[] armed = reserve != null ? reserve : new byte[RESERVE_BYTES];
            byte[] last = lastReserve != null ? lastReserve : new byte[RESERVE_BYTES];
            byte[] headroom = new byte[HEADROOM_BYTES]; // the memory is back only if this fits beside them
            headroom[0] = 1;
            lastReserve = last;
            reserve = armed;
            return true;
        } catch (OutOfMemoryError stillShort) {
            return false;
        }
    }

    // ---- timers --------------------------------------------------------------------------------

    /** A deadline that never comes: a timer with it stays pending until it is cancelled. */
    public static final long NEVER = Long.MAX_VALUE;

    /** How often the timer thread runs the {@link #watch} hook (a deterministic run: every {@value #WATCH_PICKS} picks). */
    static final long WATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    static final int WATCH_PICKS = 1024;
    private volatile Runnable watcher;
    /** Whether the watch hook is running: {@link #armReserve} waits for it (see {@link #awaitWatch}). */
    private volatile boolean watching;
    /** Timer thread only: when the watcher last ran. */
    private long watchedAt;

    /**
     * Runs {@code hook} about every {@link #WATCH_NANOS} on the timer thread (in a deterministic
     * run, on the carrier between two tasks, every {@link #WATCH_PICKS} picks): a look at the
     * program from outside its tasks, such as the search for tasks blocked forever. It must be
     * short and must not block; what it throws is dropped.
     */
    public void watch(Runnable hook) {
        watcher = hook;
    }

    /** The timer thread's tick ({@code now} on the clock), or a deterministic carrier's ({@code now} ignored). */
    void watchTick(long now, boolean force) {
        Runnable w = watcher;
        if (w == null || (!force && now - watchedAt < WATCH_NANOS)) {
            return;
        }
        watchedAt = now;
        watching = true;
        try {
            w.run();
        } catch (RuntimeException | VirtualMachineError | LinkageError e) {
            // a look that failed finds nothing (LinkageError: a call site linked while memory is short); the next one looks again
        } finally {
            watching = false;
        }
    }

    /**
     * Waits, at most {@value #WATCH_WAIT_MILLIS} ms, for a watch hook that is running to end. A
     * look marks what the program reaches and holds it until it ends: had it reached a structure
     * that a handler of OutOfMemory has just dropped, re-arming the reserve during the look would
     * find the memory still taken, and the next exhaustion would end the program. A look lets go
     * soon after the heap runs out (see {@link #exhaustions}).
     */
    private void awaitWatch() {
        if (!watching) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WATCH_WAIT_MILLIS);
        while (watching && System.nanoTime() < deadline) {
            Thread.yield();
        }
    }

    private static final int WATCH_WAIT_MILLIS = 200;

    /** Whether this scheduler is deterministic (see {@link Builder#deterministic}). */
    public boolean isDeterministic() {
        return simulation != null;
    }

    /**
     * A task of a deterministic run used up a time slice of {@code instructions}: virtual time
     * moves on by as many nanoseconds. A no-op otherwise.
     */
    public void elapse(long instructions) {
        if (simulation != null) {
            simulation.elapse(instructions);
        }
    }

    /** The seed of a deterministic scheduler's choices (0 for a normal one). */
    public long deterministicSeed() {
        return simulation != null ? simulation.seed : 0;
    }

    /** The scheduling choices a deterministic scheduler made (0 for a normal one). */
    public long picks() {
        return simulation != null ? simulation.picks() : 0;
    }

    /** The scheduler's clock (nanoseconds). */
    public long nanoTime() {
        return clock.nanoTime();
    }

    /**
     * The deadline {@code nanos} from now on the scheduler's clock, or {@link #NEVER} when it
     * lies beyond the clock's range (a timeout of 9223372036854775807ns): a deadline that does
     * not fit means "never", it must not wrap into the past and fire at once.
     */
    public long deadlineAfter(long nanos) {
        long now = clock.nanoTime();
        long deadline = now + Math.max(0, nanos);
        return deadline < now || deadline == NEVER ? NEVER : deadline;
    }

    /**
     * Runs {@code action} on the timer thread at {@code deadline} (scheduler clock). The action
     * must be short and must not block (typically: unpark a fiber). A pending timer keeps the
     * program from being quiescent.
     */
    public Timer schedule(long deadline, Runnable action) {
        Objects.requireNonNull(action, "action");
        Timer t = new Timer(deadline, action); // before the count: running out of memory here must not leave it counted
        incrementActive();
        if (deadline == NEVER) {
            neverTimers.incrementAndGet();
        }
        if (simulation != null) {
            simulation.add(t);
        } else {
            timer.command(t);
        }
        return t;
    }

    /** Runs a pending timer's action, unless it was cancelled meanwhile, and uncounts it (the timer thread, or a deterministic run's carrier). */
    void fire(Timer timer) {
        if (timer.casState(Timer.PENDING, Timer.FIRED)) {
            try {
                timer.action.run();
            } catch (Throwable t) {
                hostFailed(t);
            } finally {
                decrementActive();
            }
        }
    }

    /** Cancels a pending timer; false if it already fired or was cancelled. */
    public boolean cancel(Timer t) {
        if (t.casState(Timer.PENDING, Timer.CANCELLED)) {
            if (t.deadline == NEVER) {
                neverTimers.decrementAndGet();
            }
            if (simulation != null) {
                simulation.remove(t);
            } else {
                timer.command(t); // remove it from the wheel
            }
            decrementActive();
            return true;
        }
        return false;
    }

    /**
     * Puts {@code fiber} to sleep: records the wait and schedules its wake-up. The caller (the
     * fiber itself, inside {@link Fiber#run}) then returns {@link Fiber.Status#PARKED}; when it
     * runs again the deadline has passed, or it was woken early (e.g. cancelled: check the trap,
     * and cancel the returned timer).
     */
    public Timer sleep(Fiber fiber, long nanos) {
        fiber.waitingOn(Fiber.WaitKind.SLEEP, null);
        return schedule(deadlineAfter(nanos), fiber::unpark);
    }

    // ---- host calls and producers ----------------------------------------------------------------

    /**
     * Runs a possibly blocking host call on a virtual thread while {@code fiber} is parked. The
     * caller returns {@link Fiber.Status#PARKED} next; when the fiber runs again and
     * {@link HostCall#isDone()}, the result is there (a spurious wake-up finds it not done: park
     * again). The call counts as outstanding for quiescence until it completes.
     */
    public <T> HostCall<T> runBlocking(Fiber fiber, Callable<T> call) {
        Objects.requireNonNull(call, "call");
        HostCall<T> hostCall = new HostCall<>();
        fiber.waitingOn(Fiber.WaitKind.HOST_CALL, null);
        incrementActive();
        hostCallsInFlight.incrementAndGet();
        count(hostCalls);
        Runnable body = () -> {
            T value = null;
            Throwable error = null;
            try {
                value = call.call();
            } catch (Throwable t) {
                error = t;
            }
            hostCall.complete(value, error);
            fiber.unpark();
            hostCallsInFlight.decrementAndGet();
            decrementActive();
        };
        Runnable start = () -> {
            try {
                Thread.ofVirtual().name("limn-host-call-" + fiber.id()).start(body);
            } catch (OutOfMemoryError e) {
                // no thread for it: the call fails as if it had thrown, so the fiber is woken and uncounted
                releaseReserve();
                hostCall.complete(null, e);
                fiber.unpark();
                hostCallsInFlight.decrementAndGet();
                decrementActive();
            }
        };
        if (simulation != null) {
            body.run(); // one step of a deterministic run: the carrier waits for the call
        } else if (isPinning()) {
            timer.command(start); // the timer thread is never pinned
        } else {
            start.run();
        }
        return hostCall;
    }

    /**
     * Registers a host-side producer: until it is released the program is not quiescent, so
     * receivers wait for it instead of getting end of stream.
     */
    public HostProducer registerHostProducer() {
        HostProducer p = new HostProducer(false);
        incrementActive();
        hostProducers.incrementAndGet();
        return p;
    }

    /**
     * Registers the far end of a channel that crosses processes (it may feed or drain the
     * channel at any time): until it is released, fibers parked in the program are not
     * quiescent (no end of stream, no deadlock), but once every fiber is done the program ends,
     * as it would with the channel left open.
     */
    public HostProducer registerRemoteProducer() {
        HostProducer p = new HostProducer(true);
        remoteProducers.incrementAndGet();
        return p;
    }

    // ---- quiescence ----------------------------------------------------------------------------

    void incrementActive() {
        active.incrementAndGet();
    }

    void decrementActive() {
        if (active.decrementAndGet() == 0) {
            onQuiescent();
        }
    }

    /**
     * A host's call ended (after the host cleared what {@link #watchHostCalls} reads): if a
     * quiescence was put off because of it, look again. Stores then loads opposite to {@link
     * #onQuiescent}, all volatile: either that sees the call ended, or this sees it was put off.
     */
    public void hostCallEnded() {
        if (quiescenceDeferred && active.get() == 0) {
            onQuiescent();
        }
    }

    private void onQuiescent() {
        try {
            examineQuiescence();
        } catch (OutOfMemoryError e) {
            releaseReserve(); // nobody else looks again: this look must not be lost
            examineQuiescence();
        }
    }

    private void examineQuiescence() {
        if (live.get() == 0 && parkers.isEmpty() && mainDone == null) {
            return; // nothing parked and nobody waiting for the end
        }
        synchronized (quiescenceLock) {
            if (active.get() != 0) {
                return; // someone made progress meanwhile; its own decrement will look again
            }
            quiescenceDeferred = true;
            if (hostCallsRunning.getAsBoolean()) {
                return; // a host's call may still send or receive: its end looks again
            }
            quiescenceDeferred = false;
            if (remoteProducers.get() != 0 && live.get() != 0) {
                return; // another process may still wake a parked fiber: the producer's release looks again
            }
            List<Fiber> receivers = new ArrayList<>();
            List<Blocked> blocked = new ArrayList<>();
            for (Fiber f : parkers) {
                if (f.lvState() == Fiber.PARKED) {
                    if (f.waitKind() == Fiber.WaitKind.RECEIVE) {
                        receivers.add(f);
                    } else {
                        blocked.add(new Blocked(f, f.waitKind(), f.waitDescription()));
                    }
                }
            }
            if (!receivers.isEmpty()) {
                receivers.sort(Comparator.comparingLong(Fiber::id)); // in a repeatable order, not the set's
                for (Fiber r : receivers) {
                    r.soEndOfStream();
                    r.unpark();
                }
                return;
            }
            if (!blocked.isEmpty()) {
                deadlocks.increment();
                blocked.sort(Comparator.comparingLong(b -> b.fiber().id()));
                FlightEvents.deadlock(blocked);
                if (deadlockHandler != null) {
                    deadlockHandler.onDeadlock(List.copyOf(blocked));
                }
                // Woken fibers may already have run and finished (active back at 0) by now: only
                // a handler that woke none means "no progress possible". A fiber it woke is no
                // longer PARKED, or parked again after running; either way its own decrement
                // re-examines quiescence once we release the lock.
                boolean wokeAny = false;
                for (Blocked b : blocked) {
                    if (b.fiber().lvState() != Fiber.PARKED || b.fiber().waitKind() != b.kind()) {
                        wokeAny = true;
                        break;
                    }
                }
                if (!wokeAny && active.get() == 0) {
                    finishMain(new DeadlockException(blocked));
                }
                return;
            }
            if (live.get() == 0) {
                finishMain(null);
            }
        }
    }

    private void finishMain(DeadlockException deadlock) {
        CompletableFuture<DeadlockException> done = mainDone;
        if (done != null) {
            done.complete(deadlock);
        }
    }

    /**
     * Runs {@code main} and returns when it and every fiber, timer and host call it started are
     * done. Throws {@link DeadlockException} if the program deadlocked and the handler woke no
     * fiber; rethrows (wrapped) a Java exception that escaped a fiber's run, except running out
     * of memory, which it throws as the OutOfMemoryError behind it.
     */
    public void runMain(Fiber main) throws InterruptedException {
        CompletableFuture<DeadlockException> done = new CompletableFuture<>();
        mainDone = done;
        firstFailure.set(null);
        int exhaustionsBefore = exhaustions;
        spawn(main);
        DeadlockException deadlock;
        try {
            deadlock = awaitMain(done, exhaustionsBefore);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            mainDone = null;
        }
        Throwable failure = firstFailure.getAndSet(null);
        OutOfMemoryError oom = outOfMemoryBehind(failure);
        if (oom != null) {
            throw oom; // the caller reports running out of memory; a message would allocate
        }
        if (failure != null) {
            throw new IllegalStateException("a fiber failed: " + failure, failure);
        }
        if (deadlock != null) {
            throw deadlock;
        }
    }

    /** How often {@link #awaitMain} looks whether a program that ran out of memory still moves. */
    private static final long WEDGE_LOOK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Looks in a row that find it {@link #stuck} before it counts as wedged. */
    private static final int WEDGE_LOOKS = 4;

    /**
     * Waits for {@code done}. Once the heap has run out during the run, it also looks every
     * {@link #WEDGE_LOOK_NANOS} whether the program is {@link #stuck}; {@link #WEDGE_LOOKS} looks
     * in a row that find it so mean that running out of memory in the scheduler's own work lost
     * a fiber or a count, and nothing will ever complete {@code done}: it throws an
     * OutOfMemoryError, so that the program ends instead of hanging.
     */
    private DeadlockException awaitMain(CompletableFuture<DeadlockException> done, int exhaustionsBefore)
            throws InterruptedException, ExecutionException {
        int stuckLooks = 0;
        for (;;) {
            try {
                return done.get(WEDGE_LOOK_NANOS, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // look below
            } catch (OutOfMemoryError e) {
                java.util.concurrent.locks.LockSupport.parkNanos(WEDGE_LOOK_NANOS); // the wait could not allocate its node
            }
            if (exhaustions == exhaustionsBefore || !stuck()) {
                stuckLooks = 0;
            } else if (++stuckLooks == WEDGE_LOOKS) {
                throw wedged;
            }
        }
    }

    /**
     * Whether nothing can move the program on: no carrier runs a fiber or has one queued, and
     * no timer, host call or host producer is pending that could wake one. A program in that
     * state completes at once (quiescence: its end, end of stream, or a deadlock found); one that
     * stays in it has lost a fiber or a count.
     */
    private boolean stuck() {
        if (idleCarriers.get() < carriers.length || hostCallsInFlight.get() != 0 || hostProducers.get() != 0
                || remoteProducers.get() != 0
                || neverTimers.get() != 0 || timer.hasPending() || hostCallsRunning.getAsBoolean()) {
            return false;
        }
        for (Carrier c : carriers) {
            if (c.hasQueuedWork() || c.lpCurrent() != null) {
                return false;
            }
        }
        return true;
    }

    // ---- time slices ---------------------------------------------------------------------------

    /**
     * Timer thread: asks fibers that ran past their slice to yield if others are waiting, in
     * a queue or behind the fiber itself ({@link Fiber#holdsWorkBehind()}).
     */
    void policeTimeSlices(long now) {
        if (simulation != null) {
            return; // a deterministic run's slices are counted in instructions, by the task itself
        }
        Carrier[] cs = carriers;
        boolean othersWaiting = false;
        for (Carrier c : cs) {
            if (c.hasQueuedWork()) {
                othersWaiting = true;
                break;
            }
        }
        for (Carrier c : cs) {
            Fiber f = c.lpCurrent();
            if (f != null && (othersWaiting || f.holdsWorkBehind()) && now - c.lpRunStart() >= timeSliceNanos
                    && (f.lpTrap() & Fiber.TRAP_TIME_SLICE) == 0) {
                f.orTrap(Fiber.TRAP_TIME_SLICE);
            }
        }
    }

    // ---- idle carriers and parallel loops -----------------------------------------------------

    void idleCarrierDelta(int delta) {
        idleCarriers.addAndGet(delta);
        if (delta < 0) {
            timer.wake(); // a carrier got busy: time slices need policing again
        }
    }

    /** Whether some carrier is not idle (running a fiber or looking for one). */
    boolean anyCarrierBusy() {
        return idleCarriers.get() < carriers.length;
    }

    /**
     * Whether a carrier other than the one running {@code self} is running a fiber now (opaque
     * reads; a hint that may be stale by the time the caller acts). A fiber about to park on a
     * channel spins briefly only when this holds: its partner may be that other fiber, and a
     * carrier that is merely looking for work, or being woken, cannot answer within a spin.
     */
    public boolean anotherCarrierRunning(Fiber self) {
        for (Carrier c : carriers) {
            Fiber f = c.lpCurrent();
            if (f != null && f != self) {
                return true;
            }
        }
        return false;
    }

    /** How many carriers are idle now (volatile read; a hint that may be stale by the time the caller acts). */
    public int lvIdleCarriers() {
        return idleCarriers.get();
    }

    /**
     * Whether a running parallel chunk should split its range now: when a carrier is idle (a
     * volatile read; a hint that may be stale by the time the caller acts), or in a
     * deterministic run, when the seed says so ({@link Simulation#drawSplit}).
     */
    public boolean wantsSplit() {
        Simulation sim = simulation;
        return sim == null ? idleCarriers.get() > 0 : sim.drawSplit();
    }

    /** How many chunks a parallel loop may split into: the carriers, or in a deterministic run {@value Simulation#PARALLEL_WIDTH}. */
    public int parallelWidth() {
        return simulation == null ? carriers.length : Simulation.PARALLEL_WIDTH;
    }

    // ---- statistics ----------------------------------------------------------------------------

    public int carrierCount() {
        return carriers.length;
    }

    /** CPU of each carrier (index = carrier number), -1 where not pinned; for {@code --stats}. */
    public int[] carrierCpus() {
        int[] cpus = new int[carriers.length];
        for (int i = 0; i < cpus.length; i++) {
            cpus[i] = carriers[i].cpu();
        }
        return cpus;
    }

    public long fibersStarted() {
        return started.sum();
    }

    public long fibersCompleted() {
        return completed.sum();
    }

    /** Fibers whose run threw a Java exception (a runtime bug, not a Limn error). */
    public long fibersFailed() {
        return failed.sum();
    }

    public long liveFibers() {
        return live.get();
    }

    public long peakLiveFibers() {
        return peakLive.get();
    }

    /** Fibers taken from another carrier's queues. */
    public long steals() {
        return steals.sum();
    }

    /** Times a fiber parked (suspended without an immediate requeue). */
    public long parks() {
        return parks.sum();
    }

    public long deadlocks() {
        return deadlocks.sum();
    }

    /** The live count of open channels; pass it to channels created for this scheduler's program. */
    public AtomicLong openChannelCounter() {
        return openChannels;
    }

    public long openChannels() {
        return openChannels.get();
    }

    public long hostCalls() {
        return hostCalls.sum();
    }

    /** Runnable + running fibers, pending timers, outstanding host calls and producers. */
    public long activeCount() {
        return active.get();
    }

    /** Carrier threads, for diagnostics and tests (null entries before a carrier started). */
    Thread[] carrierThreads() {
        Thread[] threads = new Thread[carriers.length];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = carriers[i].thread;
        }
        return threads;
    }

    /** The timer thread, for diagnostics and tests (null before it started). */
    Thread timerThread() {
        return timer.thread;
    }

    boolean isClosed() {
        return closed;
    }

    /** Stops the carriers and the timer thread; fibers still parked are abandoned. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.interruptIdle(); // it sees closed and stops taking long parks
        for (Carrier carrier : carriers) {
            Thread t = carrier.thread;
            if (t != null) {
                java.util.concurrent.locks.LockSupport.unpark(t); // likewise
            }
        }
        for (AgentRunner runner : runners) {
            runner.close();
        }
        timerRunner.close();
    }

    /** Settings for a {@link Scheduler}. */
    public static final class Builder {
        private int carriers = Runtime.getRuntime().availableProcessors();
        private boolean pin;
        private Clock clock = Clock.SYSTEM;
        private long timeSliceNanos = DEFAULT_TIME_SLICE_NANOS;
        private DeadlockHandler deadlockHandler;
        private BiConsumer<Fiber, Throwable> failureHandler;
        private Long deterministicSeed;

        private Builder() {
        }

        /**
         * A deterministic scheduler ({@link Simulation}): one carrier, whatever {@link #carriers}
         * says, every choice drawn from {@code seed}, and virtual time instead of the clock.
         */
        public Builder deterministic(long seed) {
            deterministicSeed = seed;
            return this;
        }

        public Builder carriers(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("carriers must be at least 1, got " + n);
            }
            carriers = n;
            return this;
        }

        /** Pin each carrier to its own CPU (OpenHFT affinity). */
        public Builder pin(boolean pin) {
            this.pin = pin;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public Builder timeSliceNanos(long nanos) {
            if (nanos <= 0) {
                throw new IllegalArgumentException("time slice must be positive");
            }
            timeSliceNanos = nanos;
            return this;
        }

        public Builder deadlockHandler(DeadlockHandler handler) {
            deadlockHandler = handler;
            return this;
        }

        /** Called when a Java exception escapes a fiber's run; default: runMain rethrows it. */
        public Builder failureHandler(BiConsumer<Fiber, Throwable> handler) {
            failureHandler = handler;
            return this;
        }

        public Scheduler build() {
            return new Scheduler(this);
        }
    }
}
