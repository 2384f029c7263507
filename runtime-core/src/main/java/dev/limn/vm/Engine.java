package dev.limn.vm;

import dev.limn.offheap.AtomicCellPool;
import dev.limn.sched.Blocked;
import dev.limn.sched.Scheduler;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One Limn runtime: it owns everything a program runs on, so that two engines in one JVM share
 * nothing and each can be checked for leaks on its own (Lua's {@code lua_State}, Wren's
 * {@code WrenVM}).
 *
 * <ul>
 *   <li>the {@link Scheduler}: its carrier threads and its timer thread;</li>
 *   <li>the off-heap memory: the register slabs ({@link RegisterSegments}) and the atomic cell
 *       pool;</li>
 *   <li>the channel numbers and the live counts of SPEC §8 (live tasks, register blocks, atomic
 *       cells, open channels), which {@link #liveCounts} reads and which are 0 whenever no
 *       program runs.</li>
 * </ul>
 * Several programs may run at once ({@link ProgramRun}: the CLI's one program, or a host's
 * loaded instances); each run keeps its own statistics.
 * {@link #close} stops the threads and returns the slabs to the OS.
 */
public final class Engine implements AutoCloseable {
    final Scheduler scheduler;
    final RegisterSegments registers = new RegisterSegments();
    final AtomicCellPool cells = new AtomicCellPool();
    /** Tasks spawned and not yet finished. Striped: a task is counted on one carrier and uncounted on another. */
    final LongAdder liveTasks = new LongAdder();
    final AtomicLong openChannels = new AtomicLong();
    private final AtomicLong channelNumbers = new AtomicLong();
    /** The program runs now on this engine: a deadlock is reported to theirs. */
    private final java.util.Set<ProgramRun> runs = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private Engine(Builder b) {
        Scheduler.Builder s = Scheduler.builder().pin(b.pin).deadlockHandler(this::onDeadlock);
        if (b.carriers > 0) {
            s.carriers(b.carriers);
        }
        if (b.deterministicSeed != null) {
            s.deterministic(b.deterministicSeed);
        }
        scheduler = s.build();
        scheduler.watch(this::lookForPartialDeadlocks);
    }

    /** The scheduler's watch hook: whole-program runs are searched for tasks blocked forever ({@link PartialDeadlocks}). */
    private void lookForPartialDeadlocks() {
        for (ProgramRun run : runs) {
            PartialDeadlocks p = run.partialDeadlocks;
            if (p != null) {
                p.look(run);
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public int carrierCount() {
        return scheduler.carrierCount();
    }

    /** Starts {@code run} on this engine; {@link #endRun} ends it. Several may run at once. */
    void beginRun(ProgramRun run) {
        if (closed) {
            throw new IllegalStateException("the engine is closed");
        }
        runs.add(run);
    }

    void endRun(ProgramRun run) {
        runs.remove(run);
    }

    /** The runs on this engine now (a weakly consistent view: never throws while runs come and go). */
    Iterable<ProgramRun> runs() {
        return runs;
    }

    /** Each run gets the blocked tasks that are its own; a fiber of no run is terminated. */
    private void onDeadlock(List<Blocked> blocked) {
        Map<ProgramRun, List<Blocked>> byRun = new LinkedHashMap<>();
        for (Blocked b : blocked) {
            if (b.fiber() instanceof TaskContext t && t.run != null && runs.contains(t.run)) {
                byRun.computeIfAbsent(t.run, r -> new java.util.ArrayList<>()).add(b);
            } else {
                b.fiber().terminate();
            }
        }
        byRun.forEach(ProgramRun::onDeadlock);
    }

    /** A new channel counted open on this engine: {@code capacity} ≥ 1, or -1 for unbounded. */
    public dev.limn.chan.Channel newChannel(int capacity) {
        return new dev.limn.chan.Channel(channelNumbers.incrementAndGet(), capacity, openChannels);
    }

    /** The scheduler, for the host's side of channels and timers. */
    public Scheduler scheduler() {
        return scheduler;
    }


    /**
     * How the scheduler sees that a host's call runs on a host thread, which quiescence must
     * wait for: see {@code Scheduler.watchHostCalls}.
     */
    public void watchHostCalls(java.util.function.BooleanSupplier running) {
        scheduler.watchHostCalls(running);
    }

    /**
     * Every "live" resource count of SPEC §8 by name: tasks, register slab blocks, atomic cells,
     * open channels. Between programs each is 0.
     */
    public Map<String, Long> liveCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("tasks.live", liveTasks.sum());
        counts.put("slab.blocks.live", registers.live());
        counts.put("atomic.cells.live", cells.liveCells());
        counts.put("channels.open", openChannels.get());
        return counts;
    }

    /**
     * Stops the carrier and timer threads, then returns the off-heap memory to the OS. Memory
     * that a task still holds (a program interrupted mid-run) is not returned: the interpreter
     * reads registers through raw addresses, and a thread the scheduler could not stop must not
     * read freed memory. Idempotent.
     */
    @Override
    public void close() {
        close(false);
    }

    /**
     * As {@link #close()}; {@code codeStillRunning} says that a host's call may still run on the
     * host's thread (it did not stop within the grace): such a call is not among the live tasks
     * until it suspends, and its memory must stay too.
     */
    public synchronized void close(boolean codeStillRunning) {
        if (closed) {
            return;
        }
        closed = true;
        scheduler.close();
        if (liveTasks.sum() == 0 && !codeStillRunning) {
            registers.close();
            cells.close();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Settings of an {@link Engine}. */
    public static final class Builder {
        private int carriers;
        private boolean pin;
        private Long deterministicSeed;

        private Builder() {
        }

        /**
         * Deterministic: one carrier, every scheduling choice drawn from {@code seed} and virtual
         * time (see {@code limn run --deterministic}); null (the default) for a normal engine.
         */
        public Builder deterministic(Long seed) {
            deterministicSeed = seed;
            return this;
        }

        /** Carrier threads; 0 (the default) means one per available processor. */
        public Builder carriers(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("carriers must be at least 1 (or 0 for one per processor), got " + n);
            }
            carriers = n;
            return this;
        }

        /** Pin each carrier to its own CPU. */
        public Builder pin(boolean pin) {
            this.pin = pin;
            return this;
        }

        public Engine build() {
            return new Engine(this);
        }
    }
}
