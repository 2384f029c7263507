package dev.limn.vm;

import dev.limn.block.BlockConfig;
import dev.limn.block.BlockRun;
import dev.limn.block.BlockSpec;
import dev.limn.text.Span;
import dev.limn.value.ErrorValue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;

/**
 * One entry into a program from outside it: its top level ({@code limn run}, or a host's
 * load), or a host's call of one of its functions. The entry's task is a {@link TaskContext}
 * without a unit; the entry is complete when that task has ended and every async call it made
 * outside a block has ended too (SPEC §7: they belong to the entry's scope, as a block's
 * belong to the block).
 *
 * <p>The outcome ({@link #status}, {@link #error}, {@link #result}) is written before the
 * entry completes and read after: {@link #isComplete} is the volatile flag between them. A
 * host's synchronous call that never suspends completes on the host's own thread without ever
 * creating {@link #completion}.
 */
public final class Entry {
    final ProgramRun run;
    /** How errors name the entry's task: "main task", or "call of " and the function's name. */
    private final String description;
    /** The function a host's call calls, named in {@link #description()}; null for a top level. */
    private Proto callee;

    private int status = -1;
    private ErrorValue error;
    // The result, unboxed as the task left it (TaskContext.result): an int result stores no
    // reference into this reused entry, whose write barrier could cost a fence.
    private byte resultTag = Tag.NIL;
    private long resultPayload;
    private Object resultRef;
    /** Written once the outcome is: stored, then {@link #completion} read (see {@link #markComplete}). */
    private volatile boolean complete;
    /**
     * Created and read by the entry's task only, which also ends it; published under this
     * entry's lock for {@link #cancel} from other threads.
     */
    private BlockRun topScope;
    private boolean taskEnded;
    /** Created at most once, by whoever first waits; stored, then {@link #complete} read. */
    private volatile CompletableFuture<Entry> completion;
    /** Why the host stopped the entry ("Timeout", "Cancelled", "Closed"), or null: see {@link #stop}. */
    private volatile String stopReason;

    // A host's call: written by the calling thread before it publishes the call, read by the
    // entry's task when the watchdog nudges it ({@link #nudge}, {@link #checkStop}).
    /** The thread that made the call, whose interrupt stops it; null when none waits for it. */
    private Thread caller;
    /** When the call times out ({@link System#nanoTime}), or 0 for never. */
    private long deadline;
    /** When {@link #checkStop} first found the entry stopped and still running, or 0. */
    private long stoppedAt;
    /** The entry's task, once started: stored with release ({@link #setTask}), read with acquire by {@link #cancel}. */
    private TaskContext task;
    /** A top level whose variables the host reads afterwards: {@link #globals} is filled when it returns. */
    private final boolean keepsGlobals;
    /** The top level's variables as it left them (a value, or the {@link Box} of a captured one); see {@link Proto#globalNames}. */
    private Object[] globals;
    /** The off-heap atomic cells the top level held when it returned: the host reads their variables afterwards. */
    private java.util.List<OffHeapAtomic> keptCells;

