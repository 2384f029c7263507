package dev.limn.sched;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * The lock that serialises a host's calls into one instance: not reentrant, taken in arrival
 * order, and cheap when nobody waits. Taking it is one CAS; letting it go is a release store
 * and a plain look for a waiter, with no fence. A fair {@code ReentrantLock} costs a CAS, a
 * volatile store and a store of its owner thread, which may cost another fence in the GC's
 * write barrier; on a call of some 40 ns that was a third of the time (docs/design.md, "A
 * host's call").
 *
 * <p>The price of the fenceless release: its look for a waiter may be ordered before its store
 * becomes visible, so a thread that queues at that moment may not be woken. It finds the lock
 * free by itself: the first waiter spins briefly before it parks, and never parks longer than
 * {@link #MAX_PARK_NANOS} between looks. Whoever else must learn that the lock was let go (a
 * quiescence put off while a call ran) cannot rely on the releasing thread's next read either,
 * and must look again later by itself.
 *
 * <p>Arrival order: a thread that finds nobody queued takes the lock if it is free; otherwise
 * it queues, and only the first in the queue takes the lock. Two threads that arrive together
 * may take it in either order.
 */
public final class CallLock {
    /** How long a waiter parks at most before it looks at the lock again: the most a missed wake-up costs. */
    static final long MAX_PARK_NANOS = 200_000;
    /** Looks at the lock by the first waiter before it parks: a release in flight lands meanwhile. */
    private static final int SPINS = 64;

    /** 0 free, 1 held. */
    private volatile int state;
    /** Threads waiting, in arrival order; each leaves once it holds the lock. */
    private final ConcurrentLinkedQueue<Thread> waiters = new ConcurrentLinkedQueue<>();

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(CallLock.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Takes the lock, waiting in turn; not interruptible (an interrupt meanwhile stays set). */
    public void lock() {
        if (waiters.isEmpty() && STATE.compareAndSet(this, 0, 1)) {
            return;
        }
        lockQueued();
    }

    private void lockQueued() {
        Thread me = Thread.currentThread();
        waiters.add(me);
        boolean interrupted = false;
        int spins = SPINS;
        for (;;) {
            if (waiters.peek() == me) {
                if (state == 0 && STATE.compareAndSet(this, 0, 1)) {
                    break;
                }
                if (spins > 0) {
                    spins--;
                    Thread.onSpinWait();
                    continue;
                }
            }
            LockSupport.parkNanos(this, MAX_PARK_NANOS);
            if (Thread.interrupted()) {
                interrupted = true; // else parkNanos would return at once from now on
            }
        }
        waiters.poll(); // itself: only the head takes the lock, and only the holder leaves the queue; the next in line is woken by the next release
        if (interrupted) {
            me.interrupt();
        }
    }

    /** Lets the lock go and wakes the first waiter, if it sees one (see the class comment). */
    public void unlock() {
        STATE.setRelease(this, 0);
        Thread next = waiters.peek();
        if (next != null) {
            LockSupport.unpark(next);
        }
    }

    /** Whether a thread holds the lock (a volatile read). */
    public boolean isLocked() {
        return state != 0;
    }

    /** How many threads wait for the lock now (for tests and diagnostics; walks the queue). */
    public int waiting() {
        return waiters.size();
    }
}
