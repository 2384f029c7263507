package dev.limn.api;

import dev.limn.lang.CompileException;
import dev.limn.run.Limn;
import dev.limn.run.LimnProgram;
import dev.limn.run.RunOptions;
import dev.limn.text.Diagnostic;
import dev.limn.value.LimnError;
import dev.limn.vm.Box;
import dev.limn.vm.Closure;
import dev.limn.vm.Engine;
import dev.limn.vm.Entry;
import dev.limn.vm.HostFn;
import dev.limn.vm.Interpreter;
import dev.limn.vm.ProgramRun;
import dev.limn.vm.TaskDump;
import dev.limn.vm.Tier;

import java.io.PrintStream;
import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * A Limn runtime embedded in a Java host: its carrier threads, timer, off-heap memory and live
 * counts, and the host functions its programs may call. Compile a program once
 * ({@link #compile}), load it into instances ({@link #load}) and call their functions
 * ({@link Instance#call}); share channels with them ({@link #channel}).
 *
 * <pre>{@code
 * try (LimnRuntime rt = LimnRuntime.builder().carriers(2).build()) {
 *     rt.define("price", args -> 101.5);
 *     Program p = rt.compile("strategy.lm", source, Set.of("threshold"));
 *     Instance s = rt.load(p, Map.of("threshold", 3L));
 *     Object r = s.call("on_tick", 100L, 2.5);
 * }
 * }</pre>
 *
 * A runtime is thread-safe. No thread is started per call or per load: its threads are the
 * carriers and the timer, started by {@link Builder#build}, and one watchdog that notices
 * interrupts and timeouts of calls running on the host's threads, started by the first call
 * or load. {@link #close} cancels what
 * still runs and frees everything.
 */
public final class LimnRuntime implements AutoCloseable {
    /** Frees the instances a host drops without closing them: one thread for the JVM, started by the first load. */
    static Cleaner cleaner() {
        return Cleaners.CLEANER;
    }

    private static final class Cleaners {
        static final Cleaner CLEANER = Cleaner.create();
    }

    /** How long cancelled Limn code may take to reach a safepoint before it is terminated. */
    static final long GRACE_NANOS = Entry.STOP_GRACE_NANOS;
    /** How often the watchdog looks at calls running on host threads. */
    private static final long WATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** Looks in a row that run out of memory before the watchdog takes the scheduler's reserve (about 0.1 s). */
    private static final int SHORT_LOOKS = 50;
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Engine engine;
    private final PrintStream out;
    private final PrintStream err;
    private final int maxDepth;
    private final Tier.Mode tier;
    private final long seed;
    final long defaultTimeoutNanos;
    /** {@link #run}: print the run's statistics, and where to write a trace (null: none). */
    private final boolean stats;
    private final java.nio.file.Path aeronDir;
    private final java.nio.file.Path trace;
    /** Each instance's instruction budget; {@link Long#MAX_VALUE}: counted, not limited. */
    private final long instructionBudget;
    private final Map<String, HostFunctionBinding> functions = new LinkedHashMap<>();
    /** Every instance loaded, for the watchdog and close (weakly: an instance the host dropped goes). */
    private final Instances instances = new Instances();
    /** Loads on the carriers not yet complete ({@link #loadAsync}), for close. */
    private final Set<Entry> loading = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Started by the first call or load ({@link #watch}); guarded by this until then. */
    private volatile Thread watchdog;
    private volatile boolean watching;
    private volatile boolean closed;
    /** The channel each host thread waits on now, in LimnChannel's send or receive; closed by {@link #close}. */
    private final Map<Thread, dev.limn.chan.Channel> hostWaits = new java.util.concurrent.ConcurrentHashMap<>();
    private Instance detached;
    /** Built with {@link Builder#deterministic}. */
    private final boolean deterministic;
    /** Runs made for loads so far, for their generators' seeds; guarded by this. */
    private long runs;

    private LimnRuntime(Builder b) {
        JvmFlags.check();
        this.out = b.out;
        this.err = b.err;
        this.maxDepth = b.maxDepth;
        this.tier = b.tier;
        this.seed = b.seed != null ? b.seed : b.deterministic ? 0L : System.nanoTime();
        this.deterministic = b.deterministic;
        if (deterministic) {
            b.engine.deterministic(seed);
        }
        this.defaultTimeoutNanos = b.timeout == null ? 0 : Instance.nanos(b.timeout);
        this.instructionBudget = b.instructionBudget;
        this.stats = b.stats;
        this.aeronDir = b.aeronDir;
        this.trace = b.trace;
        this.engine = b.engine.build();
        engine.watchHostCalls(this::hostCallInProgress);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The JVM flags Limn needs, as they go on the java command line: today one,
     * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} with Limn on the class path,
     * {@code =org.agrona} with Limn on the module path.
     */
    public static List<String> requiredJvmFlags() {
        return JvmFlags.required();
    }

    // ------------------------------------------------------------------ host functions and programs

    /** Defines host function {@code name} (plain: it must not block); programs compiled afterwards may call it. */
    public void define(String name, HostFunction fn) {
        define(name, fn, HostFunction.Mode.PLAIN);
    }

    /**
     * Defines host function {@code name}; with {@link HostFunction.Mode#BLOCKING} it runs on a
     * virtual thread while its calling task is suspended.
     *
     * @throws IllegalArgumentException if the name is not an identifier or is defined already
     */
    public void define(String name, HostFunction fn, HostFunction.Mode mode) {
        checkName(name);
        java.util.Objects.requireNonNull(fn, "fn");
        java.util.Objects.requireNonNull(mode, "mode");
        checkOpen();
        synchronized (functions) {
            if (functions.containsKey(name)) {
                throw new IllegalArgumentException("host function '" + name + "' is defined already");
            }
            functions.put(name, new HostFunctionBinding(this, name, fn, mode == HostFunction.Mode.BLOCKING));
        }
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a Limn name: '" + name + "'");
        }
    }

    /**
     * Runs {@code program} as a whole program, the way {@code limn run} does (the command line
     * calls this): its top level is the main task, on this runtime's carriers, and this returns
     * when it and every task it started have ended. What it prints goes to the runtime's
     * {@code out}; an unhandled error or a deadlock is reported on {@code err} as the command
     * line reports it (kind, message, the source line with a caret, the task), followed by the
     * statistics when the builder asked for them. Unlike {@link #load}, it waits for the whole
     * runtime to be quiet, so give whole-program runs a runtime of their own.
     *
     * @return the exit status {@code limn run} gives: 0, 1 for an unhandled error or a deadlock,
     *         2 when the trace cannot be written
     * @throws IllegalArgumentException if the program was compiled with host functions or host
     *                                  globals (load it instead)
     * @throws IllegalStateException    if the runtime is closed
     */
    public int run(Program program) {
        checkOpen();
        if (!program.hostFunctions.isEmpty() || !program.hostGlobals.isEmpty()) {
            throw new IllegalArgumentException(program.name() + " was compiled with host functions or host globals: load it instead");
        }
        RunOptions options = new RunOptions(0, false, stats, seed, maxDepth, trace, tier, deterministic, aeronDir);
        return Limn.run(engine, new LimnProgram(program.source, program.main), options, out, err);
    }

    /** Compiles {@code source}, named {@code name} in diagnostics, binding no host globals. */
    public Program compile(String name, String source) {
        return compile(name, source, Set.of());
    }

    /**
     * Compiles {@code source}; {@code hostGlobals} are the names the host binds at
     * {@link #load}. The host functions defined so far are visible to it.
     *
     * @throws LimnCompileException     with every compile error of the file
     * @throws IllegalArgumentException if a host global is not a name, or is also a host function
     */
    public Program compile(String name, String source, Set<String> hostGlobals) {
        checkOpen();
        List<String> fns;
        synchronized (functions) {
            fns = new ArrayList<>(functions.keySet());
        }
        List<String> globals = new ArrayList<>(new TreeSet<>(hostGlobals));
        for (String g : globals) {
            checkName(g);
            if (fns.contains(g)) {
                throw new IllegalArgumentException("'" + g + "' is a host function and cannot also be a host global");
            }
        }
        List<String> params = new ArrayList<>(fns);
        params.addAll(globals);
        try {
            LimnProgram p = Limn.compile(name, source, false, params);
            return new Program(p.source(), p.main(), fns, globals);
        } catch (CompileException e) {
            List<LimnCompileException.Diagnostic> ds = new ArrayList<>();
            for (Diagnostic d : e.diagnostics()) {
                ds.add(new LimnCompileException.Diagnostic(d.source() == null ? name : d.source().name(),
                        d.span() == null ? 0 : d.span().line(), d.span() == null ? 0 : d.span().col(), d.message(), d.render()));
            }
            throw new LimnCompileException(ds, e.render().stripTrailing());
        }
    }

    // ------------------------------------------------------------------ loading

    /**
     * Runs {@code program}'s top level once, on the calling thread until it first suspends, with
     * {@code globals} bound to its host globals; returns the instance that keeps its variables.
     *
     * @throws IllegalArgumentException if a declared host global is missing, one given is not declared, or a value has no Limn form
     * @throws LimnException            if the top level fails
     */
    public Instance load(Program program, Map<String, ?> globals) {
        ProgramRun run = newRun();
        Entry e = new Entry(run, "main task", true);
        Object[] args = hostArguments(program, globals);
        Instance instance = new Instance(this, program, run, null);
        e.watchedBy(Thread.currentThread(), defaultTimeoutNanos > 0 ? System.nanoTime() + defaultTimeoutNanos : 0);
        instance.current = e;
        instance.loading = true;
        instances.add(instance);
        try {
            checkOpen(); // again, after loading was stored: close stores closed, then reads it
            watch();
            try {
                startTopLevel(run, e, program, args, true);
            } finally {
                if (!e.isComplete()) {
                    instance.waiting = e;
                }
                instance.loading = false;
                run.hostCallEnded();
            }
            if (!e.isComplete()) {
                instance.awaitComplete(e, defaultTimeoutNanos);
            }
        } finally {
            instance.current = null;
            instance.waiting = null;
            instances.remove(instance);
        }
        return loaded(program, run, e, instance);
    }

    /** {@link #load} with no host globals. */
    public Instance load(Program program) {
        return load(program, Map.of());
    }

    /** As {@link #load}, with the top level running on the carriers; the future fails with the exception load would throw. */
    public CompletableFuture<Instance> loadAsync(Program program, Map<String, ?> globals) {
        ProgramRun run = newRun();
        Entry e = new Entry(run, "main task", true);
        Object[] args = hostArguments(program, globals);
        loading.add(e);
        startTopLevel(run, e, program, args, false);
        return e.completion().handle((done, failure) -> {
            loading.remove(e);
            return loaded(program, run, e, new Instance(this, program, run, null));
        });
    }

    private ProgramRun newRun() {
        checkOpen();
        ProgramRun run;
        synchronized (this) {
            run = new ProgramRun(engine, out, err, maxDepth, null, seed + runs++ * 0x9E3779B97F4A7C15L);
        }
        run.useTier(tier);
        run.countInstructions(instructionBudget);
        return run;
    }

    private void startTopLevel(ProgramRun run, Entry e, Program program, Object[] args, boolean here) {
        try {
            run.start(e, new Closure(program.main, new Box[0]), args, here);
        } catch (LimnError err) {
            run.close();
            throw LimnException.of(err.value);
        }
    }

    private Instance loaded(Program program, ProgramRun run, Entry e, Instance waiter) {
        if (e.status() != Interpreter.DONE || e.unawaitedAsyncError() != null) {
            e.releaseKept();
            run.close();
            waiter.outcome(e); // throws the error that ended the top level
        }
        Instance instance = new Instance(this, program, run, e.globals());
        instance.keep(e);
        instances.add(instance);
        if (closed) {
            release(instance);
            throw new IllegalStateException("the runtime is closed");
        }
        return instance;
    }

    private Object[] hostArguments(Program program, Map<String, ?> globals) {
        List<String> missing = new ArrayList<>();
        for (String g : program.hostGlobals) {
            if (!globals.containsKey(g)) {
                missing.add(g);
            }
        }
        List<String> extra = new ArrayList<>();
        for (String g : globals.keySet()) {
            if (!program.hostGlobals.contains(g)) {
                extra.add(g);
            }
        }
        if (!missing.isEmpty() || !extra.isEmpty()) {
            throw new IllegalArgumentException(program.name() + ": "
                    + (missing.isEmpty() ? "" : "host globals declared at compile but not given: " + missing)
                    + (!missing.isEmpty() && !extra.isEmpty() ? "; " : "")
                    + (extra.isEmpty() ? "" : "globals given but not declared at compile: " + extra));
        }
        Object[] args = new Object[program.hostFunctions.size() + program.hostGlobals.size()];
        int i = 0;
        synchronized (functions) {
            for (String f : program.hostFunctions) {
                HostFunctionBinding h = functions.get(f);
                if (h == null) {
                    throw new IllegalArgumentException(program.name() + " calls host function '" + f
                            + "', which this runtime does not define");
                }
                args[i++] = h;
            }
        }
        for (String g : program.hostGlobals) {
            args[i++] = Conversions.toLimn(globals.get(g), "global '" + g + "'");
        }
        return args;
    }

    // ------------------------------------------------------------------ channels and counts

    /** A new unbounded channel that the host feeds or drains. */
    public LimnChannel channel() {
        return hostChannel(-1);
    }

    /** A new channel holding at most {@code capacity} (at least 1) values. */
    public LimnChannel channel(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a channel's capacity must be at least 1, got " + capacity);
        }
        return hostChannel(capacity);
    }

    private LimnChannel hostChannel(int capacity) {
        checkOpen();
        dev.limn.chan.Channel c = engine.newChannel(capacity);
        c.registerHostProducer(engine.scheduler());
        return new LimnChannel(this, c);
    }

    /**
     * This runtime's live resources by name: {@code tasks.live}, {@code slab.blocks.live},
     * {@code atomic.cells.live} (off-heap cells; an instance keeps those of its top-level
     * atomics that no function captures), {@code channels.open}.
     */
    public Map<String, Long> liveCounts() {
        return engine.liveCounts();
    }

    /**
     * A dump of every live task of this runtime's programs, as text: each task's id,
     * description, state (runnable, running, blocked on a channel, sleeping, awaiting, in a host
     * call) and what it waits on, its Limn call stack with file and line, drawn as the tree of
     * the blocks the tasks belong to. Safe from any thread at any time, while programs run: it
     * stops nothing and never throws (a closed runtime has no live task). A running task's stack
     * is read while it runs and is marked as possibly stale; see docs/embedding.md.
     */
    public String taskDump() {
        return TaskDump.text(engine);
    }

    /**
     * {@link #taskDump()} as one JSON object: {@code liveTasks}, {@code liveBlocks},
     * {@code tasks} [{@code id, description, state, waitingOn, stack [{function, file, line}],
     * frames, stackExact, block}] and {@code blocks} [{@code id, label, startedBy, parent,
     * liveUnits}]; docs/embedding.md describes each field.
     */
    public String taskDumpJson() {
        return TaskDump.json(engine);
    }

    Engine engine() {
        return engine;
    }

    /** The owner of functions that reach the host through a channel rather than an instance. */
    synchronized Instance detached() {
        if (detached == null) {
            ProgramRun run = new ProgramRun(engine, out, err, maxDepth, null, seed);
            run.useTier(tier);
            detached = new Instance(this, null, run, new Object[0]);
        }
        return detached;
    }

    /**
     * The calling thread may now wait on {@code channel} (a host's send or receive): the
     * runtime's close closes it, which wakes the thread. Stored before the closed flag is read
     * here, as close stores that flag before it reads these: either this thread sees the
     * runtime closed, or close sees the channel.
     */
    void hostWaitBegins(dev.limn.chan.Channel channel) {
        hostWaits.put(Thread.currentThread(), channel);
        if (closed) {
            channel.close();
        }
    }

    /** The calling thread's wait on a channel ended ({@link #hostWaitBegins}). */
    void hostWaitEnds() {
        hostWaits.remove(Thread.currentThread());
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the runtime is closed");
        }
    }

    // ------------------------------------------------------------------ the watchdog

    /** A call is starting on a host thread: wake the watchdog if it sleeps. */
    void watch() {
        if (!watching) {
            watching = true;
            Thread w = watchdog;
            if (w == null) {
                synchronized (this) {
                    w = watchdog;
                    if (w == null) {
                        // a runtime that only runs whole programs (the CLI) never starts it
                        w = new Thread(this::watchLoop, "limn-watchdog");
                        w.setDaemon(true);
                        watchdog = w;
                        w.start();
                    }
                }
            }
            LockSupport.unpark(w);
        }
    }

    /**
     * While calls run, every {@link #WATCH_NANOS}: nudges each call's task ({@link #police}),
     * so that one whose thread was interrupted (Cancelled) or whose deadline passed (Timeout)
     * stops, and one still running a grace after that is terminated. Parks while no call runs.
     */
    private void watchLoop() {
        int shortLooks = 0;
        while (!closed) {
            try {
                watchOnce();
                shortLooks = 0;
            } catch (OutOfMemoryError e) {
                // A call ran the heap out: the watchdog goes on, or no call would time out any
                // more. It looks again later rather than take the scheduler's reserve at once:
                // that reserve is the failing call's, to raise an OutOfMemory its handler can
                // catch (taken here, the call's own exhaustion was for good, one run in three of
                // OutOfMemoryTest's host). Only memory that stays short takes it.
                if (++shortLooks >= SHORT_LOOKS) {
                    engine.scheduler().releaseReserve();
                    shortLooks = 0;
                }
                LockSupport.parkNanos(WATCH_NANOS);
            }
        }
    }

    /** One look of {@link #watchLoop}, then its park. */
    private void watchOnce() {
        boolean busy = false;
        // no snapshot: an array of the instances held across the park below would keep the
        // ones the host dropped reachable forever (each look would take them again)
        for (Instance i : instances) {
            busy |= police(i);
        }
        Instance d;
        synchronized (this) {
            d = detached;
        }
        if (d != null) {
            busy |= police(d);
        }
        // a call's end looks for a quiescence put off while it ran after a release without a
        // fence, so it may miss one put off at that moment (Instance.unlockCalls): looked for
        // again here, at most 50 ms later
        if (!closed) {
            engine.scheduler().hostCallEnded();
        }
        if (busy || !loading.isEmpty()) {
            LockSupport.parkNanos(WATCH_NANOS);
        } else {
            watching = false;
            // a call that began just before the flag went down: look once more before parking
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /**
     * Nudges the task of the call {@code i} runs now when its caller was interrupted, its
     * deadline passed or it was stopped ({@code Entry.needsCheck}): at its next safepoint it
     * looks for itself, and stops or, a grace after stopping, terminates itself ({@code
     * Entry.checkStop}). The task decides, so a nudge that reaches the next call (entries are
     * reused) only makes it look. True while a call runs: the watchdog keeps looking.
     */
    private static boolean police(Instance i) {
        Entry e = i.current;
        if (e == null || e.isComplete()) {
            return false; // no call, or the last one's entry, kept for the next call
        }
        if (e.needsCheck()) {
            e.nudge();
        }
        return true;
    }

    // ------------------------------------------------------------------ closing

    /**
     * Cancels every call and load still running (they end with an IllegalStateException),
     * waits a grace for them, then stops the threads and frees the memory. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (dev.limn.chan.Channel c : hostWaits.values()) {
            c.close(); // a host thread waiting to send or receive on it wakes, and sees the runtime closed
        }
        List<Instance> all;
        all = new ArrayList<>();
        for (Instance i : instances) {
            all.add(i);
        }
        if (detached != null) {
            all.add(detached);
        }
        // A call that took its instance's lock before closed was stored runs on (one after
        // refuses: Instance.begin); its entry may show a moment after its lock does.
        List<Entry> running = new ArrayList<>(loading);
        for (Entry e : running) {
            e.stop("Closed");
        }
        long deadline = System.nanoTime() + GRACE_NANOS;
        boolean busy = true;
        while (busy && System.nanoTime() - deadline < 0) {
            busy = false;
            for (Instance i : all) {
                Entry e = i.current;
                if (e == null) {
                    e = i.waiting;
                }
                if (e != null && !e.isComplete()) {
                    if (!running.contains(e)) {
                        running.add(e);
                        e.stop("Closed");
                    }
                    busy = true;
                } else if (i.locked() || i.loading) {
                    busy = true;
                }
            }
            for (Entry e : running) {
                busy |= !e.isComplete();
            }
            if (busy) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
        for (Entry e : running) {
            if (!e.isComplete()) {
                e.cancel(true);
            }
        }
        boolean stuck = false;
        deadline = System.nanoTime() + GRACE_NANOS;
        for (Entry e : running) {
            // a task that reaches no safepoint (a host function that never returns): the engine keeps its memory
            stuck |= !awaitComplete(e, deadline);
        }
        Thread w = watchdog;
        if (w != null) {
            LockSupport.unpark(w);
        }
        for (Instance i : all) {
            release(i);
        }
        engine.close(stuck);
    }

    /**
     * Waits until {@code e} is complete or {@code deadline} passes. Polls the flag too: a call
     * that completes on its caller's thread stores it without the fence that would make it
     * see a future created meanwhile (see {@code Entry.taskFinished}).
     */
    private static boolean awaitComplete(Entry e, long deadline) {
        while (!e.isComplete()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                e.completion().get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException notYet) {
                // look at the flag again
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return e.isComplete();
            }
        }
        return true;
    }

    /** Whether any instance of this runtime runs Limn code on a host's thread now (for quiescence). */
    private boolean hostCallInProgress() {
        for (Instance i : instances) {
            if (i.onHostThread()) {
                return true;
            }
        }
        Instance d;
        synchronized (this) {
            d = detached;
        }
        return d != null && d.onHostThread();
    }

    /**
     * Frees what {@code i} keeps, unless a call still holds it (one that did not stop within
     * the grace: the engine then keeps its memory too).
     */
    private static void release(Instance i) {
        if (!i.locked()) {
            i.free();
        }
    }

    private final java.util.concurrent.atomic.AtomicLong instanceIds = new java.util.concurrent.atomic.AtomicLong();

    long nextInstanceId() {
        return instanceIds.incrementAndGet();
    }

    /** {@code i} was closed by the host. */
    void forget(Instance i) {
        instances.remove(i);
    }

    /**
     * The instances of a runtime, held weakly (one the host drops goes, its cleaner frees it),
     * and without a lock: loads add to it while the watchdog and quiescence walk it, and a walk
     * over many instances the collector has not found yet must not hold up a load. A walk drops
     * the entries whose instance is gone.
     */
    private static final class Instances implements Iterable<Instance> {
        private final java.util.concurrent.ConcurrentHashMap<Long, java.lang.ref.WeakReference<Instance>> byId =
                new java.util.concurrent.ConcurrentHashMap<>();

        void add(Instance i) {
            byId.put(i.id, new java.lang.ref.WeakReference<>(i));
        }

        void remove(Instance i) {
            byId.remove(i.id);
        }

        @Override
        public java.util.Iterator<Instance> iterator() {
            java.util.Iterator<java.lang.ref.WeakReference<Instance>> refs = byId.values().iterator();
            return new java.util.Iterator<>() {
                private Instance next = advance();

                private Instance advance() {
                    while (refs.hasNext()) {
                        Instance i = refs.next().get();
                        if (i != null) {
                            return i;
                        }
                        refs.remove();
                    }
                    return null;
                }

                @Override
                public boolean hasNext() {
                    return next != null;
                }

                @Override
                public Instance next() {
                    Instance i = next;
                    if (i == null) {
                        throw new java.util.NoSuchElementException();
                    }
                    next = advance();
                    return i;
                }
            };
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** A host function as the VM calls it: converts the arguments to Java and the result back. */
    private static final class HostFunctionBinding extends HostFn {
        private final LimnRuntime runtime;
        private final HostFunction fn;

        HostFunctionBinding(LimnRuntime runtime, String name, HostFunction fn, boolean blocking) {
            super(name, blocking);
            this.runtime = runtime;
            this.fn = fn;
        }

        @Override
        public Object call(Object[] args) throws Exception {
            Object[] javaArgs = new Object[args.length];
            Instance owner = null;
            for (int i = 0; i < args.length; i++) {
                Object v = args[i];
                if (owner == null && Conversions.needsOwner(v)) {
                    // functions and channels in the arguments belong to the calling task's instance
                    owner = ProgramRun.hostOnThread() instanceof Instance in ? in : runtime.detached();
                }
                javaArgs[i] = Conversions.toJava(v, owner);
            }
            return Conversions.toLimn(fn.call(javaArgs), "the result of host function " + name());
        }
    }

    /** Settings of a {@link LimnRuntime}. */
    public static final class Builder {
        /** The carriers and pinning, kept by the engine's own builder. */
        private final Engine.Builder engine = Engine.builder();
        private Long seed;
        private int maxDepth = RunOptions.DEFAULT_MAX_DEPTH;
        private PrintStream out = System.out;
        private PrintStream err = System.err;
        private Duration timeout;
        private long instructionBudget = Long.MAX_VALUE;
        private boolean stats;
        private java.nio.file.Path trace;
        private Tier.Mode tier = Tier.defaultMode();
        private boolean deterministic;
        private java.nio.file.Path aeronDir;

        private Builder() {
        }

        /**
         * The directory of the media driver that {@link LimnRuntime#run}'s programs' {@code publish}
         * and {@code subscribe} use ({@code limn run --aeron-dir}): a driver already running there
         * is used, else one is started there for the run. Null (the default): each run starts a
         * driver of its own in a directory of its own, deleted when the run ends.
         */
        public Builder aeronDir(java.nio.file.Path dir) {
            this.aeronDir = dir;
            return this;
        }

        /**
         * A deterministic runtime ({@code limn run --deterministic}): one carrier, whatever
         * {@link #carriers} says; every scheduling choice drawn from the {@link #seed} (0 when none
         * is given); virtual time, so sleeps and timeouts cost no wall time; time slices counted in
         * instructions. A program run with the same seed makes the same choices and prints the
         * same output. What a host's own threads do (calls, host channels) is not part of it, and
         * blocking host functions run on the carrier, one step each.
         */
        public Builder deterministic(boolean deterministic) {
            this.deterministic = deterministic;
            return this;
        }

        /** Carrier threads; 0 (the default) means one per available processor. */
        public Builder carriers(int n) {
            engine.carriers(n);
            return this;
        }

        /** Pins each carrier to its own CPU. */
        public Builder pin(boolean pin) {
            engine.pin(pin);
            return this;
        }

        /** The seed of {@code random()} and {@code rand_int()} (default: from the clock). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The call depth past which a call raises StackOverflow (default 100,000). */
        public Builder maxDepth(int depth) {
            if (depth < 1) {
                throw new IllegalArgumentException("maxDepth must be at least 1, got " + depth);
            }
            maxDepth = depth;
            return this;
        }

        /** Where {@code print} writes (default System.out). */
        public Builder out(PrintStream out) {
            this.out = java.util.Objects.requireNonNull(out, "out");
            return this;
        }

        /** Where warnings go (default System.err). */
        public Builder err(PrintStream err) {
            this.err = java.util.Objects.requireNonNull(err, "err");
            return this;
        }

        /** The timeout of every call and load that gives none (default: none). */
        public Builder timeout(Duration timeout) {
            Instance.nanos(timeout);
            this.timeout = timeout;
            return this;
        }

        /** {@link LimnRuntime#run} prints each run's statistics on {@code err} (as {@code limn run --stats}). */
        public Builder stats(boolean stats) {
            this.stats = stats;
            return this;
        }

        /** {@link LimnRuntime#run} writes a trace of each run to {@code file} (as {@code limn run --trace}). */
        public Builder trace(java.nio.file.Path file) {
            this.trace = java.util.Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * The instructions each instance may run, its load and every call together (default: no
         * limit). Code that would go past it ends with a {@link LimnException} of kind
         * BudgetExceeded at its next safepoint (a loop's back edge, a call); later calls fail the
         * same way until {@link Instance#resetInstructionsUsed}. {@link Instance#instructionsUsed}
         * reads the count either way. A loop charges its body's instructions per iteration, a
         * call its function's length: the count is exact for straight-line code and an upper
         * bound where branches skip instructions.
         */
        public Builder instructionBudget(long instructions) {
            if (instructions < 1) {
                throw new IllegalArgumentException("instructionBudget must be at least 1, got " + instructions);
            }
            instructionBudget = instructions;
            return this;
        }

        /**
         * Whether hot Limn code is compiled to JVM bytecode: {@code "auto"} (the default, or the
         * system property {@code limn.tier}) compiles functions and loops once they are hot,
         * {@code "always"} compiles every function at its first call, {@code "off"} only
         * interprets. Programs behave the same in every mode; only their speed differs.
         *
         * @throws IllegalArgumentException for any other mode
         */
        public Builder tier(String mode) {
            tier = Tier.Mode.parse(java.util.Objects.requireNonNull(mode, "mode"));
            return this;
        }

        /**
         * Starts the runtime's threads.
         *
         * @throws IllegalStateException if the JVM lacks a flag Limn needs; the message lists them
         */
        public LimnRuntime build() {
            return new LimnRuntime(this);
        }
    }
}
