package dev.limn.vm;

import static dev.limn.offheap.RegisterFile.REGISTER_BYTES;
import static dev.limn.vm.Registers.lpPayload;
import static dev.limn.vm.Registers.lpPayloadAt;
import static dev.limn.vm.Registers.lpTag;
import static dev.limn.vm.Registers.lpTagAt;
import static dev.limn.vm.Registers.sp;
import static dev.limn.vm.Registers.spAt;

import dev.limn.block.BlockRun;
import dev.limn.offheap.CheckedMode;
import dev.limn.offheap.RegisterFile;
import dev.limn.sched.Carrier;
import dev.limn.sched.Fiber;
import dev.limn.sched.Scheduler;
import dev.limn.sched.Timer;
import dev.limn.sched.events.FlightEvents;
import dev.limn.text.Span;
import dev.limn.value.ErrorValue;
import dev.limn.value.LimnError;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.SplittableRandom;

/**
 * The whole execution state of one task, so that the interpreter can leave it at any
 * suspension point and any carrier thread can resume it. A task context is a
 * {@link Fiber}: the scheduler runs it ({@link #run(Carrier)}), it parks at waiting points
 * and it is woken by channels, timers, permits and blocks.
 *
 * <ul>
 *   <li>Registers: off-heap register segments from {@link RegisterSegments}; references of a
 *       register live in the on-heap shadow array of its segment at the same index. A frame's
 *       window lies inside one segment; a call whose window would not fit moves on to the next
 *       segment (allocated once, kept until the task ends), copying its arguments. A task's
 *       first segment is a small one when its function fits, so that many live tasks stay
 *       cheap; the registers are taken when the task first runs, not when it is spawned.
 *       Every access goes through {@link Registers}, which in the checked VM mode checks it
 *       against the running frame: so the base, closure and segment change before the
 *       registers of a frame being entered or returned to are touched.</li>
 *   <li>Frames: parallel arrays (return pc, caller base, caller segment, caller closure,
 *       result register), grown by doubling; a script call pushes a record and slides the
 *       window, it never recurses on the Java stack.</li>
 *   <li>Trap: the fiber's trap word (CANCEL, TIME_SLICE, TERMINATE), set by other threads,
 *       read with an opaque load at back-edges and calls.</li>
 *   <li>Concurrency state: the program run it belongs to, its {@link Unit} (what it is to its
 *       block: number, item, attempt, permit, chunk; null for the main task), its pending
 *       timer, the atomic cells it holds and the stream/async blocks it must wait for.</li>
 * </ul>
 * Every resource is returned by {@link #close()}, which {@link #finish} calls on every way
 * a task can end (done, failed, cancelled, terminated).
 * The interpreter caches the frame's address ({@link #frameAddress}) in a local; it changes
 * only in {@link #call}, {@link #ret} and {@link #unwind}, after which it reloads it.
 * {@link #call} and {@link #ret} are the hot halves of a script call and stay small enough
 * for C2 to inline them into the dispatch loop (FreqInlineSize, 325 bytes of bytecode);
 * everything unusual goes to {@link #callSlow}.
 */
public final class TaskContext extends Fiber {
    private static final int INITIAL_FRAMES = 4;
    static final String OUT_OF_MEMORY = "OutOfMemory";
    /** Slack above the first function's registers in the first reference shadow, before it must grow. */
    private static final int SHADOW_SLACK = 16;

    MemorySegment regs;
    /** The raw address of register 0 of {@link #regs}; changes with it. */
    long regsAddress;
    Object[] refs;
    int base;
    int pc;
    /** Checked mode only: the pc of the instruction running, set at every fetch, for {@link Registers}' messages. */
    int checkedPc;
    Closure closure;

    private MemorySegment[] segments = new MemorySegment[2];
    private Object[][] shadows = new Object[2][];
    private int segment;

    int depth;
    /**
     * Instructions this task may run before it asks its run's {@link Budget} for more: the
     * interpreter runs it down at safepoints (back edges, calls) and comes to {@link
     * #onSafepoint} when it is negative. Without a budget it never runs out.
     */
    long fuel;
    /**
     * A deterministic run's clock (one nanosecond per instruction): the fuel when this task's
     * instructions were last added to it, at the end of a run on the carrier or of a time slice.
     */
    private long fuelMark;
    /** Whether this task's run uses the compiled tier, and how ({@link Tier.Mode}); fixed for the task's life. */
    final Tier.Mode tier;
    /** Back edges before the interpreter next looks at the compiled tier ({@link Tier#backEdge}). */
    int tierCountdown;
    /**
     * JVM stack slots that compiled frames take, counted from the interpreter's entry into
     * compiled code: set by {@link Tier#enter}, and by compiled code (which keeps it in a local
     * and passes it to fast entries) just before a generic call, whose {@link Tier#callee} adds
     * the callee's. Not kept up to date otherwise.
     */
    int tierNesting;
    /**
     * How a compiled function's fast entry ({@link TierCompiler}'s {@code fast} method) ended, for
     * its compiled caller to read at once and reset: 0 when it returned its value in the JVM
     * (the usual case, so nothing writes it), {@link Compiled#RETURNED_IN_WINDOW}, or a status
     * of {@link Compiled#run} to leave with.
     */
    int fastStatus;
    /** A lazily recorded fast frame's result returned through the window ({@link #stashResult}), for its caller to take. */
    private byte fastTag;
    private long fastPay;
    private Object fastRef;
    // Frame records: most tasks call little, so they start small and double when a call needs more.
    private int[] fPc = new int[INITIAL_FRAMES];
    private int[] fBase = new int[INITIAL_FRAMES];
    private int[] fSegment = new int[INITIAL_FRAMES];
    private int[] fRet = new int[INITIAL_FRAMES];
    private Closure[] fClosure = new Closure[INITIAL_FRAMES];
    /** min(maxDepth - outerDepth, frame array length): one compare on the fast call path covers both. */
    private int frameLimit;

    final int maxDepth;
    /**
     * The frames below this task's first one: those of the task that started it, which waits
     * for it (an async call's caller, a unit's block body), and of that task's starters. The
     * task's call depth is {@code outerDepth + depth}, held to {@link #maxDepth}: a chain of
     * async calls, each awaiting the next, is as bounded as a recursion.
     */
    final int outerDepth;
    final PrintStream out;
    /** The task's generator; null in a task family's chunk until its current task asks (see {@link #random()}). */
    private SplittableRandom random;
    private String description;
    ErrorValue error;
    /** The task raised OutOfMemory (handled or not): a host's call kept for reuse drops its references when it ends. */
    private boolean ranOutOfMemory;
    /** Volatile: a task that writes a box this task owned reads it ({@link Box#claim}). */
    private volatile boolean closed;

