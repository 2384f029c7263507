package dev.limn.vm;

import dev.limn.block.BlockConfig;
import dev.limn.block.BlockRun;
import dev.limn.block.BlockSpec;
import dev.limn.block.ParallelStats;
import dev.limn.chan.Channel;
import dev.limn.sched.Blocked;
import dev.limn.sched.Scheduler;
import dev.limn.text.Span;
import dev.limn.value.ErrorValue;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One run of a program: its scheduler (N carriers, optionally pinned), its output stream,
 * the statistics of {@code --stats} (SPEC §8), the channels it created, and the outcome of
 * its main task or of a deadlock.
 *
 * <p>Every task of the program — the main task and every block unit — is a
 * {@link TaskContext} fiber on {@link #scheduler}. {@link #runMain} returns when the main
 * task and everything it started have finished (the scheduler's quiescence with no live
 * fiber). A deadlock (SPEC §5.3) is found by the scheduler; the handler here records each
 * blocked task with what it waits on and where, and terminates them all so that every
 * resource is returned; the program then fails with a Deadlock diagnostic.
 *
 * <p>It runs on an {@link Engine}, which owns the scheduler, the off-heap memory and the live
 * counts that must be 0 after every program; an engine runs one program at a time, from this
 * run's construction to its {@link #close}.
 */
public final class ProgramRun implements AutoCloseable {
    final Engine engine;
    final Scheduler scheduler;
    /** This run's parallel loops: chunks, splits, steals, iterations per carrier. */
    final ParallelStats parallelStats;
    final PrintStream out;
    /** The trace being recorded ({@code --trace}), or null. */
    final Trace trace;
    /** Where warnings go (the on_error=Auto summaries); the program's stderr. */
    private final PrintStream err;
    final int maxDepth;
    private final ConcurrentLinkedQueue<Channel> channels = new ConcurrentLinkedQueue<>();

    final LongAdder tasksStarted = new LongAdder();
    final LongAdder tasksCompleted = new LongAdder();
    final LongAdder tasksFailed = new LongAdder();
    final LongAdder tasksRetried = new LongAdder();
    final LongAdder tasksCancelled = new LongAdder();
    final LongAdder tasksTerminated = new LongAdder();
    final LongAdder blocks = new LongAdder();
    private final LongAdder channelsCreated = new LongAdder();
    private final AtomicLong liveTasks = new AtomicLong();
    private final AtomicLong peakTasks = new AtomicLong();

    private volatile List<String> deadlock;
    private volatile int mainStatus = -1;
    private volatile ErrorValue mainError;
    /** See {@link #topScope}; guarded by this. */
    private BlockRun topScope;
    private boolean mainEnded;

    public ProgramRun(Engine engine, PrintStream out, PrintStream err, int maxDepth) {
        this(engine, out, err, maxDepth, null);
    }

    /** @param trace where to write a trace of the run (see {@link Trace}), or null */
    public ProgramRun(Engine engine, PrintStream out, PrintStream err, int maxDepth, java.nio.file.Path trace) {
        this.engine = engine;
        this.out = out;
        this.err = err;
        this.maxDepth = maxDepth;
        this.scheduler = engine.scheduler;
        this.parallelStats = new ParallelStats(scheduler.carrierCount());
        this.trace = trace == null ? null : new Trace(trace, scheduler.carrierCount());
        engine.beginRun(this);
        scheduler.armReserve();
    }

    /** Writes the trace file, if this run records one; call after the run. */
    public void writeTrace() throws java.io.IOException {
        if (trace != null) {
            trace.write();
        }
    }

    /** Checks before a run that {@code file} can take a trace (creates or truncates it). */
    public static void checkTraceWritable(java.nio.file.Path file) throws java.io.IOException {
        Trace.checkWritable(file);
    }

    /** Writes one warning line to the program's stderr (after whatever the program printed to stdout). */
    void warn(String line) {
        synchronized (err) {
            out.flush();
            err.println(line);
            err.flush();
        }
    }

    /**
     * Runs {@code main} (the program's top level) as the main task and returns when it and
     * every task it started have finished.
     */
    public void runMain(Closure main, long seed) throws InterruptedException {
        TaskContext t = new TaskContext(this, main, new Object[0], new SplittableRandom(seed), null);
        spawn(t);
        scheduler.runMain(t);
    }

    /** Spawns a task of this program on its scheduler. */
    void spawn(TaskContext t) {
        t.countLive();
        if (!t.runsFamily()) {
            tasksStarted.increment(); // a family's chunk counts its tasks as it starts them
        }
        long live = liveTasks.incrementAndGet();
        if (live > peakTasks.get()) {
            peakTasks.accumulateAndGet(live, Math::max);
        }
        if (t.scheduler() == null) {
            if (t.unit == null) {
                return; // the main task: runMain spawns it
            }
            scheduler.spawn(t);
        }
    }

    /** Task {@code t} ended; {@code countsAsTask} false for a family chunk that ended between its tasks. */
    void taskEnded(TaskContext t, int status, boolean countsAsTask) {
        liveTasks.decrementAndGet();
        if (!countsAsTask) {
            return;
        }
        switch (status) {
            case Interpreter.DONE -> tasksCompleted.increment();
            case Interpreter.TERMINATED -> tasksTerminated.increment();
            default -> {
                if (t.error != null && t.error.kind.equals("Cancelled")) {
                    tasksCancelled.increment();
                } else {
                    tasksFailed.increment();
                }
            }
        }
    }

    void mainFinished(int status, ErrorValue error) {
        mainError = error;
        mainStatus = status;
        BlockRun scope;
        synchronized (this) {
            scope = topScope;
            mainEnded = true;
        }
        if (scope != null) {
            if (status != Interpreter.DONE) {
                scope.cancelUnits(); // the program failed: its async calls are cancelled (SPEC §7)
            }
            scope.bodyEnded();
        }
    }

    /**
     * The scope of async calls made by the main task outside any block (SPEC §7): created at
     * the first one; the program's end waits for its calls (as for every task).
     */
    synchronized BlockRun topScope() {
        if (topScope == null) {
            if (mainEnded) {
                throw new IllegalStateException("an async call after the main task ended");
            }
            topScope = new BlockRun(new BlockSpec(BlockConfig.defaults(Span.NONE), false, "the program"), null, null, null);
        }
        return topScope;
    }

    /** After the run: the error of an async call of the main task that failed and that nobody awaited, or null. */
    public ErrorValue unawaitedAsyncError() {
        BlockRun scope;
        synchronized (this) {
            scope = topScope;
        }
        return scope == null ? null : scope.error();
    }

    /** How the main task ended (an {@link Interpreter} status). */
    public int mainStatus() {
        return mainStatus;
    }

    /** The error that ended the main task, or null. */
    public ErrorValue mainError() {
        return mainError;
    }

    /** Each blocked task of a deadlock (who, what it waits on, where), or null if there was none. */
    public List<String> deadlock() {
        return deadlock;
    }

    void onDeadlock(List<Blocked> blocked) {
        List<String> lines = new ArrayList<>();
        for (Blocked b : blocked) {
            if (b.fiber() instanceof TaskContext t) {
                lines.add(t.shortName() + " at " + t.location() + " waits on " + b.description());
            } else {
                lines.add(b.toString());
            }
        }
        if (deadlock == null) {
            deadlock = List.copyOf(lines);
        }
        for (Blocked b : blocked) {
            b.fiber().terminate();
        }
    }

    /** A new channel of this program: {@code capacity} ≥ 1, or -1 for unbounded. */
    Channel newChannel(int capacity) {
        Channel c = new Channel(engine.nextChannelNumber(), capacity, engine.openChannels);
        channels.add(c);
        channelsCreated.increment();
        return c;
    }

    /** The statistics lines of {@code limn run --stats} (SPEC §8). */
    public String stats() {
        return "stats: tasks started " + tasksStarted.sum() + ", completed " + tasksCompleted.sum()
                + ", failed " + tasksFailed.sum() + ", retried " + tasksRetried.sum() + ", cancelled " + tasksCancelled.sum()
                + ", terminated " + tasksTerminated.sum() + "\n"
                + "stats: blocks " + blocks.sum() + ", peak live tasks " + peakTasks.get()
                + ", live tasks " + engine.liveTasks.sum() + "\n"
                + "stats: slab blocks live " + engine.registers.live() + ", peak " + engine.registers.peak()
                + ", atomic cells live " + engine.cells.liveCells() + ", channels created " + channelsCreated.sum()
                + ", channels open " + engine.openChannels.get() + "\n"
                + String.join("\n", parallelStats.lines(scheduler)) + "\n";
    }

    /** Closes the channels the program left open (they are unreachable now); the engine may run the next program. */
    @Override
    public void close() {
        Channel c;
        while ((c = channels.poll()) != null) {
            c.close();
        }
        engine.endRun(this);
    }
}