    private static final VarHandle TASK;
    private static final VarHandle STOP_REASON;
    private static final VarHandle COMPLETE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TASK = lookup.findVarHandle(Entry.class, "task", TaskContext.class);
            STOP_REASON = lookup.findVarHandle(Entry.class, "stopReason", String.class);
            COMPLETE = lookup.findVarHandle(Entry.class, "complete", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public Entry(ProgramRun run, String description) {
        this(run, description, false);
    }

    /** A host's call of {@code fn}: described as "call of" its name, built only when an error or a deadlock names it. */
    public Entry(ProgramRun run, Closure fn) {
        this.run = run;
        this.description = null;
        this.callee = fn.proto;
        this.keepsGlobals = false;
    }

    /** @param keepsGlobals a top level whose variables outlive it (a host's load) */
    public Entry(ProgramRun run, String description, boolean keepsGlobals) {
        this.run = run;
        this.description = description;
        this.callee = null;
        this.keepsGlobals = keepsGlobals;
    }

    /** "main task", or "call of on_tick". */
    public String description() {
        return callee == null ? description : "call of " + callee.displayName();
    }

    /** How long stopped code may run on before it is terminated: half a second. */
    public static final long STOP_GRACE_NANOS = 500_000_000L;

    /**
     * The host thread {@code caller} waits for this entry, which times out at {@code deadline}
     * (0: never); call before the entry is published to the watchdog.
     */
    public void watchedBy(Thread caller, long deadline) {
        if (this.caller != caller) {
            this.caller = caller; // a reused entry's caller is usually the same thread: no store, no write barrier
        }
        this.deadline = deadline;
    }

    /**
     * Makes this complete entry a host's call of {@code fn}, so that the next call allocates
     * nothing: possible when nothing else holds it (no one waited for its completion, it made
     * no async calls). A watchdog that read it during the previous call only nudges its task
     * ({@link #nudge}), which is harmless at any time; {@code stop} is used only by the call's
     * own thread and by a runtime's close. False when it cannot be reused.
     */
    public boolean reuse(Closure fn) {
        if (!complete || completion != null || topScope != null || keepsGlobals) {
            return false;
        }
        if (callee != fn.proto) {
            callee = fn.proto;
        }
        status = -1;
        error = null;
        resultTag = Tag.NIL;
        resultRef = null;
        taskEnded = false;
        stoppedAt = 0;
        STOP_REASON.setRelease(this, (String) null);
        COMPLETE.setRelease(this, false); // published with the call itself, by a volatile store after this
        return true;
    }

    /** Asks the entry's task to look, at its next safepoint, whether its call must stop ({@link #checkStop}). */
    public void nudge() {
        TaskContext t = (TaskContext) TASK.getAcquire(this);
        if (t != null) {
            t.orTrap(dev.limn.sched.Fiber.TRAP_CHECK);
        }
    }

    /**
     * Whether {@link #checkStop} would act now: the caller was interrupted, the deadline passed,
     * or the call was stopped and has not completed. The watchdog asks before it nudges, so that
     * a call that runs on undisturbed never leaves its compiled code for the check (a nudge sends
     * the task to its slow path at its next safepoint: one every 2 ms made the JIT compile that
     * path into the compiled code of a host's call, which then ran 20% slower, docs/design.md).
     * Any thread may ask; a stale answer costs one look's delay (2 ms).
     */
    public boolean needsCheck() {
        return stopReason != null ? !complete : stopDue() != null;
    }

    /** Why the call must stop now, not stopped yet: "Cancelled" (its caller was interrupted), "Timeout" (its deadline passed), else null. */
    private String stopDue() {
        Thread c = caller;
        if (c != null && c.isInterrupted()) {
            return "Cancelled";
        }
        return deadline != 0 && System.nanoTime() - deadline > 0 ? "Timeout" : null;
    }

    /**
     * The entry's task, nudged: stops the call (raising Cancelled at once) if its caller was
     * interrupted or its deadline passed, and terminates it if it was stopped more than
     * {@link #STOP_GRACE_NANOS} ago and still runs.
     */
    void checkStop() {
        if (stopReason == null) {
            String why = stopDue();
            if (why != null) {
                stop(why);
            }
        } else if (!complete) {
            long now = System.nanoTime();
            if (stoppedAt == 0) {
                stoppedAt = now;
            } else if (now - stoppedAt > STOP_GRACE_NANOS) {
                cancel(true);
            }
        }
    }

    /**
     * {@code t} is the entry's task. A release store: a host's stop that reads the entry before
     * it has its task misses it, and the watchdog stops it again at its next look.
     */
    void setTask(TaskContext t) {
        TASK.setRelease(this, t);
    }

    /** {@link #setTask}, skipped when {@code t} is the task already (a host's reused call: no store, no write barrier). */
    void setTaskIfOther(TaskContext t) {
        if (task != t) {
            TASK.setRelease(this, t);
        }
    }

    /** The entry's task, or null before it has one (an acquire read: any thread may ask). */
    TaskContext task() {
        return (TaskContext) TASK.getAcquire(this);
    }

    boolean keepsGlobals() {
        return keepsGlobals;
    }

    /** The task returned normally: keeps its top-level variables and the cells behind them. */
    void keep(Object[] values, java.util.List<OffHeapAtomic> cells) {
        globals = values;
        keptCells = cells;
    }

    /** The top level's variables after it returned, or null when it did not return normally. */
    public Object[] globals() {
        return globals;
    }

    /** Reads variable {@code v} of {@link #globals} as a program would: through its box, and loading an atomic. */
    public static Object read(Object v) {
        if (v instanceof Box b) {
            v = b.get();
        }
        return v instanceof AtomicValue a ? a.load() : v;
    }

    /** Releases the cells kept by {@link #keep}; their variables must not be used afterwards. Idempotent. */
    public void releaseKept() {
        java.util.List<OffHeapAtomic> cells;
        synchronized (this) {
            cells = keptCells;
            keptCells = null;
        }
        if (cells != null) {
            cells.forEach(OffHeapAtomic::release);
        }
    }

    /**
     * The host stops the entry for {@code reason} ("Timeout", "Cancelled", "Closed"): cancels
     * it now (the first reason is kept). The host terminates it after a grace if it is still
     * running then.
     */
    public void stop(String reason) {
        STOP_REASON.compareAndSet(this, (String) null, reason);
        cancel(false);
    }

    /** The reason given to {@link #stop}, or null. */
    public String stopReason() {
        return stopReason;
    }

    /**
     * Cancels the entry's work: its task raises Cancelled at its next safepoint, and its async
     * calls are cancelled. With {@code terminate}, its task stops at once (the grace is over).
     */
    public void cancel(boolean terminate) {
        TaskContext t = (TaskContext) TASK.getAcquire(this);
        if (t != null) {
            if (terminate) {
                t.terminate();
            } else {
                t.cancel();
            }
        }
        BlockRun scope;
        synchronized (this) {
            scope = topScope;
        }
        if (scope != null) {
            if (terminate) {
                scope.terminateUnits();
            } else {
                scope.cancelUnits();
            }
        }
    }

    /**
     * The scope of async calls made by the entry's task outside any block (SPEC §7): created at
     * the first one; the entry completes when they have ended.
     */
    synchronized BlockRun topScope() {
        if (topScope == null) {
            if (taskEnded) {
                throw new IllegalStateException("an async call after the entry's task ended");
            }
            topScope = new BlockRun(new BlockSpec(BlockConfig.defaults(Span.NONE), false, "the program"), null, null, null);
            run.liveBlocks.add(topScope, task);
        }
        return topScope;
    }

    /**
     * The entry's task ended with interpreter status {@code s}; its async calls end next, then
     * the entry completes. Runs on the task's thread, the only one that creates {@link #topScope}.
     * {@code onCallersThread}: a host's call ended on the thread that made it, which is the
     * only one that waits on {@link #completion} for it; the flag is then stored without a fence.
     */
    void taskFinished(int s, ErrorValue err, byte tag, long payload, Object ref, boolean onCallersThread) {
        status = s;
        error = err;
        resultTag = tag;
        resultPayload = payload;
        resultRef = ref; // null for an int result: no fence in the write barrier
        BlockRun scope = topScope;
        taskEnded = true;
        if (scope == null) {
            if (onCallersThread) {
                // the caller reads it next, on this thread; anyone else polls (LimnRuntime.close)
                COMPLETE.setRelease(this, true);
            } else {
                markComplete();
            }
            return;
        }
        if (s != Interpreter.DONE) {
            scope.cancelUnits(); // the task failed: its async calls are cancelled (SPEC §7)
        }
        scope.completion().whenDone(this::markComplete);
        scope.bodyEnded();
    }

    /**
     * Stores {@link #complete}, then reads {@link #completion}; {@link #completion()} stores
     * that, then reads this flag. Both are volatile, so at least one side completes the future
     * (twice is harmless), and a call that never waits costs no lock.
     */
    private void markComplete() {
        complete = true;
        CompletableFuture<Entry> c = completion;
        if (c != null) {
            c.complete(this);
        }
    }

    /** Whether the entry's task and its async calls have ended; then the outcome may be read. */
    public boolean isComplete() {
        return complete;
    }

    /** Completed with this entry once it is complete. */
    public CompletableFuture<Entry> completion() {
        CompletableFuture<Entry> c = completion;
        if (c == null) {
            synchronized (this) {
                c = completion;
                if (c == null) {
                    c = new CompletableFuture<>();
                    completion = c;
                }
            }
        }
        if (complete) {
            c.complete(this);
        }
        return c;
    }

    /** How the entry's task ended (an {@link Interpreter} status); valid once complete. */
    public int status() {
        return status;
    }

    /** The error that ended the task, or null. */
    public ErrorValue error() {
        return error;
    }

    /** What the task's function returned (nil for a top level), in the VM's value form. */
    public Object result() {
        return Values.box(resultTag, resultPayload, resultRef);
    }

    /** Once complete: the error of an async call of the task that failed and that nobody awaited, or null. */
    public ErrorValue unawaitedAsyncError() {
        BlockRun scope = topScope; // written by the task before the entry completed
        return scope == null ? null : scope.error();
    }
}