    /** The engine whose registers, cells and counts this task uses. */
    final Engine engine;

    // ---- concurrency state (null for a standalone context) ----
    final ProgramRun run;
    /** What this task is as a unit of its block; null for an entry's task (the main task, a host's call). */
    final Unit unit;
    /** The entry whose task this is; null for a unit. */
    Entry entry;
    /**
     * A host's call running on the host's thread: not counted in the run's task statistics,
     * and its registers are kept when it ends there, for the instance's next call
     * ({@link #restart}). One that suspended and ended on a carrier returns them as usual.
     */
    boolean hostEntry;
    /**
     * For a host's call made inside a host function (a call back into the instance), the task
     * that called that function and waits for it; else null. The call writes its variables as
     * that task would ({@link Box#claim}).
     */
    TaskContext hostCaller;
    private Object[] startArgs;
    private boolean started;
    int status = -1;

    /** sleep(): the timer this task waits for, or null. */
    Timer sleepTimer;
    /** The task yielded in a sleep of zero, which returns when the task runs again ({@link Waiting#sleep}). */
    boolean sleepYielded;
    /** A blocking host function's call this task waits for, or null ({@link HostCalls}). */
    dev.limn.sched.HostCall<Object> hostCall;
    // What the task's function returned (an async call's value), unboxed: a host's call
    // that returns an int stores no reference into this long-lived object, whose GC write
    // barrier would cost a fence (see docs/design.md, "A host's call stores no references").
    /** The returned value's tag ({@link Tag#NIL} until the function returns a value). */
    private byte resultTag = Tag.NIL;
    private long resultPayload;
    /** The returned value when it is a reference ({@link Tag#REF}), else null. */
    private Object resultRef;
    /** The blocks whose bodies this task is running now, innermost last (where its async calls belong). */
    ArrayList<BlockRun> openBlocks;
    /** Off-heap atomic cells this task holds a reservation on. */
    private ArrayList<OffHeapAtomic> cells;
    /** Stream/async blocks started by this task that its scopes must wait for, with the frame depth. */
    ArrayList<BlockRun> pendingBlocks;
    ArrayList<Integer> pendingDepths;

    /** A standalone context (tests, tools): registers now, no scheduler. */
    public TaskContext(Engine engine, Closure main, PrintStream out, int maxDepth, long seed, String description) {
        this.engine = engine;
        this.out = out;
        this.maxDepth = maxDepth;
        this.outerDepth = 0;
        this.random = new SplittableRandom(seed);
        this.description = description;
        this.run = null;
        this.unit = null;
        this.entry = null;
        this.closure = main;
        this.startArgs = new Object[0];
        this.fuel = Budget.UNLIMITED;
        this.tier = Tier.defaultMode();
        this.tierCountdown = Tier.countdown(tier);
        start();
    }

    /**
     * A unit of a block of {@code run} calling {@code fn} with {@code args}, started at
     * {@code outerDepth} (its starter's {@link #startDepth()}). {@code random} may be null for
     * a family chunk, whose tasks derive theirs from the chunk's seed.
     */
    TaskContext(ProgramRun run, int outerDepth, Closure fn, Object[] args, SplittableRandom random, Unit unit) {
        this.run = run;
        this.engine = run.engine;
        this.out = run.out;
        this.maxDepth = run.maxDepth;
        this.outerDepth = outerDepth;
        this.random = random;
        this.description = null;
        this.unit = unit;
        this.entry = null;
        this.closure = fn;
        this.startArgs = args;
        this.fuel = initialFuel(run);
        this.fuelMark = fuel;
        this.tier = run.tier;
        this.tierCountdown = Tier.countdown(tier);
    }

    /** The task of {@code entry}, calling {@code fn} with {@code args}; {@code random} null: split from the run's when asked for. */
    TaskContext(Entry entry, Closure fn, Object[] args, SplittableRandom random) {
        this.run = entry.run;
        this.engine = run.engine;
        this.out = run.out;
        this.maxDepth = run.maxDepth;
        this.outerDepth = 0;
        this.random = random;
        this.description = null;
        this.unit = null;
        this.entry = entry;
        this.closure = fn;
        this.startArgs = args;
        this.fuel = initialFuel(run);
        this.fuelMark = fuel;
        this.tier = run.tier;
        this.tierCountdown = Tier.countdown(tier);
        entry.setTask(this);
    }

    /** Takes the first register segment and places the arguments; the first run calls it. */
    private void start() {
        started = true;
        FlightEvents.taskStart(this);
        Proto p = closure.proto;
        MemorySegment first = p.maxRegs <= RegisterSegments.SMALL_REGISTERS ? engine.registers.allocateSmall() : engine.registers.allocate();
        segments[0] = first;
        // The shadow covers what the first function needs plus some slack, not the whole segment:
        // a 256-slot array per task was a third of starting one (its zeroing); calls grow it.
        shadows[0] = new Object[Math.min(RegisterFile.capacity(first), p.maxRegs + SHADOW_SLACK)];
        regs = first;
        regsAddress = regs.address();
        refs = shadows[0];
        frameLimit = Math.min(maxDepth - outerDepth, fPc.length);
        if (p.maxRegs > RegisterFile.capacity(regs)) {
            throw new LimnError("StackOverflow", "function " + p.displayName() + " needs too many registers");
        }
        fuel -= p.code.length;
        Object[] args = startArgs;
        startArgs = null;
        for (int i = 0; i < args.length; i++) {
            set(i, args[i]);
        }
        for (int i = args.length; i < p.numParams; i++) {
            sp(this, i, Tag.ABSENT, 0);
        }
    }

    // ------------------------------------------------------------------ running as a fiber

    @Override
    protected Status run(Carrier carrier) {
        try {
            Trace trace = run == null ? null : run.trace;
            if (trace == null && (run == null || !run.deterministic)) {
                return unit != null && unit.chunk != null ? runChunk(carrier) : runTask();
            }
            Scheduler clock = engine.scheduler; // a deterministic run's slices are in virtual time
            long start = clock.nanoTime();
            Status s = unit != null && unit.chunk != null ? runChunk(carrier) : runTask();
            if (run.deterministic) {
                clock.elapse(fuelMark - fuel); // the instructions of this run on the carrier
                fuelMark = fuel;
            }
            if (trace != null) {
                trace.slice(carrier.index(), this, start, clock.nanoTime(), s, status);
            }
            return s;
        } catch (OutOfMemoryError | LinkageError e) {
            // The runtime's own work around the task's code ran out (a chunk's bookkeeping, the
            // task's end), which no handler can answer: the program is out of memory for good,
            // so the rest of it ends; the carrier counts this fiber as failed and done.
            if (e instanceof LinkageError && Scheduler.outOfMemoryBehind(e) == null) {
                throw e;
            }
            engine.scheduler.releaseReserve();
            if (run != null) {
                run.outOfMemory(run.outOfMemoryFallback(closure.proto.source, spanOrWhole(pc)));
            }
            throw e;
        }
    }

