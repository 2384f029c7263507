package dev.limn.api;

import dev.limn.sched.CallLock;
import dev.limn.value.ErrorValue;
import dev.limn.value.LimnError;
import dev.limn.vm.Closure;
import dev.limn.vm.Entry;
import dev.limn.vm.Interpreter;
import dev.limn.vm.ProgramRun;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A loaded program ({@link LimnRuntime#load}): its top level has run, and its top-level
 * variables and functions live on. {@link #get} reads a variable; {@link #call} calls a
 * top-level function, whose writes to top-level variables persist between calls.
 *
 * <h2>Threads</h2>
 * Calls on one instance from several threads are serialised in arrival order (a fair lock):
 * one runs at a time. A call runs on the calling thread until the Limn code first suspends (a
 * channel operation, {@code sleep}, a block, a blocking host function); it then goes on on the
 * runtime's carriers while the caller waits. A call that never suspends touches no other
 * thread. Interrupting the calling thread, a timeout, or closing the runtime cancels the Limn
 * code at its next safepoint (a loop's back edge, a call, a wait).
 *
 * <h2>Values</h2>
 * <table>
 *   <caption>Limn values in Java</caption>
 *   <tr><th>Limn</th><th>Java out</th><th>Java in (also accepted)</th></tr>
 *   <tr><td>int</td><td>Long</td><td>Integer, Short, Byte</td></tr>
 *   <tr><td>float</td><td>Double</td><td>Float</td></tr>
 *   <tr><td>bool</td><td>Boolean</td><td></td></tr>
 *   <tr><td>str</td><td>String</td><td></td></tr>
 *   <tr><td>nil</td><td>null</td><td></td></tr>
 *   <tr><td>list</td><td>List (a copy)</td><td>any List (copied)</td></tr>
 *   <tr><td>dict</td><td>LinkedHashMap (a copy)</td><td>any Map (copied)</td></tr>
 *   <tr><td>duration</td><td>java.time.Duration</td><td></td></tr>
 *   <tr><td>channel</td><td>LimnChannel</td><td></td></tr>
 *   <tr><td>fn</td><td>LimnFunction</td><td></td></tr>
 * </table>
 * Any other Limn value (a range, a future, an error) reaches Java as its printed form, a
 * String. Any other Java value passed in is an {@link IllegalArgumentException} naming its
 * type and position.
 */
public final class Instance implements AutoCloseable {
    final LimnRuntime runtime;
    final Program program;
    final ProgramRun run;
    /** The top level's variables (a value, or a box) by index; see {@code Proto.globalNames}. */
    private final Object[] globals;
    private final Map<String, Integer> index = new HashMap<>();
    /** Serialises calls in arrival order; not reentrant (a call from inside a call is nested, see {@link #invokeNested}). */
    private final CallLock calls = new CallLock();
    /**
     * The entry of the call or load running now, or of the last one (then complete), or null:
     * read by the runtime's watchdog, which nudges its task while it is not complete, and by
     * close, which stops it. It stays when a call ends: the next call usually reuses the same
     * entry ({@link #spare}) and then stores nothing here, as a reference stored into this
     * long-lived object may cost a fence in the GC's write barrier. A call stores it with
     * release semantics only: the fences of a call are its lock's (see {@link #onHostThread}).
     */
    volatile Entry current;
    /** The call or load whose host thread waits for it to end on the carriers, else null. */
    volatile Entry waiting;
    /** A load runs its top level on the host's thread (it holds no lock of this instance). */
    volatile boolean loading;
    /** What this instance keeps of its run, freed once by {@link #close}, the runtime's close or a cleaner. */
    private final Holdings holdings;
    /** Registered once the instance is loaded ({@link #keep}): frees {@link #holdings} when the host drops the instance. */
    private Cleaner.Cleanable cleanable;
    /** Guarded by {@link #calls}. */
    private boolean closed;
    /** The previous call's entry, if it can be reused ({@link Entry#reuse}); guarded by {@link #calls}. */
    private Entry spare;

    private static final VarHandle CURRENT;

    static {
        try {
            CURRENT = MethodHandles.lookup().findVarHandle(Instance.class, "current", Entry.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Its key among its runtime's instances. */
    final long id;

    Instance(LimnRuntime runtime, Program program, ProgramRun run, Object[] globals) {
        this.runtime = runtime;
        this.program = program;
        this.run = run;
        this.globals = globals;
        this.holdings = new Holdings(run);
        this.id = runtime.nextInstanceId();
        run.attachHost(this);
        String[] names = program == null ? new String[0] : program.main.globalNames;
        for (int i = 0; i < names.length; i++) {
            index.put(names[i], i);
        }
    }

    public Program program() {
        return program;
    }

    /**
     * The value of top-level variable {@code name} now (a copy, for a list or dict).
     *
     * @throws IllegalArgumentException if the program has no top-level variable of that name
     */
    public Object get(String name) {
        boolean locked = lockCalls();
        try {
            checkOpen();
            return Conversions.toJava(Entry.read(globals[slot(name)]), this);
        } finally {
            if (locked) {
                unlockCalls();
            }
        }
    }

    private int slot(String name) {
        Integer i = index.get(name);
        if (i == null) {
            throw new IllegalArgumentException("no top-level variable '" + name + "' in " + program.name());
        }
        return i;
    }

    /**
     * Calls top-level function {@code name} with {@code args}, with the runtime's default
     * timeout (none unless the builder set one).
     *
     * @return the function's result
     * @throws LimnException            with the Limn error that ended the call (ArityMismatch for a wrong argument count)
     * @throws IllegalArgumentException for an unknown name, a variable that is not a function, or an argument Limn has no value for
     * @throws IllegalStateException    if the runtime is closed, or closes while the call runs
     */
    public Object call(String name, Object... args) {
        return invoke(closure(name), args, runtime.defaultTimeoutNanos);
    }

    /** As {@link #call(String, Object...)}; after {@code timeout} the call ends with a LimnException of kind Timeout. */
    public Object call(Duration timeout, String name, Object... args) {
        return invoke(closure(name), args, nanos(timeout));
    }

    /**
     * The instructions this instance has run, its load and every call (see {@link
     * LimnRuntime.Builder#instructionBudget} for what is counted). Waits for a call running now.
     */
    public long instructionsUsed() {
        boolean locked = lockCalls();
        try {
            checkOpen();
            return run.instructionsUsed(holdings.context);
        } finally {
            if (locked) {
                unlockCalls();
            }
        }
    }

    /** Starts {@link #instructionsUsed} from 0 again, giving a spent budget back. Waits for a call running now. */
    public void resetInstructionsUsed() {
        boolean locked = lockCalls();
        try {
            checkOpen();
            run.resetInstructions(holdings.context);
        } finally {
            if (locked) {
                unlockCalls();
            }
        }
    }

    /** A handle on top-level function {@code name}, called without looking the name up again. */
    public LimnFunction function(String name) {
        return new LimnFunction(this, closure(name));
    }

    /**
     * Calls top-level function {@code name} on another thread, in turn with this instance's other
     * calls. {@code cancel(true)} on the future cancels the Limn task (at its next safepoint)
     * and frees its resources.
     */
    public CompletableFuture<Object> callAsync(String name, Object... args) {
        return invokeAsync(closure(name), args);
    }

    private Closure closure(String name) {
        Object v = Entry.read(globals[slot(name)]);
        if (!(v instanceof Closure c)) {
            throw new IllegalArgumentException("'" + name + "' in " + program.name() + " is not a function");
        }
        return c;
    }

    static long nanos(Duration timeout) {
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("a timeout must be positive, got " + timeout);
        }
        return timeout.toNanos();
    }

    // ------------------------------------------------------------------ calls

    /** Runs {@code fn} with {@code javaArgs} as the next call of this instance; {@code timeoutNanos} 0 for none. */
    Object invoke(Closure fn, Object[] javaArgs, long timeoutNanos) {
        // the VM reads the arguments before the call returns or moves off this thread: the
        // caller's array is used as it is unless a value needs converting
        Object[] args = javaArgs;
        for (int i = 0; i < args.length; i++) {
            Object v = javaArgs[i];
            Object converted = Conversions.argument(v, i + 1, fn);
            if (converted != v) {
                if (args == javaArgs) {
                    args = javaArgs.clone();
                }
                args[i] = converted;
            }
        }
        if (inOwnHostFunction()) {
            return invokeNested(fn, args, timeoutNanos);
        }
        calls.lock();
        Entry e = null;
        try {
            e = spare;
            if (e == null || !e.reuse(fn)) {
                e = new Entry(run, fn);
                spare = e;
            }
            begin(e, timeoutNanos);
            try {
                Object context = run.start(e, fn, args, true, holdings.context);
                if (context != holdings.context) {
                    holdings.context = context;
                }
            } catch (LimnError err) {
                throw LimnException.of(err.value);
            }
            if (!e.isComplete()) {
                waiting = e;
                run.hostCallEnded(); // this thread now only waits: a quiescence put off may go ahead
                awaitComplete(e, timeoutNanos);
            }
            return outcome(e);
        } finally {
            if (e != null && !e.isComplete()) {
                // it never ran (a closed runtime, a wrong argument count): not a call in progress
                CURRENT.setRelease(this, (Entry) null);
            }
            if (waiting != null) {
                waiting = null;
            }
            unlockCalls();
        }
    }

    /**
     * A call made by one of this instance's host functions, on whichever thread runs it (the
     * caller's, a carrier, a blocking function's virtual thread). The call in progress holds the
     * lock and waits for that host function, so waiting for the lock would wait forever: this
     * call runs inside it instead, as a nested call with an entry and registers of its own.
     * Once it returns, the call in progress is again the one the watchdog and close see.
     */
    private Object invokeNested(Closure fn, Object[] args, long timeoutNanos) {
        Entry outer = current;
        Entry e = new Entry(run, fn);
        Object context = null;
        try {
            begin(e, timeoutNanos);
            context = run.startNested(e, fn, args);
            if (!e.isComplete()) {
                if (run.onCarrier()) {
                    // its carrier cannot wait: nothing might be left to run it
                    e.stop("Cancelled");
                    throw new IllegalStateException("the " + e.description() + " suspended (a channel operation, sleep,"
                            + " a block) inside a plain host function, whose carrier cannot wait for it: define that"
                            + " host function with HostFunction.Mode.BLOCKING");
                }
                awaitComplete(e, timeoutNanos);
            }
            return outcome(e);
        } catch (LimnError err) {
            throw LimnException.of(err.value);
        } finally {
            run.release(context);
            CURRENT.setRelease(this, outer);
        }
    }

    /** Whether this thread runs a host function of the call that holds the lock of calls (see {@link #invokeNested}). */
    private boolean inOwnHostFunction() {
        return calls.isLocked() && run.inHostFunction();
    }

    /** Takes the lock of calls, unless {@link #inOwnHostFunction}; true if it took it. */
    private boolean lockCalls() {
        if (inOwnHostFunction()) {
            return false;
        }
        calls.lock();
        return true;
    }

    /**
     * Lets the next call in, then tells the scheduler, in case a quiescence was put off while
     * this instance's lock was held ({@link #onHostThread}). The lock's release has no fence,
     * so this look may miss a quiescence put off at that very moment: the runtime's watchdog
     * looks again on its next round ({@code LimnRuntime.watchOnce}).
     */
    private void unlockCalls() {
        calls.unlock();
        run.hostCallEnded();
    }

    /**
     * Whether Limn code of this instance may be running on a host's thread now, which quiescence
     * must wait for (see {@code Scheduler.watchHostCalls}): a call holds the lock and is not
     * waiting for the carriers, or a load runs. The lock's state is volatile: a call stores it
     * (the lock's CAS) before it runs anything, and stores it again (the release) before it tells
     * the scheduler it ended ({@link #unlockCalls}); quiescence stores its "put off" flag before it
     * asks this. Calls that only read (get, instructionsUsed) hold the lock too, briefly.
     */
    boolean onHostThread() {
        return (calls.isLocked() && waiting == null) || loading;
    }

    /**
     * Publishes call {@code e}, under the lock, to the watchdog and to {@link LimnRuntime#close}
     * with a release store. The runtime's closed flag is read after the lock's CAS, and close
     * stores it before it reads the lock's state: either this call sees the runtime closed, or
     * close sees the lock held and waits for the call's entry to show. So a call that never
     * suspends makes one fence in all, its lock's CAS ({@link CallLock}).
     */
    private void begin(Entry e, long timeoutNanos) {
        e.watchedBy(Thread.currentThread(), timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0);
        if (runtime.isClosed()) {
            throw new IllegalStateException("the runtime is closed");
        }
        checkOpen();
        if (current != e) {
            CURRENT.setRelease(this, e);
        }
        runtime.watch();
    }

    /** Whether a call or a read holds this instance's lock now (for close). */
    boolean locked() {
        return calls.isLocked();
    }

    /**
     * This instance's load keeps {@code e}'s variables and cells; from now on, an instance the
     * host drops is freed by a cleaner (its registers, cells and run), as {@link #close} would.
     */
    void keep(Entry e) {
        holdings.kept = e;
        cleanable = LimnRuntime.cleaner().register(this, holdings);
    }

    /**
     * Frees what this instance keeps: the registers its calls reuse, its top-level atomics and
     * its run's books. Waits for a call in progress; afterwards calls, {@code get} and {@code
     * instructionsUsed} throw {@link IllegalStateException}. An instance the host drops without
     * closing it is freed the same way once the garbage collector finds it unreachable, or when
     * the runtime closes. Idempotent.
     */
    @Override
    public void close() {
        if (inOwnHostFunction()) {
            // the call in progress still runs in these registers
            throw new IllegalStateException("an instance cannot be closed by its own host function while its call runs");
        }
        calls.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            free();
        } finally {
            unlockCalls();
        }
        runtime.forget(this);
    }

    /** Frees the holdings now, once; the runtime's close calls it for an instance no call holds. */
    void free() {
        if (cleanable != null) {
            cleanable.clean();
        } else {
            holdings.run();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the instance is closed");
        }
    }

    /**
     * What an instance keeps outside the Java heap or in its runtime's books. It holds no
     * reference to the instance, so that a cleaner can free it after the instance is gone.
     */
    private static final class Holdings implements Runnable {
        private final ProgramRun run;
        /** The load whose variables and cells the instance keeps. */
        Entry kept;
        /** The previous call's context, reused by the next call that runs on the caller's thread; guarded by the instance's lock. */
        Object context;
        private boolean freed;

        Holdings(ProgramRun run) {
            this.run = run;
        }

        @Override
        public void run() {
            // under the engine's lock: a cleaner may run while the runtime closes, and once the
            // engine is closed its memory is gone as a whole (nothing to free block by block)
            dev.limn.vm.Engine engine = run.engine();
            synchronized (engine) {
                if (freed || engine.isClosed()) {
                    return;
                }
                freed = true;
                run.release(context);
                context = null;
                if (kept != null) {
                    kept.releaseKept();
                }
                run.close();
            }
        }
    }

    CompletableFuture<Object> invokeAsync(Closure fn, Object[] args) {
        runtime.checkOpen();
        AsyncCall f = new AsyncCall();
        f.thread = Thread.ofVirtual().name("limn-async-call").start(() -> {
            try {
                f.complete(invoke(fn, args, runtime.defaultTimeoutNanos));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /** A call's future: cancelling it interrupts the thread that waits for the call, which cancels the Limn task. */
    private static final class AsyncCall extends CompletableFuture<Object> {
        volatile Thread thread;

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            Thread t = thread;
            if (cancelled && t != null) {
                t.interrupt();
            }
            return cancelled;
        }
    }

    /**
     * Waits for an entry that suspended and goes on on the carriers. An interrupt or the
     * timeout stops it (Cancelled, Timeout); after the grace it is terminated. Returns once it is
     * complete, so that everything it held is free; the interrupt stays set.
     */
    void awaitComplete(Entry e, long timeoutNanos) {
        CompletableFuture<Entry> done = e.completion();
        boolean interrupted = false;
        long stopDeadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : Long.MAX_VALUE;
        boolean stopped = false;
        try {
            for (;;) {
                try {
                    long wait = stopDeadline - System.nanoTime();
                    if (stopDeadline == Long.MAX_VALUE) {
                        done.get();
                    } else if (wait > 0) {
                        done.get(wait, java.util.concurrent.TimeUnit.NANOSECONDS);
                    } else {
                        throw new java.util.concurrent.TimeoutException();
                    }
                    return;
                } catch (InterruptedException ie) {
                    interrupted = true;
                    e.stop("Cancelled");
                    stopped = true;
                    stopDeadline = Math.min(stopDeadline, System.nanoTime() + Entry.STOP_GRACE_NANOS);
                } catch (java.util.concurrent.TimeoutException te) {
                    if (!stopped) {
                        e.stop("Timeout");
                        stopped = true;
                        stopDeadline = System.nanoTime() + Entry.STOP_GRACE_NANOS;
                    } else {
                        e.cancel(true); // the grace is over
                        stopDeadline = Long.MAX_VALUE;
                    }
                } catch (ExecutionException ex) {
                    throw new IllegalStateException(ex.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The result of a complete entry, or the exception that ended it. */
    Object outcome(Entry e) {
        String reason = e.stopReason();
        if (e.status() == Interpreter.DONE) {
            ErrorValue lost = e.unawaitedAsyncError();
            if (lost != null) {
                throw LimnException.of(lost);
            }
            return Conversions.toJava(e.result(), this);
        }
        if ("Closed".equals(reason)) {
            throw new IllegalStateException("the runtime was closed while the call ran");
        }
        ErrorValue outOfMemory = run.outOfMemory();
        if (outOfMemory != null && reason == null) {
            throw LimnException.of(outOfMemory); // its tasks were terminated: the exhaustion is the error
        }
        if (e.status() == Interpreter.TERMINATED) {
            List<String> deadlock = run.takeDeadlock();
            if (deadlock != null && reason == null) {
                throw new LimnException("Deadlock", "every task is blocked and nothing can make progress: "
                        + String.join("; ", deadlock));
            }
            throw new LimnException(reason == null ? "Cancelled" : reason, stoppedMessage(reason, e));
        }
        ErrorValue err = e.error();
        if (reason != null && err.kind.equals("Cancelled")) {
            String file = err.source() == null ? null : err.source().name();
            int line = err.span() == null ? 0 : err.span().line();
            int column = err.span() == null ? 0 : err.span().col();
            throw new LimnException(reason, stoppedMessage(reason, e), file, line, column, err.task(), null);
        }
        throw LimnException.of(err);
    }

    private static String stoppedMessage(String reason, Entry e) {
        return "Timeout".equals(reason) ? "the " + e.description() + " timed out" : "the " + e.description() + " was cancelled";
    }
}
