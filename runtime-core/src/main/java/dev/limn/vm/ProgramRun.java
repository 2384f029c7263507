package dev.limn.vm;

import dev.limn.block.ParallelStats;
import dev.limn.chan.Channel;
import dev.limn.sched.Blocked;
import dev.limn.sched.Fiber;
import dev.limn.sched.Scheduler;
import dev.limn.text.Source;
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
    /**
     * The search for tasks blocked forever, for a whole-program run ({@link #watchForPartialDeadlocks});
     * null for a host's instance, whose host may hold channels no look can see.
     */
    volatile PartialDeadlocks partialDeadlocks;
    /** Whether the engine is deterministic: its tasks' time slices are counted in instructions. */
    final boolean deterministic;
    /** This run's parallel loops: chunks, splits, steals, iterations per carrier. */
    final ParallelStats parallelStats;
    final PrintStream out;
    /** The trace being recorded ({@code --trace}), or null. */
    final Trace trace;
    /** Where warnings go (the on_error=Auto summaries); the program's stderr. */
    private final PrintStream err;
    final int maxDepth;
    /** The instructions its tasks may run (a host's instance counts them), or null: no count, no limit. */
    Budget budget;
    /** Whether its hot code is compiled ({@link #useTier}); read by each task as it starts. */
    Tier.Mode tier = Tier.defaultMode();
    /** What the compiled tier did in this run. */
    final Tier.Stats tierStats = new Tier.Stats();
    /** Its blocks not yet complete, and through them its live units: what a task dump reads ({@link TaskDump}). */
    final dev.limn.block.LiveBlocks liveBlocks;
    /** Makes this run's remote channels on first use ({@link #remoteChannels}), or null: none. */
    private volatile java.util.function.Function<ProgramRun, RemoteChannels> remoteFactory;
    /** This run's remote channels, once a program called publish or subscribe; guarded by {@link #remoteFactory}'s setter's lock. */
    private RemoteChannels remote;
    private final ConcurrentLinkedQueue<Channel> channels = new ConcurrentLinkedQueue<>();
    /** Channels created since {@link #channels} was last pruned of closed ones, and when to prune again. */
    private final java.util.concurrent.atomic.AtomicInteger sincePrune = new java.util.concurrent.atomic.AtomicInteger();
    private volatile int pruneAfter = PRUNE_EVERY;
    private static final int PRUNE_EVERY = 1024;

    final LongAdder tasksStarted = new LongAdder();
    final LongAdder tasksCompleted = new LongAdder();
    final LongAdder tasksFailed = new LongAdder();
    final LongAdder tasksRetried = new LongAdder();
    final LongAdder tasksCancelled = new LongAdder();
    final LongAdder tasksTerminated = new LongAdder();
    final LongAdder blocks = new LongAdder();
    /** Numbers of the blocks the flight recorder saw begin (moved only while a recording wants block events). */
    final AtomicLong flightBlockIds = new AtomicLong();
    private final LongAdder channelsCreated = new LongAdder();
    private final AtomicLong liveTasks = new AtomicLong();
    private final AtomicLong peakTasks = new AtomicLong();

    private volatile List<String> deadlock;
    /** The program's top level, once {@link #runMain} started it. */
    private volatile Entry main;
    /**
     * The entry started last (the top level, or a host's call): the one whose tasks run, since
     * a host's calls of one program take turns. Written before its task starts, so every task
     * of the entry reads it.
     */
    private Entry current;
    /** What the embedding API made for this run (an instance), weakly: see {@link #attachHost}. */
    private volatile java.lang.ref.WeakReference<Object> host;
    /** The error that put the run out of memory for good ({@link #outOfMemory(ErrorValue)}), or null. */
    private volatile ErrorValue outOfMemory;
    /** The last OutOfMemory error raised in the run, handled or not, or null. */
    private volatile ErrorValue lastOutOfMemory;
    /** Guards {@link #outOfMemory}; a monitor, which takes no heap. */
    private final Object outOfMemoryLock = new Object();
    /** Allocated up front: the error of an exhaustion that could not allocate its own (nor its task's name). */
    private final ErrorValue outOfMemoryFallback = new ErrorValue(TaskContext.OUT_OF_MEMORY, "the program ran out of memory");
    /** Where the generators of the host's calls come from (see {@link TaskContext#random()}); guarded by itself. */
    private final SplittableRandom callRandoms;

    public ProgramRun(Engine engine, PrintStream out, PrintStream err, int maxDepth) {
        this(engine, out, err, maxDepth, null, 0L);
    }

    /**
     * @param trace where to write a trace of the run (see {@link Trace}), or null
     * @param seed  the seed of the host's calls' generators (the top level's is {@link #runMain}'s)
     */
    public ProgramRun(Engine engine, PrintStream out, PrintStream err, int maxDepth, java.nio.file.Path trace, long seed) {
        this.engine = engine;
        this.callRandoms = new SplittableRandom(seed);
        this.out = out;
        this.err = err;
        this.maxDepth = maxDepth;
        this.scheduler = engine.scheduler;
        this.deterministic = scheduler.isDeterministic();
        this.parallelStats = new ParallelStats(scheduler.carrierCount());
        this.liveBlocks = new dev.limn.block.LiveBlocks(scheduler.carrierCount());
        this.trace = trace == null ? null : new Trace(trace, scheduler.carrierCount(), scheduler.nanoTime());
        outOfMemoryFallback.taskIfAbsent("a task");
        engine.beginRun(this);
        scheduler.armReserve();
    }

    /**
     * Counts the instructions of this run's tasks, up to {@code limit} ({@link Long#MAX_VALUE}:
     * count only); a task that would go past it raises BudgetExceeded at its next safepoint.
     * Call before anything runs.
     */
    public void countInstructions(long limit) {
        budget = new Budget(limit);
    }

    /** Runs this run's hot code in the compiled tier as {@code mode} says; call before anything runs. */
    public void useTier(Tier.Mode mode) {
        tier = mode;
    }

    /** The instructions counted so far, with {@code context} (from {@link #start}) still holding some; 0 when not counted. */
    public long instructionsUsed(Object context) {
        if (budget == null) {
            return 0;
        }
        return budget.used(context instanceof TaskContext t ? t.heldFuel() : 0);
    }

    /** Starts the count again from 0, taking back the fuel {@code context} holds; only between entries. */
    public void resetInstructions(Object context) {
        if (budget != null) {
            if (context instanceof TaskContext t) {
                t.dropFuel();
            }
            budget.reset();
        }
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
     * every task it started have finished ({@link #main()} has the outcome).
     */
    public void runMain(Closure main, long seed) throws InterruptedException {
        Entry entry = new Entry(this, "main task");
        this.main = entry;
        this.current = entry;
        TaskContext t = new TaskContext(entry, main, new Object[0], new SplittableRandom(seed));
        spawn(t);
        scheduler.runMain(t);
    }

    /** The entry started last (the top level, or a host's latest call); a plain read, possibly stale: for task dumps. */
    Entry current() {
        return current;
    }

    /** The top level run by {@link #runMain}, or null. */
    public Entry main() {
        return main;
    }

    /**
     * Starts {@code fn} with {@code args} (values in the VM's form; read before this returns,
     * never kept) as the task of {@code entry}. With {@code here}, the task runs on
     * the calling thread until it ends or first suspends, and then goes on on the carriers;
     * otherwise it starts on the carriers. Either way the entry's {@link Entry#completion}
     * tells when it is complete.
     *
     * @throws dev.limn.value.LimnError ArityMismatch or TypeMismatch before anything runs
     */
    public void start(Entry entry, Closure fn, Object[] args, boolean here) {
        release(start(entry, fn, args, here, null));
    }

    /**
     * As {@link #start(Entry, Closure, Object[], boolean)}, on the calling thread, reusing
     * {@code previous} (the context of the caller's previous call, or null) when it ended there.
     *
     * @return the context to pass to the next call, or null
     */
    public Object start(Entry entry, Closure fn, Object[] args, boolean here, Object previous) {
        return start(entry, fn, args, here, previous, null);
    }

    /** {@link #start}, for a call made inside a host function that task {@code caller} called (null: none). */
    private Object start(Entry entry, Closure fn, Object[] args, boolean here, Object previous, TaskContext caller) {
        Proto p = fn.proto;
        if (current != entry) {
            current = entry; // a host's calls reuse one entry: no store, no write barrier
        }
        if (outOfMemory != null) {
            outOfMemory = null; // the entry that ran out of memory for good has ended: this one starts afresh
        }
        scheduler.armReserve(); // a no-op while the reserve is held
        if (args.length < p.minArgs || args.length > p.numParams) {
            throw TaskContext.arityMismatch(p, args.length);
        }
        if (p.async) {
            // an async fn called from the host: its body is the entry's only work, so it runs as the entry's task
            here = false;
        }
        if (!here) {
            // it starts later, on a carrier: the arguments must not be the caller's array
            TaskContext t = new TaskContext(entry, fn, args.clone(), null);
            t.countLive();
            tasksStarted.increment();
            countSpawned();
            scheduler.spawn(t);
            return null;
        }
        TaskContext t = previous instanceof TaskContext old && old.restart(entry, fn, args) ? old : null;
        if (t == null) {
            if (previous instanceof TaskContext old) {
                old.closeIfIdle();
            }
            t = new TaskContext(entry, fn, args, null);
            t.hostEntry = true;
            t.hostCaller = caller;
        }
        // counted active and live only if it goes on on the carriers; until then the host's
        // record of its call keeps quiescence away (Scheduler.watchHostCalls)
        scheduler.beginHostRun(t);
        Fiber.Status status = t.runTask();
        if (status != Fiber.Status.DONE) {
            t.countLive();
        }
        scheduler.endHostRun(t, status);
        return t.isClosed() ? null : t;
    }

    /**
     * Runs {@code entry} as a call nested in the entry in progress (a host function calling back
     * into its instance), as {@link #start} does on this thread; the entry in progress stays the
     * run's current one.
     */
    public Object startNested(Entry entry, Closure fn, Object[] args) {
        Entry outer = current;
        try {
            return start(entry, fn, args, true, null, HostCalls.taskOnThread());
        } finally {
            current = outer;
        }
    }

    /**
     * Searches this run for tasks blocked forever while the rest of it runs (PartialDeadlock):
     * only for a whole program, where nothing outside the run holds its channels.
     */
    public void watchForPartialDeadlocks() {
        partialDeadlocks = new PartialDeadlocks();
    }

    /**
     * Whether the current thread runs a host function that a task of this run called: a call
     * it makes into the same instance is part of the instance's call in progress.
     */
    public boolean inHostFunction() {
        TaskContext t = HostCalls.taskOnThread();
        return t != null && t.run == this;
    }

    /**
     * Records {@code o} as this run's object in the embedding API, weakly (the API frees a run
     * once its object is unreachable), for {@link #hostOnThread}.
     */
    public void attachHost(Object o) {
        host = new java.lang.ref.WeakReference<>(o);
    }

    /**
     * The object attached ({@link #attachHost}) to the run whose task called the host function
     * running on this thread now, or null.
     */
    public static Object hostOnThread() {
        TaskContext t = HostCalls.taskOnThread();
        java.lang.ref.WeakReference<Object> ref = t == null ? null : t.run.host;
        return ref == null ? null : ref.get();
    }

    /** Whether this thread is one of the scheduler's carriers. */
    public boolean onCarrier() {
        return scheduler.onCarrier();
    }

    /** The host ended a call or a load it ran with {@link #start} (see {@code Scheduler.hostCallEnded}). */
    public void hostCallEnded() {
        scheduler.hostCallEnded();
    }

    /** Returns the registers kept by a context that {@link #start} returned, which will not be reused. */
    public void release(Object context) {
        if (context instanceof TaskContext t) {
            t.closeIfIdle();
        }
    }

    /** A new generator for a host's call (they are split from one seeded at construction). */
    SplittableRandom callRandom() {
        synchronized (callRandoms) {
            return callRandoms.split();
        }
    }

    /**
     * The heap ran out again while the scheduler's reserve was spent: the memory did not come
     * back after an earlier OutOfMemory (the program still holds it), so handling this one could
     * only fail again. The program's current entry ends with {@code err}: its tasks are
     * terminated, and from now on no handler runs in this run (a raise ends its task), so that
     * each task ends at its next instruction that raises or checks for termination and lets go
     * of what it holds. The first such error is kept ({@link #outOfMemory()}); a host's next
     * call starts afresh. Allocates nothing itself.
     */
    void outOfMemory(ErrorValue err) {
        synchronized (outOfMemoryLock) {
            if (outOfMemory != null) {
                return;
            }
            outOfMemory = err;
        }
        Entry e = current;
        if (e != null) {
            e.cancel(true);
        }
    }

    /** The error that put the program out of memory for good while its current entry ran, or null: see {@link #outOfMemory(ErrorValue)}. */
    public ErrorValue outOfMemory() {
        return outOfMemory;
    }

    /** A task raised {@code err}, an OutOfMemory error, whether a handler takes it or not. */
    void ranOutOfMemory(ErrorValue err) {
        lastOutOfMemory = err;
    }

    /**
     * The error to report when the run could not go on after running out of memory: the one
     * that put it out of memory for good, else the last one raised, else null.
     */
    public ErrorValue outOfMemoryToReport() {
        ErrorValue e = outOfMemory;
        return e != null ? e : lastOutOfMemory;
    }

    /** The error allocated up front for an exhaustion that cannot allocate its own, placed at {@code at} unless it has a place. */
    ErrorValue outOfMemoryFallback(Source source, Span at) {
        outOfMemoryFallback.placeIfAbsent(source, at);
        return outOfMemoryFallback;
    }

    /** The deadlock found last, if any, and forgets it (a host's entry that ended terminated reports it). */
    public List<String> takeDeadlock() {
        List<String> d = deadlock;
        deadlock = null;
        return d;
    }

    /** Spawns a task of this program on its scheduler. */
    void spawn(TaskContext t) {
        t.countLive();
        if (!t.runsFamily()) {
            tasksStarted.increment(); // a family's chunk counts its tasks as it starts them
        }
        countSpawned();
        if (t.scheduler() == null) {
            if (t.unit == null) {
                return; // the main task: runMain spawns it
            }
            scheduler.spawn(t);
        }
    }

    private void countSpawned() {
        long live = liveTasks.incrementAndGet();
        if (live > peakTasks.get()) {
            peakTasks.accumulateAndGet(live, Math::max);
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

    /**
     * Lets this run's program call {@code publish} and {@code subscribe}: {@code factory} makes
     * the remote channels (the transport, its driver) the first time one is called.
     */
    public void remoteChannels(java.util.function.Function<ProgramRun, RemoteChannels> factory) {
        remoteFactory = factory;
    }

    /** Whether {@link #remoteChannels} can make this run's remote channels (a whole-program run). */
    boolean makesRemoteChannels() {
        return remoteFactory != null;
    }

    /** This run's remote channels, made on first call (off the carriers: it starts a media driver); null when the run has none. */
    synchronized RemoteChannels remoteChannels() {
        if (remote == null && remoteFactory != null) {
            remote = remoteFactory.apply(this);
        }
        return remote;
    }

    /** The scheduler's host side: a remote channel's bridge keeps the program alive while it may feed or drain it. */
    public dev.limn.sched.Scheduler scheduler() {
        return scheduler;
    }

    /** Where warnings go: the program's standard error. */
    public PrintStream err() {
        return err;
    }

    /** The engine this program runs on. */
    public Engine engine() {
        return engine;
    }

    /**
     * A new channel of this program: {@code capacity} ≥ 1, or -1 for unbounded. The run keeps
     * its channels to close those left open when it ends; each time as many channels were
     * created as it kept after the last pruning (at least {@link #PRUNE_EVERY}), it lets go of
     * those closed since, so a long-running program that closes its channels (every block's
     * {@code ch} is closed by the block) keeps memory flat, at an amortised cost per channel.
     */
    Channel newChannel(int capacity) {
        Channel c = engine.newChannel(capacity);
        channels.add(c);
        channelsCreated.increment();
        if (sincePrune.incrementAndGet() >= pruneAfter) {
            pruneClosedChannels();
        }
        return c;
    }

    /** How many channels this run keeps now (open ones, and closed ones not yet pruned); for tests. */
    public int channelsKept() {
        int n = 0;
        for (Channel ignored : channels) {
            n++;
        }
        return n;
    }

    private synchronized void pruneClosedChannels() {
        if (sincePrune.get() < pruneAfter) {
            return; // another thread pruned meanwhile
        }
        channels.removeIf(Channel::isClosed);
        sincePrune.set(0);
        pruneAfter = Math.max(PRUNE_EVERY, channelsKept());
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
                + String.join("\n", parallelStats.lines(scheduler)) + "\n"
                + tierStats.line(tier, !deterministic) + "\n"
                + (deterministic ? String.format(java.util.Locale.ROOT,
                        "stats: deterministic, seed %d, scheduling choices %d, virtual time %.6f s%n",
                        scheduler.deterministicSeed(), scheduler.picks(), scheduler.nanoTime() / 1e9) : "")
                + remoteStats();
    }

    private synchronized String remoteStats() {
        if (remote == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String line : remote.statsLines()) {
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    /** Closes the channels the program left open (they are unreachable now); the engine may run the next program. */
    @Override
    public void close() {
        Channel c;
        while ((c = channels.poll()) != null) {
            try {
                c.close();
            } catch (OutOfMemoryError e) {
                // a full heap (the program ran out of memory): the channel is dropped all the
                // same, and what it held with it; the next one may close
                scheduler.releaseReserve();
            }
        }
        RemoteChannels r;
        synchronized (this) {
            r = remote;
        }
        if (r != null) {
            r.close();
        }
        engine.endRun(this);
    }
}