    /** Runs the task until it ends, yields or parks; the carrier's run, or a host thread's (see {@link ProgramRun#start}). */
    Status runTask() {
        beginRunSeq();
        try {
            return runTaskOnce();
        } finally {
            endRunSeq();
        }
    }

    private Status runTaskOnce() {
        int s;
        try {
            if (!started) {
                start();
            }
            s = Interpreter.run(this);
        } catch (Suspend signal) {
            if (signal == Suspend.PARK) {
                return Status.PARKED;
            }
            if (signal == Suspend.YIELD) {
                return Status.YIELD;
            }
            s = Interpreter.TERMINATED;
        } catch (LimnError e) {
            // raised before the dispatch loop could handle it (e.g. starting the task)
            error = e.value;
            e.value.placeIfAbsent(closure.proto.source, closure.proto.span);
            s = Interpreter.FAILED;
        } catch (OutOfMemoryError | LinkageError e) {
            // outside the dispatch loop's own handling: starting the task, handling an earlier
            // one, or a call site the JVM could not link for want of memory
            if (e instanceof LinkageError && Scheduler.outOfMemoryBehind(e) == null) {
                throw e;
            }
            boolean handled = engine.scheduler.releaseReserve();
            error = outOfMemoryError(pc, !handled);
            s = Interpreter.FAILED;
        } catch (RuntimeException e) {
            // a defect of the runtime: reported as one Limn error line, never a Java stack trace
            error = new ErrorValue("InternalError", "internal error: " + e);
            s = Interpreter.FAILED;
        }
        if (s == Interpreter.SUSPENDED) {
            return Status.YIELD;
        }
        finish(s);
        return Status.DONE;
    }

    // ------------------------------------------------------------------ read by task dumps

    /**
     * A sequence lock over the frames, for {@link TaskDump}: odd while a thread runs the task,
     * bumped at the start and the end of each run ({@link #runTask}). The task's own thread
     * writes it (an opaque store and a store-store fence before the run touches anything, a
     * release store after); a reader that finds it even and unchanged around its plain reads
     * of the frames read a stack the task really had. Two stores per run, none per call.
     */
    private int runSeq;
    private static final java.lang.invoke.VarHandle RUN_SEQ;

