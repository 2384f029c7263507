package dev.limn.vm;

import dev.limn.block.BlockConfig;
import dev.limn.block.BlockRun;
import dev.limn.block.BlockSpec;
import dev.limn.text.Span;
import dev.limn.value.ErrorValue;

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
    private final Proto callee;

    private int status = -1;
    private ErrorValue error;
    private Object result;
    private volatile boolean complete;
    /** Guarded by this. */
    private BlockRun topScope;
    private boolean taskEnded;
    private CompletableFuture<Entry> completion;
    /** Why the host stopped the entry ("Timeout", "Cancelled", "Closed"), or null: see {@link #stop}. */
    private volatile String stopReason;
    /** The entry's task, once started. */
    volatile TaskContext task;
    /** A top level whose variables the host reads afterwards: {@link #globals} is filled when it returns. */
    private final boolean keepsGlobals;
    /** The top level's variables as it left them (a value, or the {@link Box} of a captured one); see {@link Proto#globalNames}. */
    private Object[] globals;
    /** The off-heap atomic cells the top level held when it returned: the host reads their variables afterwards. */
    private java.util.List<OffHeapAtomic> keptCells;

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
        if (stopReason == null) {
            stopReason = reason;
        }
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
        TaskContext t = task;
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
        }
        return topScope;
    }

    /** The entry's task ended with interpreter status {@code s}; its async calls end next, then the entry completes. */
    void taskFinished(int s, ErrorValue err, Object value) {
        status = s;
        error = err;
        result = value;
        BlockRun scope;
        synchronized (this) {
            scope = topScope;
            taskEnded = true;
        }
        if (scope == null) {
            markComplete();
            return;
        }
        if (s != Interpreter.DONE) {
            scope.cancelUnits(); // the task failed: its async calls are cancelled (SPEC §7)
        }
        scope.completion().whenDone(this::markComplete);
        scope.bodyEnded();
    }

    private void markComplete() {
        CompletableFuture<Entry> c;
        synchronized (this) {
            complete = true;
            c = completion;
        }
        if (c != null) {
            c.complete(this);
        }
    }

    /** Whether the entry's task and its async calls have ended; then the outcome may be read. */
    public boolean isComplete() {
        return complete;
    }

    /** Completed with this entry once it is complete. */
    public synchronized CompletableFuture<Entry> completion() {
        if (completion == null) {
            completion = new CompletableFuture<>();
            if (complete) {
                completion.complete(this);
            }
        }
        return completion;
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
        return result;
    }

    /** Once complete: the error of an async call of the task that failed and that nobody awaited, or null. */
    public ErrorValue unawaitedAsyncError() {
        BlockRun scope;
        synchronized (this) {
            scope = topScope;
        }
        return scope == null ? null : scope.error();
    }
}
