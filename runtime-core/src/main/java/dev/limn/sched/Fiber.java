package dev.limn.sched;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A schedulable unit of Limn work: a task, a worker, an async call or a parallel chunk.
 *
 * <p>A carrier calls {@link #run(Carrier)}, which runs until the fiber finishes
 * ({@link Status#DONE}), gives up its time slice ({@link Status#YIELD}) or must wait
 * ({@link Status#PARKED}). Before returning PARKED the fiber must have registered itself with
 * whatever will wake it (a channel's waiter list, a timer, a host call) and re-checked its
 * condition; the waker calls {@link #unpark()}.
 *
 * <h2>Wake-up protocol (no lost wake-up)</h2>
 * One word, changed by compare-and-set wherever two threads may race on it:
 * <pre>
 *   state   RUNNABLE -> RUNNING -> {RUNNABLE (yield), PARKED, DONE};  PARKED -> RUNNABLE
 *           RUNNING -> RUNNING_NOTIFIED (a wake-up came while it ran) -> RUNNABLE (requeue)
 *
 *   unpark():           RUNNING: cas(RUNNING, RUNNING_NOTIFIED);  PARKED: cas(PARKED, RUNNABLE) -> submit
 *                       (retried when the cas fails; RUNNABLE, RUNNING_NOTIFIED, DONE: nothing to do)
 *   carrier, on PARKED: cas(RUNNING, PARKED); failed: the state is RUNNING_NOTIFIED -> RUNNABLE, requeue
 * </pre>
 * The carrier's one CAS decides: either it parks the fiber, and from then on only a waker
 * touches it, or a wake-up came first and it requeues it. So a wake-up racing with a fiber
 * that is about to park leaves it runnable, only one side requeues it, and a carrier that is
 * slow to finish a park cannot act on a later run of the same fiber. (Until 2026-12-05 the
 * carrier stored PARKED, then took a separate permit with a second operation: a carrier
 * descheduled between the two could take the permit of a wake-up meant for the fiber's next
 * run on another carrier, which then parked for good. {@code FiberLateParkStress} covers
 * it.) A fiber may be woken spuriously (a stale waker, a cancel): it re-checks its condition
 * and parks again.
 *
 * <h2>Trap word</h2>
 * {@link #lvTrap()} is read by the interpreter at safepoints (back-edges, calls, suspension
 * points) with an opaque/acquire read; bits are set with atomic OR by other threads.
 */
public abstract class Fiber {

    /** What one run of a fiber ended with. */
    public enum Status { DONE, YIELD, PARKED }

    /** What a parked fiber waits for; used for end-of-stream and deadlock diagnostics. */
    public enum WaitKind { NONE, RECEIVE, SEND, SLEEP, AWAIT, PERMIT, HOST_CALL }

    public static final int RUNNABLE = 0;
    public static final int RUNNING = 1;
    public static final int PARKED = 2;
    public static final int DONE = 3;
    /** Running, and an {@link #unpark()} came during this run: its park becomes a requeue. */
    public static final int RUNNING_NOTIFIED = 4;

    /** Trap bit: the fiber has been cancelled; it raises Cancelled at its next safepoint. */
    public static final int TRAP_CANCEL = 1;
    /** Trap bit: its time slice expired while others are runnable; it should yield. */
    public static final int TRAP_TIME_SLICE = 1 << 1;
    /** Trap bit: grace expired; its bytecode stops at the next instruction. */
    public static final int TRAP_TERMINATE = 1 << 2;
    /**
     * Trap bit: a host's call should look whether it must stop (its caller interrupted, its
     * deadline passed). Set periodically by the embedding's watchdog; harmless when stale.
     */
    public static final int TRAP_CHECK = 1 << 3;

    /** Links of the {@link FiberSet} this fiber is in (guarded by that set's lock), or null. */
    Fiber setPrev;
    Fiber setNext;
    FiberSet inSet;

    private static final VarHandle STATE;
    private static final VarHandle TRAP;
    private static final VarHandle END_OF_STREAM;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Fiber.class, "state", int.class);
            TRAP = lookup.findVarHandle(Fiber.class, "trap", int.class);
            END_OF_STREAM = lookup.findVarHandle(Fiber.class, "endOfStream", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int state = RUNNABLE;
    private volatile int trap;
    /** Set by the scheduler at quiescence; consumed by the next receive that finds its channel empty. */
    private volatile int endOfStream;

    /** Set once when spawned; read by the fiber's own code and by wakers after a happens-before edge. */
    Scheduler scheduler;
    long id;
    /** In the scheduler's set of fibers that have parked; read and written only by the carrier running it. */
    boolean inParkers;

    // What this fiber waits on. Written by the fiber before it parks (before the volatile store
    // of PARKED), read by quiescence after it reads PARKED: ordered by that store/load pair.
    private long receivedInt;
    private WaitKind waitKind = WaitKind.NONE;
    private Object waitTarget;
    private WaitNode waitNode;

    /**
     * Runs this fiber on {@code carrier} until it finishes, yields or parks. Must not block the
     * carrier thread. An exception escaping here ends the fiber (reported to the scheduler's
     * failure handler); Limn code reports its errors before returning DONE.
     */
    protected abstract Status run(Carrier carrier);

    /**
     * Whether this fiber, while it runs, holds back other work of its own that no queue shows
     * (a concurrent block's task family runs its tasks one after another in one fiber): the
     * timer then ends its time slice even when every run queue is empty. Read by the timer
     * thread; a stale answer only makes one slice end early or late.
     */
    protected boolean holdsWorkBehind() {
        return false;
    }

    /** Number given by the scheduler at spawn (1, 2, ...); 0 before. */
    public final long id() {
        return id;
    }

    /**
     * What this fiber is, for diagnostics and flight recorder events read on any thread; the
     * VM's tasks say more ({@code task 2 of concurrent block at f.lm:3:1}).
     */
    public String description() {
        return toString();
    }

    /** The scheduler this fiber was spawned on, or null before. */
    public final Scheduler scheduler() {
        return scheduler;
    }

    // ---- state -------------------------------------------------------------------------------

    public final int lvState() {
        return state;
    }

    final void svState(int newState) {
        state = newState;
    }

    /** Ordered store: for a state no other thread acts on without a fence of its own (RUNNING, a host run's DONE). */
    final void soState(int newState) {
        STATE.setRelease(this, newState);
    }

    final boolean casState(int expected, int newState) {
        return STATE.compareAndSet(this, expected, newState);
    }

    /**
     * Makes this fiber runnable if it is parked, or marks the run in progress so that its park
     * turns into a requeue. Safe from any thread; a no-op on a finished fiber, or on one that is
     * queued and will run anyway.
     */
    public final void unpark() {
        for (;;) {
            int s = lvState();
            if (s == RUNNING) {
                if (casState(RUNNING, RUNNING_NOTIFIED)) {
                    return;
                }
            } else if (s == PARKED) {
                Scheduler sc = scheduler;
                // Count it active before the CAS publishes it, so quiescence never sees a runnable
                // fiber that is not counted.
                sc.incrementActive();
                if (casState(PARKED, RUNNABLE)) {
                    sc.submit(this);
                    return;
                }
                sc.decrementActive();
            } else {
                return;
            }
        }
    }

    // ---- the wake-up protocol's two halves, by name --------------------------------------------
    // The carrier and unpark() above use exactly these steps; they are public so that the
    // jcstress tests in runtime-stress can race them without a scheduler. Not for other callers.

    /**
     * Carrier side, before calling run: RUNNING. The fiber was RUNNABLE (queued), which no
     * waker changes, so a release store is enough; a waker that read RUNNING in an earlier run
     * and marks this one RUNNING_NOTIFIED makes a spurious wake-up at worst.
     */
    public final void beginRun() {
        soState(RUNNING);
    }

    /**
     * Carrier side, after run returned PARKED: parks the fiber unless a wake-up came during the
     * run. True means "requeue it" (it is RUNNABLE again); false means it is parked, and only
     * a waker may touch it from now on.
     */
    public final boolean commitPark() {
        if (casState(RUNNING, PARKED)) {
            return false;
        }
        svState(RUNNABLE); // RUNNING_NOTIFIED: no other thread acts on it
        return true;
    }

    /**
     * Waker side of {@link #unpark()} without the scheduler's bookkeeping. True means "the
     * caller must submit it": it was parked and this call made it RUNNABLE.
     */
    public final boolean claimWake() {
        for (;;) {
            int s = lvState();
            if (s == RUNNING) {
                if (casState(RUNNING, RUNNING_NOTIFIED)) {
                    return false;
                }
            } else if (s == PARKED) {
                if (casState(PARKED, RUNNABLE)) {
                    return true;
                }
            } else {
                return false;
            }
        }
    }

    // ---- trap --------------------------------------------------------------------------------

    /** The trap word, opaque read: cheap enough for every back-edge. */
    public final int lpTrap() {
        return (int) TRAP.getOpaque(this);
    }

    /** The trap word, acquire read: use when acting on the bits (after a non-zero lpTrap). */
    public final int lvTrap() {
        return (int) TRAP.getAcquire(this);
    }

    /** Atomically ORs {@code bits} into the trap word. */
    public final void orTrap(int bits) {
        TRAP.getAndBitwiseOr(this, bits);
    }

    /** Atomically clears {@code bits} in the trap word. */
    public final void clearTrap(int bits) {
        TRAP.getAndBitwiseAnd(this, ~bits);
    }

    /** Sets the CANCEL trap bit and wakes the fiber so that it observes it. */
    public final void cancel() {
        orTrap(TRAP_CANCEL);
        if (scheduler != null) {
            unpark();
        }
    }

    /** Sets the TERMINATE trap bit and wakes the fiber so that it observes it. */
    public final void terminate() {
        orTrap(TRAP_TERMINATE);
        if (scheduler != null) {
            unpark();
        }
    }

    // ---- end of stream -----------------------------------------------------------------------

    /** Wakes this fiber, parked on a receive that nothing can ever complete, with end of stream (SPEC §5.3). */
    public final void wakeWithEndOfStream() {
        soEndOfStream();
        unpark();
    }

    final void soEndOfStream() {
        END_OF_STREAM.setRelease(this, 1);
    }

    /**
     * Consumes the end-of-stream signal the scheduler gives parked receivers at quiescence
     * (SPEC §5.3). A receive that finds its channel empty calls this: true means "report end of
     * stream instead of parking".
     */
    public final boolean consumeEndOfStream() {
        return endOfStream != 0 && (int) END_OF_STREAM.getAndSet(this, 0) != 0;
    }

    /** Drops a stale end-of-stream signal (the receive found a value after all). */
    public final void clearEndOfStream() {
        if (endOfStream != 0) {
            endOfStream = 0;
        }
    }

    // ---- an int received unboxed --------------------------------------------------------------

    /** The int a channel receive left here when it returned {@code Channel.INT} (plain: read by the same fiber). */
    public final long receivedInt() {
        return receivedInt;
    }

    public final void receivedInt(long value) {
        receivedInt = value;
    }

    // ---- what it waits on --------------------------------------------------------------------

    /**
     * Records what this fiber is about to wait on; call before registering as a waiter and
     * returning PARKED. {@code target} (a channel, a future, a source position...) is turned
     * into text only when a diagnostic needs it, so parking does not format strings.
     */
    public final void waitingOn(WaitKind kind, Object target) {
        waitKind = kind;
        waitTarget = target;
    }

    public final WaitKind waitKind() {
        return waitKind;
    }

    /** What it waits on (a channel, a future's label, a block...), or null; read with {@link #waitKind()}. */
    public final Object waitTarget() {
        return waitTarget;
    }

    /** What it waits on, e.g. {@code send to <channel 1/1 open>}; empty when not waiting. */
    public final String waitDescription() {
        WaitKind kind = waitKind;
        Object target = waitTarget;
        String verb = switch (kind) {
            case NONE -> "";
            case RECEIVE -> "receive from";
            case SEND -> "send to";
            case SLEEP -> "sleep";
            case AWAIT -> "await";
            case PERMIT -> "permit of";
            case HOST_CALL -> "host call";
        };
        return target == null ? verb : verb + " " + target;
    }

    /**
     * A registration with something that will wake this fiber (e.g. a channel's waiter node),
     * which the fiber can leave without using it.
     */
    public interface WaitNode {
        /** Withdraws the registration; if a waker already chose it, passes the wake-up on. */
        void abandon();
    }

    /** The registration of this fiber's current wait, or null (set by whoever registered it). */
    public final WaitNode waitNode() {
        return waitNode;
    }

    public final void waitNode(WaitNode node) {
        waitNode = node;
    }

    /**
     * Leaves the current wait without completing it (e.g. cancelled while parked on a
     * channel), so that a wake-up chosen for this fiber goes to another waiter. The carrier
     * calls it when the fiber finishes; the VM calls it when a cancellation interrupts a wait.
     */
    public final void abandonWait() {
        WaitNode node = waitNode;
        if (node != null) {
            waitNode = null;
            node.abandon();
        }
    }

    final void clearWaiting() {
        waitKind = WaitKind.NONE;
        waitTarget = null;
    }

    @Override
    public String toString() {
        return "fiber " + id;
    }
}