    static {
        try {
            RUN_SEQ = java.lang.invoke.MethodHandles.lookup().findVarHandle(TaskContext.class, "runSeq", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private void beginRunSeq() {
        RUN_SEQ.setOpaque(this, runSeq + 1);
        java.lang.invoke.VarHandle.storeStoreFence();
    }

    private void endRunSeq() {
        RUN_SEQ.setRelease(this, runSeq + 1);
    }

    /** The run sequence (see above), acquire read: unchanged between two looks means the task did not run in between. */
    int lvRunSeq() {
        return (int) RUN_SEQ.getAcquire(this);
    }

    /**
     * Passes every reference this task's frames may hold to {@code into}: every register of
     * every segment (dead ones too), the functions of its frames and its arguments. For a
     * running task the look is racy: {@link PartialDeadlocks} only trusts it twice over.
     */
    void forEachRef(java.util.function.Consumer<Object> into) {
        Object[][] sh = shadows;
        for (Object[] a : sh) {
            refsOf(a, into);
        }
        refsOf(refs, into);
        Closure[] fc = fClosure;
        for (Closure c : fc) {
            if (c != null) {
                into.accept(c);
            }
        }
        if (closure != null) {
            into.accept(closure);
        }
        refsOf(startArgs, into);
        if (resultRef != null) {
            into.accept(resultRef);
        }
    }

    private static void refsOf(Object[] a, java.util.function.Consumer<Object> into) {
        if (a != null) {
            for (Object v : a) {
                if (v != null) {
                    into.accept(v);
                }
            }
        }
    }

    /** The source line of the instruction where the task stands (parked: where it resumes). */
    int currentLine() {
        Closure c = closure;
        int[] lines = c == null ? null : c.proto.lines;
        return lines == null || lines.length == 0 ? 0 : lines[Math.max(0, Math.min(pc, lines.length - 1))];
    }

    /** Whether a thread is running the task now (a racy look, for task dumps). */
    boolean runningNow() {
        return ((int) RUN_SEQ.getAcquire(this) & 1) != 0;
    }

    /**
     * Reads this task's call stack into {@code into}, innermost frame first, from any thread.
     * Never throws on a race: every index is checked against the array it reads, a frame that
     * is not there is skipped. True when the reads are consistent (the task did not run while
     * they were made: its stack is exact); false when it ran (the stack is a best effort).
     */
    boolean readStack(TaskDump.Stack into) {
        int seq = (int) RUN_SEQ.getAcquire(this);
        into.clear();
        Closure c = closure;
        if (c != null) {
            into.add(c.proto, pc);
        }
        Closure[] callers = fClosure;
        int[] pcs = fPc;
        int d = Math.min(depth, Math.min(callers.length, pcs.length));
        for (int k = d - 1; k >= 0; k--) {
            Closure caller = callers[k];
            if (caller != null) {
                into.add(caller.proto, pcs[k] - 1); // the caller's CALL, the instruction before its return pc
            }
        }
        java.lang.invoke.VarHandle.loadLoadFence();
        return (seq & 1) == 0 && seq == (int) RUN_SEQ.getOpaque(this);
    }

    // ------------------------------------------------------------------ parallel-loop chunks

    @Override
    protected boolean holdsWorkBehind() {
        return runsFamily() && unit.chunk.range.hasMoreAfterCurrent();
    }

    /** Whether this task runs a chunk of a task family: the block's tasks it runs are counted one by one. */
    boolean runsFamily() {
        return unit != null && unit.runsFamily();
    }

    /** PARNEXT: register {@code abs} := the chunk's next element; false when the chunk is over. */
    boolean nextChunkElement(int abs) {
        Unit.Chunk c = unit.chunk;
        long index = c.range.nextIndex(this, c.carrier);
        if (index < 0) {
            return false;
        }
        c.index = index;
        unit.attempt = 1; // each task of a family, each iteration of a loop is a unit of its own (SPEC §6.2)
        if (unit.runsFamily()) {
            c.tasksStarted++;
            random = null;
        }
        c.elements.place(this, abs, index);
        return true;
    }

    /** A chunk task's run: the interpreter loops over the chunk; the counts are flushed per run. */
    private Status runChunk(Carrier carrier) {
        Unit.Chunk c = unit.chunk;
        c.carrier = carrier;
        Status st;
        try {
            st = runTask();
            if (st != Status.DONE && unit.runsFamily()) {
                c.range.detachRest(carrier);
            }
        } finally {
            flushChunkCounts(c);
        }
        return st;
    }

    /** Adds the chunk's iterations (a parallel loop) or tasks (a task family) to the statistics. */
    private void flushChunkCounts(Unit.Chunk c) {
        long completed = c.range.flushIterations(c.carrier);
        if (unit.runsFamily()) {
            unit.block.countFinished(completed);
        } else {
            unit.block.countIterations(completed);
        }
        if (unit.runsFamily()) {
            run.tasksStarted.add(c.tasksStarted);
            run.tasksCompleted.add(completed);
            c.tasksStarted = 0;
        }
    }

    /** The random generator of the running task (SPEC: {@code random}, {@code rand_int}). */
    SplittableRandom random() {
        SplittableRandom r = random;
        if (r == null && unit == null) {
            r = run.callRandom();
            random = r;
        } else if (r == null) {
            Unit.Chunk c = unit.chunk;
            r = new SplittableRandom(c.seed + (c.index + 1) * 0x9E3779B97F4A7C15L);
            random = r;
        }
        return r;
    }

    /** The task ended with interpreter status {@code s}: frees everything it holds and reports the end. */
    private void finish(int s) {
        Unit.Chunk c = unit == null ? null : unit.chunk;
        boolean countsAsTask = true;
        if (c != null) {
            // a family chunk's tasks are counted one by one; its own end is a task's only if one was running
            countsAsTask = !unit.runsFamily() || (s != Interpreter.DONE && c.range.inIteration());
            if (s == Interpreter.DONE && c.range.stoppedByTrap()) {
                // the chunk stopped between iterations because its task was cancelled or terminated
                if ((lvTrap() & TRAP_TERMINATE) != 0) {
                    s = Interpreter.TERMINATED;
                } else {
                    error = new ErrorValue("Cancelled", "the task was cancelled");
                    s = Interpreter.FAILED;
                }
            }
            // counts first: whoever the chunk's end completes the loop for must see them
            flushChunkCounts(c);
            c.range.endSteps(s == Interpreter.FAILED ? new LimnError(error) : null);
        }
        status = s;
        if (FlightEvents.on()) {
            FlightEvents.taskEnd(this, outcome(s));
        }
        if (s != Interpreter.DONE && pendingBlocks != null) {
            // stream/async work of a task that did not end normally: nobody will wait for it
            for (BlockRun b : pendingBlocks) {
                b.cancelUnits();
            }
        }
        pendingBlocks = null;
        pendingDepths = null;
        if (openBlocks != null) {
            // bodies the task never left (it was terminated inside them, e.g. waiting for a
            // permit): their blocks end with it, so that they complete and let go of their cells
            for (BlockRun b : openBlocks) {
                if (s == Interpreter.TERMINATED) {
                    b.terminateUnits();
                } else {
                    b.cancelUnits();
                }
                b.bodyEnded();
            }
            openBlocks = null;
        }
        if (sleepTimer != null) {
            scheduler().cancel(sleepTimer);
            sleepTimer = null;
        }
        if (entry != null && entry.keepsGlobals() && s == Interpreter.DONE) {
            keepGlobals();
        }
        releaseCells();
        if (!hostEntry || id() != 0) {
            close();
            engine.liveTasks.decrement(); // a host's call that ended on the host's thread was never counted
        } else if (ranOutOfMemory) {
            // kept for the next call, but not what this one left in its registers: the memory must come back
            ranOutOfMemory = false;
            for (Object[] shadow : shadows) {
                if (shadow != null) {
                    java.util.Arrays.fill(shadow, null);
                }
            }
        } // else its fuel, like its registers, is kept for the next call
        if (!hostEntry) {
            run.taskEnded(this, s, countsAsTask);
        }
        if (unit == null) {
            entry.taskFinished(s, error, resultTag, resultPayload, resultRef, hostEntry && id() == 0);
        } else if (unit.future != null) {
            // an async call: its outcome goes to its future, not to its block (SPEC §7)
            unit.future.complete(s == Interpreter.DONE ? result() : null, s == Interpreter.FAILED ? error
                    : s == Interpreter.DONE ? null : new ErrorValue("Cancelled", "the async call was terminated"));
            if (s == Interpreter.TERMINATED) {
                unit.block.unitTerminated(this);
            } else {
                unit.block.unitFinished(this, null);
            }
        } else {
            BlockRun block = unit.block;
            if (unit.heldPermit) {
                block.releasePermit();
            }
            if (s == Interpreter.TERMINATED) {
                block.unitTerminated(this);
            } else if (s == Interpreter.FAILED) {
                block.unitFinished(this, error);
            } else if (countsAsTask) {
                block.unitFinished(this, null);
            } else {
                block.chunkFinished(this);
            }
        }
    }

    /** The outcome of the flight recorder's TaskEnd for a task that ended with interpreter status {@code s}. */
    private String outcome(int s) {
        return s == Interpreter.DONE ? "ok"
                : s == Interpreter.TERMINATED ? "terminated"
                : error == null ? "Error"
                : error.kind.equals("Cancelled") ? "cancelled" : error.kind;
    }

    /** A host's load returned: its entry keeps the top level's variables and the cells it still holds. */
    private void keepGlobals() {
        int[] regs = closure.proto.globalRegs;
        Object[] values = new Object[regs.length];
        for (int i = 0; i < regs.length; i++) {
            values[i] = get(regs[i]);
        }
        entry.keep(values, cells == null ? java.util.List.of() : cells);
        cells = null;
    }

    /**
     * Makes this context, whose host call ended on the host's thread, the task of
     * {@code next} calling {@code fn}: same registers, frames from scratch. False when it
     * cannot be (it ran on a carrier, or the function needs more registers than it has).
     */
    boolean restart(Entry next, Closure fn, Object[] args) {
        if (closed || id() != 0 || !hostEntry || status < 0 || fn.proto.maxRegs > shadows[0].length) {
            return false;
        }
        if (lpTrap() != 0) {
            clearTrap(TRAP_CANCEL | TRAP_TIME_SLICE | TRAP_TERMINATE | TRAP_CHECK);
        }
        // References stored only when they change: a non-null reference stored into this
        // long-lived context costs a fence in the GC's write barrier when it points to another
        // region (see docs/design.md, "A host's call stores no references"), and a host's calls
        // usually reuse the same entry, function and registers. Storing null costs no fence.
        if (entry != next) {
            entry = next;
        }
        next.setTaskIfOther(this);
        segment = 0;
        if (regs != segments[0]) {
            regs = segments[0];
            regsAddress = regs.address();
            refs = shadows[0];
        }
        base = 0;
        depth = 0;
        pc = 0;
        if (closure != fn) {
            closure = fn;
        }
        error = null;
        resultTag = Tag.NIL;
        resultRef = null;
        status = -1;
        random = null;
        hostCall = null;
        Proto p = fn.proto;
        fuel -= p.code.length; // the fuel left by the previous call, if any
        for (int i = 0; i < args.length; i++) {
            set(i, args[i]);
        }
        for (int i = args.length; i < p.numParams; i++) {
            sp(this, i, Tag.ABSENT, 0);
        }
        return true;
    }

    /** Returns the registers of a host call's context that ended on the host's thread and will not be reused. */
    void closeIfIdle() {
        if (hostEntry && id() == 0 && status >= 0) {
            close();
        }
    }

    /** The {@link #outerDepth} of a task this task starts now: one frame above its current one. */
    int startDepth() {
        return outerDepth + depth + 1;
    }

    /** Counted live when spawned; called by whoever spawns it, just before {@code Scheduler.spawn}. */
    void countLive() {
        engine.liveTasks.increment();
    }

    /** Records a reservation of {@code cell} that ends with this task. */
    void hold(OffHeapAtomic cell) {
        if (cells == null) {
            cells = new ArrayList<>();
        }
        cells.add(cell);
    }

    /** Releases this task's reservation of {@code cell} if it holds one (its scope ended). */
    void releaseHeld(OffHeapAtomic cell) {
        if (cells != null) {
            for (int i = cells.size() - 1; i >= 0; i--) {
                if (cells.get(i) == cell) {
                    cells.remove(i);
                    cell.release();
                    return;
                }
            }
        }
    }

    private void releaseCells() {
        if (cells != null) {
            for (OffHeapAtomic c : cells) {
                c.release();
            }
            cells = null;
        }
    }

    /** The program run this task belongs to (null for a standalone context). */
    public ProgramRun programRun() {
        return run;
    }

    /** How the task ended: an {@link Interpreter} status, or -1 while it runs. */
    public int status() {
        return status;
    }

    /** The unit number within its block (1, 2, ...; in a task family, the task running now), 0 for the main task. */
    public int unitNumber() {
        return unit == null ? 0 : unit.number();
    }

    /** SPEC §6.2: which run of the current unit this is (1 = first); always 1 for the main task. */
    int attempt() {
        return unit == null ? 1 : unit.attempt;
    }

    /** "main" or "task 3" / "worker 2", as deadlock diagnostics name it. */
    public String shortName() {
        return unit == null ? "main" : unit.shortName();
    }

    /** The source line of the instruction the task stopped at, as {@code file:line}. */
    public String location() {
        Closure c = closure;
        if (c == null) {
            return "";
        }
        Proto p = c.proto;
        int at = Math.max(0, Math.min(pc, p.lines.length - 1));
        return p.lines.length == 0 ? p.source.name() : p.source.name() + ":" + p.lines[at];
    }

    /** The error that ended the task (status {@link Interpreter#FAILED}), else null. */
    public ErrorValue error() {
        return error;
    }

    /** "main task", or e.g. {@code task 3 (i = 3) of concurrent block at f.lm:2:1}. */
    @Override
    public String description() {
        return entry != null ? entry.description() : unit == null ? description : unit.description(closure.proto);
    }

    /** Who owns a variable this task created, for a SharedWrite message read from another task: no item, no number. */
    String describeOwner() {
        return unit == null ? "the main task" : unit.owner();
    }

    /** Whether the task has ended and returned its registers. */
    boolean isClosed() {
        return closed;
    }

    /** Returns every register segment and the fuel it holds; idempotent. The task must not run afterwards. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        dropFuel();
        for (int i = 0; i < segments.length; i++) {
            if (segments[i] != null) {
                engine.registers.free(segments[i]);
                segments[i] = null;
                shadows[i] = null;
            }
        }
        regs = null;
        regsAddress = 0;
        refs = null;
    }

    // ------------------------------------------------------------------ values

    /** Register {@code abs} (an absolute index in the current segment) in object form. */
    public Object get(int abs) {
        return Values.box(lpTag(this, abs), lpPayload(this, abs), refs[abs]);
    }

    public void set(int abs, Object v) {
        byte tag = Values.tagOf(v);
        sp(this, abs, tag, Values.payloadOf(v));
        refs[abs] = tag == Tag.REF ? v : null;
    }

    /** Register {@code abs} := the int {@code v}, unboxed. */
    void setInt(int abs, long v) {
        sp(this, abs, Tag.INT, v);
        refs[abs] = null;
    }

    // ------------------------------------------------------------------ calls

    /** The raw address of the current frame's first register. */
    long frameAddress() {
        return frameAddress(base);
    }

    /** The address of register 0 of a frame at {@code base} of the current segment. */
    long frameAddress(int base) {
        return regsAddress + base * REGISTER_BYTES;
    }

    /**
     * Calls the value in register {@code base + a} with the {@code argc} arguments after it.
     * A closure gets a new frame whose window starts at the first argument; a builtin runs
     * at once. Raises before changing any state, so the error belongs to the caller's pc.
     * This is the fast path: a closure given all its parameters, with room for its frame
     * record and its window in the current segment.
     *
     * @return the pc to continue at
     */
    int call(int a, int argc, int retPc) {
        int fn = base + a;
        Object callee = refs[fn];
        int d = depth;
        // R[fn] lies inside the caller's window, which was checked when the caller was entered
        if (lpTagAt(this, regsAddress + fn * REGISTER_BYTES) == Tag.REF && callee instanceof Closure c
                && argc == c.proto.numParams && !c.proto.async && d < frameLimit && fn + 1 + c.proto.maxRegs <= refs.length) {
            fPc[d] = retPc;
            fBase[d] = base;
            fSegment[d] = segment;
            fRet[d] = fn;
            fClosure[d] = closure;
            depth = d + 1;
            base = fn + 1;
            closure = c;
            return 0;
        }
        return callSlow(fn, argc, retPc);
    }

    /**
     * A compiled call's fast path for a function with a {@code return err(...)}, which reads its
     * caller's frame record: when {@link #enterFast} enters R[fn]'s closure, makes it current
     * too and writes the caller's record, as {@link #call} does, and returns the closure; its arguments are the compiled
     * caller's to pass. Otherwise changes nothing and returns null: the caller takes the generic
     * path. The caller's frame is current when this is called (compiled code makes it so first).
     */
    Closure callFast(int d, int fn, Proto p, int retPc) {
        int callerBase = base;
        Closure caller = closure;
        Closure c = enterFast(d, fn, p);
        if (c == null) {
            return null;
        }
        if (closure != c) {
            closure = c;
        }
        recordFast(d, retPc, callerBase, segment, fn, caller);
        return c;
    }

    /** Register segment {@code i} of this task's chain, or null (checked mode's look at a caller's window). */
    MemorySegment segmentAt(int i) {
        return i >= 0 && i < segments.length ? segments[i] : null;
    }

    /** The index of the register segment the current frame's window lies in. */
    int segmentIndex() {
        return segment;
    }

    /**
     * The check of a compiled call's fast path: the closure in absolute register {@code fn}
     * when it is a closure of {@code p} (called with all its parameters, which compiled code
     * checked) and its frame fits without growing the frame records or leaving the register
     * segment; else null, and the caller takes the generic path, which raises StackOverflow
     * past {@link #maxDepth} and grows what must grow. The caller, at depth {@code d}, passes
     * its depth and R[A] from its own locals.
     *
     * <p>Entering writes the task's depth and base, which the callee's fast entry reads, and
     * nothing else: the closure stays what it was (the fast entry gets its own as an argument),
     * and nothing is written back when the callee returns. Compiled code makes its frame
     * current ({@link #frameCurrent}) before anything that reads them; its caller's frame record is
     * written only if the callee does not return in the JVM ({@link #recordFast}): by the
     * compiled caller, which holds what it records in JVM locals, when the callee leaves the
     * task to the interpreter or throws. Nothing reads a record of a running frame but a
     * {@code return err(...)} ({@link #placeAtCallSite}; a function that has one records
     * eagerly, {@link #callFast}) and a task dump's racy look at a running task.
     */
    Closure enterFast(int d, int fn, Proto p) {
        // R[fn] is in the caller's window, by its own base: read without checked mode's look at
        // the task's current frame, which the caller has not made current
        return RegisterFile.lpTagAt(regsAddress + fn * REGISTER_BYTES) == Tag.REF ? enterFast(refs[fn], fn, p, d) : null;
    }

    /**
     * {@link #enterFast} of the closure in captured variable {@code b} of {@code caller}, which
     * compiled code has not written to R[fn]: a GETUPVAL just before the call left it in its
     * box ({@code TierCompiler.lazyCallees}). R[fn] is not read by the callee, nor by the caller
     * after the call, which overwrites it with the result.
     */
    Closure enterFastFromUpval(int d, int fn, Proto p, int b, Closure caller) {
        Box bx = caller.upvals[b];
        if (bx.tag != Tag.REF) {
            return null;
        }
        Object callee = bx.ref;
        if (callee == caller && caller.proto == p) {
            // a recursion: the callee is of p already (a known site of another function whose
            // variable now holds the caller is not one: the caller's function is not p there)
            return enter(d, fn, p) ? caller : null;
        }
        return enterFast(callee, fn, p, d);
    }

    /**
     * A self call through the caller's own declaration variable ({@link Proto#selfUpval}): its
     * box holds {@code caller} for as long as {@code caller} runs, so only the frame is checked.
     */
    Closure enterFastSelf(int d, int fn, Proto p, Closure caller) {
        return enter(d, fn, p) ? caller : null;
    }

    /**
     * {@link #enterFast} of the value of the box in absolute register {@code boxAt} (a GETBOX the
     * compiled caller left to the call, as {@link #enterFastFromUpval} does a GETUPVAL).
     */
    Closure enterFastFromBox(int d, int fn, Proto p, int boxAt) {
        Box bx = (Box) refs[boxAt];
        return bx.tag == Tag.REF ? enterFast(bx.ref, fn, p, d) : null;
    }

    private Closure enterFast(Object callee, int fn, Proto p, int d) {
        return callee instanceof Closure c && c.proto == p && enter(d, fn, p) ? c : null;
    }

    /** When a frame of {@code p} at {@code fn + 1}, one deeper than {@code d}, fits the frame records and the segment: enters it (depth and base). */
    private boolean enter(int d, int fn, Proto p) {
        if (d < frameLimit && fn + 1 + p.maxRegs <= refs.length) {
            depth = d + 1;
            base = fn + 1;
            return true;
        }
        return false;
    }

    /** Writes the frame record at depth {@code d} of a frame entered by {@link #enterFast}, as {@link #call} would have. */
    void recordFast(int d, int retPc, int callerBase, int callerSegment, int fn, Closure caller) {
        fPc[d] = retPc;
        fBase[d] = callerBase;
        fSegment[d] = callerSegment;
        fRet[d] = fn;
        fClosure[d] = caller;
    }

    /**
     * Compiled code makes its frame current: at depth {@code d}, window at {@code b}, running
     * {@code c} (the register segment does not change along fast calls). A frame entered by
     * {@link #enterFast}, and one whose fast callee returned, run with another frame's there.
     */
    void frameCurrent(int d, int b, Closure c) {
        depth = d;
        base = b;
        if (closure != c) {
            closure = c; // most often the same closure: no store, and no GC barrier
        }
    }

    /** What the task's function returned, boxed now (nil until it returned a value). */
    Object result() {
        return Values.box(resultTag, resultPayload, resultRef);
    }

    /** A frame entered by {@link #enterFast} returns register {@code src} (absolute; -1: nil) through the window: kept for {@link #takeResult}. */
    void stashResult(int src) {
        if (src < 0) {
            fastTag = Tag.NIL;
            fastPay = 0;
            fastRef = null;
        } else {
            fastTag = lpTag(this, src);
            fastPay = lpPayload(this, src);
            fastRef = fastTag == Tag.REF ? refs[src] : null;
        }
    }

    /** The caller of {@link #stashResult}'s frame, current again ({@link #frameCurrent}), takes its result into register {@code dst} (absolute). */
    void takeResult(int dst) {
        sp(this, dst, fastTag, fastPay);
        if (fastTag == Tag.REF) {
            refs[dst] = fastRef;
            fastRef = null;
        }
    }

    /**
     * A frame entered by {@link #callFast} returns a value its compiled caller receives in the
     * JVM: pops it as {@link #ret} does, writing no register.
     */
    void popFast() {
        int d = depth - 1;
        depth = d;
        int b = fSegment[d];
        if (b != segment) {
            segment = b;
            regs = segments[b];
            regsAddress = regs.address();
            refs = shadows[b];
        }
        base = fBase[d];
        Closure back = fClosure[d];
        if (closure != back) {
            closure = back;
        }
        fClosure[d] = null;
        if (CheckedMode.ENABLED) {
            checkedPc = fPc[d] - 1;
        }
    }

    /** {@link #call} for builtins, errors, missing arguments, frame growth and segment changes. */
    private int callSlow(int fn, int argc, int retPc) {
        Object callee = lpTag(this, fn) == Tag.REF ? refs[fn] : null;
        if (!(callee instanceof Closure c)) {
            if (callee instanceof Builtin bi) {
                bi.checkArity(argc);
                pc = retPc - 1; // a builtin that waits (sleep) retries this CALL when resumed
                set(fn, bi.invoke(this, fn + 1, argc));
                return retPc;
            }
            if (callee instanceof HostFn h) {
                pc = retPc - 1; // a blocking one retries this CALL when resumed
                set(fn, HostCalls.invoke(this, h, fn + 1, argc));
                return retPc;
            }
            throw LimnError.typeMismatch("cannot call " + Values.typeNameOfTag(lpTag(this, fn), callee));
        }
        Proto p = c.proto;
        if (argc < p.minArgs || argc > p.numParams) {
            throw arityMismatch(p, argc);
        }
        if (outerDepth + depth >= maxDepth) {
            throw new LimnError("StackOverflow", "call depth exceeded " + maxDepth);
        }
        if (p.async) {
            set(fn, Futures.callAsync(this, c, fn + 1, argc));
            return retPc;
        }
        if (depth == fPc.length) {
            growFrames();
        }
        int d = depth;
        fPc[d] = retPc;
        fBase[d] = base;
        fSegment[d] = segment;
        fRet[d] = fn;
        fClosure[d] = closure;
        depth = d + 1;
        int nb = fn + 1;
        if (nb + p.maxRegs > refs.length && nb + p.maxRegs <= RegisterFile.capacity(regs)) {
            growShadow(nb + p.maxRegs); // the register segment has room; only its shadow is short
        }
        if (nb + p.maxRegs > refs.length) {
            nb = nextSegment(nb, argc);
        }
        base = nb;
        closure = c;
        for (int i = argc; i < p.numParams; i++) {
            sp(this, nb + i, Tag.ABSENT, 0);
        }
        return 0;
    }

    /** The error of a call of {@code p} with {@code argc} arguments, which it does not take. */
    static LimnError arityMismatch(Proto p, int argc) {
        return new LimnError("ArityMismatch", "fn " + p.displayName() + " expects " + p.numParams
                + (p.numParams == 1 ? " argument" : " arguments") + ", got " + argc);
    }

    /** Moves to the next segment (allocating it the first time), copying the arguments to its start. */
    private int nextSegment(int from, int argc) {
        if (CheckedMode.ENABLED && argc > 0) {
            // the arguments are read from the caller's window (a window is contiguous: its ends suffice)
            Registers.check(this, from);
            Registers.check(this, from + argc - 1);
        }
        MemorySegment old = regs;
        Object[] oldRefs = refs;
        segment++;
        if (segment == segments.length) {
            segments = java.util.Arrays.copyOf(segments, segment * 2);
            shadows = java.util.Arrays.copyOf(shadows, segment * 2);
        }
        if (segments[segment] == null) {
            // chained segments are full-size: a call that left the first segment is a deep one
            segments[segment] = engine.registers.allocate();
            shadows[segment] = new Object[RegisterFile.capacity(segments[segment])];
        }
        regs = segments[segment];
        regsAddress = regs.address();
        refs = shadows[segment];
        // arguments 0..argc-1 of the callee's window, which begins the block; checked by the segment's bounds
        for (int i = 0; i < argc; i++) {
            RegisterFile.sp(regs, i, RegisterFile.lpTag(old, from + i), RegisterFile.lpPayload(old, from + i));
            refs[i] = oldRefs[from + i];
        }
        return 0;
    }

    /** Grows the current segment's reference shadow to at least {@code size} slots (at most the segment's registers). */
    private void growShadow(int size) {
        int n = Math.min(RegisterFile.capacity(regs), Math.max(size, refs.length * 2));
        refs = java.util.Arrays.copyOf(refs, n);
        shadows[segment] = refs;
    }

    private void growFrames() {
        int n = fPc.length * 2;
        fPc = java.util.Arrays.copyOf(fPc, n);
        fBase = java.util.Arrays.copyOf(fBase, n);
        fSegment = java.util.Arrays.copyOf(fSegment, n);
        fRet = java.util.Arrays.copyOf(fRet, n);
        fClosure = java.util.Arrays.copyOf(fClosure, n);
        frameLimit = Math.min(maxDepth - outerDepth, n);
    }

    /**
     * Returns the value of register {@code src} (absolute, or -1 for nil) to the caller.
     *
     * @return the caller's pc, or -1 when the task's outermost frame returned
     */
    int ret(int src) {
        int d = depth - 1;
        if (d < 0) {
            if (src >= 0 && (unit == null || unit.future != null)) {
                long r = regsAddress + src * REGISTER_BYTES;
                resultTag = lpTagAt(this, r);
                resultPayload = lpPayloadAt(this, r);
                if (resultTag == Tag.REF) {
                    resultRef = refs[src];
                }
            }
            return -1;
        }
        byte tag = Tag.NIL;
        long pay = 0;
        Object ref = null;
        if (src >= 0) {
            // src lies inside the returning frame's window, dst inside the caller's
            long r = regsAddress + src * REGISTER_BYTES;
            tag = lpTagAt(this, r);
            pay = lpPayloadAt(this, r);
            if (tag == Tag.REF) {
                ref = refs[src];
            }
        }
        depth = d;
        int b = fSegment[d];
        if (b != segment) {
            segment = b;
            regs = segments[b];
            regsAddress = regs.address();
            refs = shadows[b];
        }
        base = fBase[d];
        closure = fClosure[d];
        fClosure[d] = null;
        if (CheckedMode.ENABLED) {
            checkedPc = fPc[d] - 1; // the caller's CALL, which the result register belongs to
        }
        int dst = fRet[d];
        spAt(this, regsAddress + dst * REGISTER_BYTES, tag, pay);
        if (tag == Tag.REF) {
            refs[dst] = ref;
        }
        return fPc[d];
    }

    /**
     * Finds the handler of a raise at {@code faultPc}, walking frames outward; stores the
     * error in the handler's register.
     *
     * @return the handler pc, or -1 when no frame handles it (the task fails)
     */
    int unwind(ErrorValue err, int faultPc) {
        err.placeIfAbsent(closure.proto.source, closure.proto.spanAt(faultPc));
        if (err.task() == null) {
            err.taskIfAbsent(description());
        }
        // out of memory for good: no handler runs, every raise ends its task
        boolean handlers = run == null || run.outOfMemory() == null;
        int[] reg = new int[1];
        int at = faultPc;
        for (;;) {
            int h = handlers ? closure.proto.handlerFor(at, reg) : -1;
            if (h >= 0) {
                if (CheckedMode.ENABLED) {
                    checkedPc = at;
                }
                set(base + reg[0], err);
                if (err.kind.equals(OUT_OF_MEMORY)) {
                    recoverMemory(base + reg[0] + 1);
                }
                return h;
            }
            if (depth == 0) {
                error = err;
                return -1;
            }
            at = ret(-1) - 1;
        }
    }

    /**
     * The heap ran out at {@code faultPc} (the dispatch loop's catch). With the scheduler's
     * reserve held, the reserve is freed and OutOfMemory is raised like any error, so a handler
     * may catch it. With the reserve spent (the memory did not come back after an earlier
     * OutOfMemory), the program is out of memory for good ({@link ProgramRun#outOfMemory}):
     * the task fails at once, no handler runs.
     *
     * @return the handler pc, or -1 when the task fails
     */
    int outOfMemory(int faultPc) {
        if (engine.scheduler.releaseReserve()) {
            return unwind(outOfMemoryError(faultPc, false), faultPc);
        }
        error = outOfMemoryError(faultPc, true);
        return -1;
    }

    /**
     * The OutOfMemory error of a fault at {@code at}, placed there and named for this task;
     * {@code forGood}: the program is out of memory for good, which its run learns now. Throws
     * nothing in a program's run: when not even the error can be allocated, it is the run's,
     * allocated up front.
     */
    private ErrorValue outOfMemoryError(int at, boolean forGood) {
        ranOutOfMemory = true;
        ErrorValue err;
        try {
            err = new ErrorValue(OUT_OF_MEMORY, "the program ran out of memory");
            err.placeIfAbsent(closure.proto.source, closure.proto.spanAt(Math.max(0, at)));
            err.taskIfAbsent(description());
        } catch (OutOfMemoryError | LinkageError none) {
            // LinkageError: the string concatenation of a description, linked for the first time now
            if (run == null) {
                throw none;
            }
            engine.scheduler.releaseReserve();
            err = run.outOfMemoryFallback(closure.proto.source, spanOrWhole(at));
            forGood = true;
        }
        if (run != null) {
            run.ranOutOfMemory(err);
            if (forGood) {
                run.outOfMemory(err);
            }
        }
        return err;
    }

    /** The span of the instruction at {@code at}, or when even that cannot be allocated, the function's. */
    private Span spanOrWhole(int at) {
        try {
            return closure.proto.spanAt(Math.max(0, at));
        } catch (OutOfMemoryError none) {
            return closure.proto.span;
        }
    }

    /**
     * An OutOfMemory error reached a handler whose error register is {@code from - 1}: the
     * registers above it are dead there (the guarded code's and those of the calls it made), so
     * their references are dropped, and what they alone held can be collected; then the
     * scheduler's reserve is allocated again if the memory is back. If it is not (the program
     * still holds it), the reserve stays spent and the next exhaustion ends the program.
     */
    private void recoverMemory(int from) {
        Object[] r = refs;
        for (int i = from; i < r.length; i++) {
            if (r[i] != null) {
                r[i] = null;
                RegisterFile.sp(regs, i, Tag.NIL, 0);
            }
        }
        for (int s = segment + 1; s < shadows.length; s++) {
            if (shadows[s] != null) {
                java.util.Arrays.fill(shadows[s], null); // a later segment's registers are all dead
            }
        }
        engine.scheduler.armReserve();
    }

    /** Places {@code err} (unless it has a place) at the call that entered the current function. */
    void placeAtCallSite(ErrorValue err) {
        if (depth > 0) {
            Proto caller = fClosure[depth - 1].proto;
            err.placeIfAbsent(caller.source, caller.spanAt(fPc[depth - 1] - 1));
        }
    }

    /** Acts on the trap bits; returns the interpreter status to leave with, or -1 to go on. Saves nothing: the caller saved pc. */
    /** The fuel this task holds of its run's budget (0 without one). */
    long heldFuel() {
        return run != null && run.budget != null ? fuel : 0;
    }

    /** Gives the fuel this task holds back to its run's budget. */
    void dropFuel() {
        if (run != null && run.budget != null) {
            run.budget.giveBack(fuel);
            fuelMark -= fuel; // what was used still counts for a deterministic run's clock
            fuel = 0;
        }
    }

    /**
     * A safepoint found the fuel spent or the trap set: refills the fuel (BudgetExceeded when the
     * budget is spent), then acts on the trap as {@link #onTrap} does.
     */
    int onSafepoint() {
        if (fuel < 0) {
            long overdraft = fuel;
            fuel = 0; // refill charges it, whether it grants more or raises BudgetExceeded
            if (run != null && run.deterministic) {
                // a deterministic run's time slice: counted in instructions, and virtual time moves by them
                run.scheduler.elapse(fuelMark - overdraft);
                orTrap(TRAP_TIME_SLICE);
            }
            fuel = run != null && run.budget != null ? run.budget.refill(overdraft) : initialFuel(run);
            fuelMark = fuel;
        }
        return lpTrap() != 0 ? onTrap() : -1;
    }

    /**
     * The fuel of a task of {@code run} that holds none yet: none with a budget (it is prepaid
     * from the budget at the first safepoint), a time slice in a deterministic run, else more
     * than any task runs.
     */
    private static long initialFuel(ProgramRun run) {
        return run != null && run.budget != null ? 0 : run != null && run.deterministic ? SLICE_INSTRUCTIONS : Budget.UNLIMITED;
    }

    /** The time slice of a task in a deterministic run, in instructions counted as the budget counts them. */
    static final long SLICE_INSTRUCTIONS = 4096;

    int onTrap() {
        int bits = lvTrap();
        if ((bits & TRAP_CHECK) != 0) {
            clearTrap(TRAP_CHECK);
            if (entry != null) {
                entry.checkStop(); // may set CANCEL or TERMINATE on this task
            }
            bits = lvTrap();
        }
        if ((bits & TRAP_TERMINATE) != 0) {
            return Interpreter.TERMINATED;
        }
        if ((bits & TRAP_CANCEL) != 0) {
            clearTrap(TRAP_CANCEL);
            throw new LimnError("Cancelled", "the task was cancelled");
        }
        if ((bits & TRAP_TIME_SLICE) != 0) {
            clearTrap(TRAP_TIME_SLICE);
            return Interpreter.SUSPENDED;
        }
        return -1;
    }
}
