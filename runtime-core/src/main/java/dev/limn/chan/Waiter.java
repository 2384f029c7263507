package dev.limn.chan;

import dev.limn.sched.Fiber;
import dev.limn.sched.events.ChannelBlockedEvent;
import dev.limn.sched.events.FlightEvents;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One registration of a fiber or host thread waiting on a channel (to receive or to send).
 *
 * <p>A node is woken at most once: the waker CASes WAITING -> WOKEN and only then unparks; the
 * waiter, when it stops waiting for any reason, CASes WAITING -> CANCELLED. So a waker never
 * spends its wake-up on a node whose owner has gone (it skips CANCELLED nodes and tries the
 * next), and an owner that stops waiting after being WOKEN without using the wake passes it
 * on ({@link #withdraw}): one that leaves ({@link Channel#abandonWait}), and one whose re-check
 * after registering went through (a receive may have chosen the node in between, for a slot
 * or a value that the re-check did not take).
 */
final class Waiter implements Fiber.WaitNode {

    static final int WAITING = 0;
    static final int WOKEN = 1;
    static final int CANCELLED = 2;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Waiter.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Channel channel;
    final boolean sender;
    final Fiber fiber;
    final Thread thread;
    private volatile int state = WAITING;
    /**
     * The flight recorder's event for the park this node stands for, or null (none recorded).
     * Written by the owner before it parks, ended by the owner when it takes up the operation
     * again or leaves the wait: plain, the park and wake-up order the two.
     */
    ChannelBlockedEvent blocked;

    Waiter(Channel channel, boolean sender, Fiber fiber, Thread thread) {
        this.channel = channel;
        this.sender = sender;
        this.fiber = fiber;
        this.thread = thread;
    }

    /** Waker side: true if this call took the node and woke its owner. */
    boolean wake() {
        if (lvState() == WAITING && casState(WAITING, WOKEN)) {
            if (fiber != null) {
                fiber.unpark();
            } else {
                LockSupport.unpark(thread);
            }
            return true;
        }
        return false;
    }

    /** Owner side: withdraws the registration; false means it had been WOKEN already. */
    boolean cancel() {
        return casState(WAITING, CANCELLED) || lvState() != WOKEN;
    }

    /** The owner takes up its operation again or leaves: the park this node stood for is over. */
    void endBlocked() {
        ChannelBlockedEvent e = blocked;
        if (e != null) {
            blocked = null;
            FlightEvents.channelWaitOver(e);
        }
    }

    /**
     * Owner side: withdraws the registration because the owner no longer waits (its operation
     * went through after all, or it leaves); a wake-up already chosen for this node stood for
     * a value or a free slot that another waiter may need, so it goes on to the next waiter.
     */
    void withdraw() {
        if (!cancel()) {
            channel.passOn(sender);
        }
    }

    @Override
    public void abandon() {
        withdraw();
        endBlocked();
    }

    int lvState() {
        return state;
    }

    private boolean casState(int expected, int value) {
        return STATE.compareAndSet(this, expected, value);
    }
}
