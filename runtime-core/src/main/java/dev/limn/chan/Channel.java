package dev.limn.chan;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.limn.sched.Fiber;
import dev.limn.sched.Scheduler;
import org.jctools.queues.MpmcArrayQueue;
import org.jctools.queues.MpmcUnboundedXaddArrayQueue;

/**
 * A Limn channel (SPEC §5.3): FIFO, every value received exactly once, many senders and
 * receivers, bounded or unbounded, closable.
 *
 * <h2>Structure</h2>
 * <ul>
 *   <li>values: a JCTools {@link MpmcArrayQueue} (bounded) or {@link MpmcUnboundedXaddArrayQueue};
 *       nil is stored as a private marker because the queues do not take null;</li>
 *   <li>{@code permits} (bounded channels whose capacity the queue cannot hold exactly: 1 and
 *       non-powers of two): free slots. A send takes one before offering, a receive gives one
 *       back after polling, so the queue never holds more than {@code capacity} values and its
 *       offer cannot fail. A power-of-two capacity from 2 up is the queue's own exact bound:
 *       its offer fails when full, and the two atomic steps per value are saved;</li>
 *   <li>{@code closed} and {@code inflight}: a send increments inflight, then checks closed,
 *       then offers, then decrements. A receiver that reads closed and then inflight == 0 knows
 *       every value that will ever be offered is visible, so an empty poll means end of stream.
 *       The send that brings inflight to 0 on a closed channel wakes every receiver. The
 *       counter sits on its own cache line ({@link ChannelInflight});</li>
 *   <li>two waiter lists ({@link Waiter}), for parked receivers and for parked senders, holding
 *       fibers and host threads alike.</li>
 * </ul>
 *
 * <h2>Suspension protocol (no lost wake-up)</h2>
 * A fiber that cannot proceed registers a waiter, re-checks, and only then returns
 * {@link #PARKED} / {@link SendResult#PARKED}; its caller returns {@link Fiber.Status#PARKED}
 * and retries the same operation when resumed. A sender offers, then wakes one receiver; a
 * receiver registers, then polls again. Both store then load (volatile/CAS), so either the
 * receiver's re-check sees the value or the sender sees the waiter. The same holds for
 * senders waiting for a permit. Wake-ups may be spurious; the retry copes.
 */
public final class Channel extends ChannelInflightPadAfter {

    /** {@link #recv}/{@link #tryRecv}/{@link #take}: the channel is closed and drained, or the program is quiescent. */
    public static final Object END = new Sentinel("END");
    /** {@link #tryRecv}: nothing to receive right now. */
    public static final Object EMPTY = new Sentinel("EMPTY");
    /** {@link #recv}: the fiber is registered as a waiter; return PARKED and retry when resumed. */
    public static final Object PARKED = new Sentinel("PARKED");

    /** Outcome of a send. */
    public enum SendResult {
        /** The value is in the channel. */
        SENT,
        /** The channel is closed; the value was not sent (the VM raises ChannelClosed). */
        CLOSED,
        /** {@link #trySend} only: the bounded channel is full. */
        FULL,
        /** {@link #send}: full; the fiber is registered as a waiter and must park, then retry. */
        PARKED
    }

    /** Longest spin before a fiber parks on a channel (see {@link #spinUntil}). */
    static final long SPIN_NANOS = 10_000;
    /** Spins in a row that timed out after which a channel's waiters stop spinning. */
    static final int SPIN_MISS_LIMIT = 4;
    /** While spinning is off, one wait in this mask + 1 spins again. */
    static final int SPIN_RETRY_MASK = 63;
    private static final Object NIL = new Sentinel("NIL");
    private static final AtomicLong IDS = new AtomicLong();
    private static final VarHandle PERMITS;
    private static final VarHandle INFLIGHT;
    private static final VarHandle CLOSED;
    private static final VarHandle PRODUCER;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PERMITS = lookup.findVarHandle(Channel.class, "permits", int.class);
            INFLIGHT = lookup.findVarHandle(ChannelInflight.class, "inflight", int.class);
            CLOSED = lookup.findVarHandle(Channel.class, "closed", int.class);
            PRODUCER = lookup.findVarHandle(Channel.class, "producer", Scheduler.HostProducer.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long id = IDS.incrementAndGet();
    private final int capacity;
    /** Whether {@code permits} bounds the queue (its own capacity would be larger than ours). */
    private final boolean gated;
    private final Queue<Object> values;
    private final Queue<Waiter> receivers = new ConcurrentLinkedQueue<>();
    private final Queue<Waiter> senders = new ConcurrentLinkedQueue<>();
    private final AtomicLong openChannels;
    private volatile int permits;
    private volatile int closed;
    private volatile Scheduler.HostProducer producer;
    /** Timed-out spins in a row (see {@link #spinUntil}); plain, a hint. */
    private int spinMisses;

    /**
     * @param capacity     maximum number of values held, at least 1; or -1 for unbounded
     * @param openChannels live count of open channels (statistics), or null
     */
    public Channel(int capacity, AtomicLong openChannels) {
        if (capacity < 1 && capacity != -1) {
            throw new IllegalArgumentException("channel capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.gated = capacity != -1 && (capacity < 2 || Integer.bitCount(capacity) != 1);
        this.values = capacity == -1
                ? new MpmcUnboundedXaddArrayQueue<>(64)
                : new MpmcArrayQueue<>(Math.max(2, capacity));
        this.permits = gated ? capacity : 0;
        this.openChannels = openChannels;
        if (openChannels != null) {
            openChannels.incrementAndGet();
        }
    }

    public static Channel bounded(int capacity) {
        return new Channel(capacity, null);
    }

    public static Channel unbounded() {
        return new Channel(-1, null);
    }

    // ---- receiving -------------------------------------------------------------------------------

    /** A value (null for nil), {@link #EMPTY}, or {@link #END} when closed and drained. Never waits. */
    public Object tryRecv() {
        Object v = takeOrEnd();
        return v == null ? EMPTY : unwrap(v);
    }

    /**
     * Receive for a fiber: a value (null for nil), {@link #END} (closed and drained, or the
     * scheduler found the program quiescent), or {@link #PARKED}: {@code fiber} is registered as
     * a waiter and must return {@link Fiber.Status#PARKED}, then call this again when resumed.
     */
    public Object recv(Fiber fiber) {
        releaseOwnWait(fiber, false);
        Object v = takeOrEnd();
        if (v == null) {
            if (fiber.consumeEndOfStream()) {
                return END;
            }
            if (spinUntil(fiber, false)) {
                v = takeOrEnd();
            }
        }
        if (v == null) {
            Waiter w = new Waiter(this, false, fiber, null);
            fiber.waitingOn(Fiber.WaitKind.RECEIVE, this);
            fiber.waitNode(w);
            receivers.offer(w);
            v = takeOrEnd(); // re-check after registering
            if (v == null) {
                return PARKED;
            }
            w.cancel();
            fiber.waitNode(null);
        }
        fiber.clearEndOfStream();
        return unwrap(v);
    }

    /**
     * Host thread: waits for a value (null for nil) or returns {@link #END} when the channel is
     * closed and drained. Quiescence does not apply to host threads.
     */
    public Object take() throws InterruptedException {
        for (;;) {
            Object v = takeOrEnd();
            if (v != null) {
                return unwrap(v);
            }
            Waiter w = new Waiter(this, false, null, Thread.currentThread());
            receivers.offer(w);
            v = takeOrEnd();
            if (v != null) {
                w.cancel();
                return unwrap(v);
            }
            awaitWake(w);
        }
    }

    /** Polls a value; returns it (wrapped), END when closed and drained, or null. */
    private Object takeOrEnd() {
        Object v = poll();
        if (v != null) {
            return v;
        }
        if (lvClosed() && lvInflight() == 0) {
            // Every send that passed the closed check has finished its offer: a last poll decides.
            v = poll();
            return v != null ? v : END;
        }
        return null;
    }

    private Object poll() {
        Object v = values.poll();
        if (v != null && capacity != -1) {
            if (gated) {
                xaddPermits(1);
            }
            wakeOne(senders);
        }
        return v;
    }

    // ---- sending ---------------------------------------------------------------------------------

    /** Sends without waiting: SENT, FULL or CLOSED. */
    public SendResult trySend(Object value) {
        return offer(value == null ? NIL : value);
    }

    /**
     * Send for a fiber: SENT, CLOSED, or PARKED (the bounded channel is full; {@code fiber} is
     * registered as a waiter and must return {@link Fiber.Status#PARKED}, then retry).
     */
    public SendResult send(Fiber fiber, Object value) {
        releaseOwnWait(fiber, true);
        Object item = value == null ? NIL : value;
        SendResult r = offer(item);
        if (r == SendResult.FULL && spinUntil(fiber, true)) {
            r = offer(item);
        }
        if (r != SendResult.FULL) {
            return r;
        }
        Waiter w = new Waiter(this, true, fiber, null);
        fiber.waitingOn(Fiber.WaitKind.SEND, this);
        fiber.waitNode(w);
        senders.offer(w);
        r = offer(item); // re-check after registering
        if (r == SendResult.FULL) {
            return SendResult.PARKED;
        }
        w.cancel();
        fiber.waitNode(null);
        return r;
    }

    /** Host thread: sends, waiting while the bounded channel is full. */
    public void put(Object value) throws InterruptedException {
        Object item = value == null ? NIL : value;
        for (;;) {
            SendResult r = offer(item);
            if (r == SendResult.FULL) {
                Waiter w = new Waiter(this, true, null, Thread.currentThread());
                senders.offer(w);
                r = offer(item);
                if (r == SendResult.FULL) {
                    awaitWake(w);
                    continue;
                }
                w.cancel();
            }
            if (r == SendResult.CLOSED) {
                throw new ChannelClosedException("send on closed " + this);
            }
            return;
        }
    }

    private SendResult offer(Object item) {
        xaddInflight(1);
        if (lvClosed()) {
            leaveInflight();
            return SendResult.CLOSED;
        }
        if (gated) {
            if (!tryTakePermit()) {
                leaveInflight();
                return SendResult.FULL;
            }
            // Cannot fail: permits keep the queue below its capacity.
            values.offer(item);
        } else if (!values.offer(item)) {
            // Only a bounded queue at its exact (power-of-two) capacity refuses. Its full test
            // reads the consumer index after our registration's CAS, and a receiver CASes that
            // index before it reads the sender waiters, so the Dekker argument holds as with permits.
            leaveInflight();
            return SendResult.FULL;
        }
        leaveInflight();
        wakeOne(receivers);
        return SendResult.SENT;
    }

    /** Whether a send could find room now (a hint: another sender may take it first). */
    private boolean hasRoom() {
        return capacity == -1 || (gated ? lvPermits() > 0 : values.size() < capacity);
    }

    private boolean tryTakePermit() {
        int p;
        while ((p = lvPermits()) > 0) {
            if (casPermits(p, p - 1)) {
                return true;
            }
        }
        return false;
    }

    private void leaveInflight() {
        if (xaddInflight(-1) == 1 && lvClosed()) {
            wakeAll(receivers); // they may have seen closed with a send still in flight
        }
    }

    // ---- spinning before parking ----------------------------------------------------------------

    /**
     * Waits briefly, without registering, for what a fiber would park on to change: room for a
     * sender, a value for a receiver, or the close. True if it changed (the caller retries its
     * operation once), false after {@link #SPIN_NANOS}, on a trap, or at once when no other
     * carrier is running a fiber (then no fiber can change it while this carrier spins).
     *
     * <p>Why: a park costs a waiter node, a scheduler round trip, and the fiber's place. The
     * waker pushes the woken fiber on its own carrier, so a producer and a consumer that keep
     * parking end up taking turns on one carrier (fill the buffer, drain the buffer) while the
     * other carrier idles. A partner running on another carrier acts within a few hundred
     * nanoseconds, so a spin of a few microseconds keeps the two running side by side. The spin
     * only reads (the empty test first: the close flag shares a cache line with the senders'
     * in-flight counter, so it is read only every 32 rounds), so the no-lost-wake-up protocol is
     * unchanged: after the spin the fiber retries, then registers and re-checks as before.
     *
     * <p>A spin that times out is wasted carrier time (the fiber running elsewhere was not the
     * partner, or the partner is slow): after {@link #SPIN_MISS_LIMIT} misses in a row a
     * channel's waiters park at once, and only every {@code SPIN_RETRY_MASK + 1}-th wait tries a
     * spin again; a successful spin resets the count. (stress_100k.lm, a thousand channels
     * whose partners are seldom the fiber running elsewhere: 3.2-3.5 s with unconditional
     * spins, 2.1-2.4 s without spinning, 1.4-1.5 s with this limit; noisy shared machine.)
     * The count is a plain field: a lost update only blurs a hint.
     */
    private boolean spinUntil(Fiber fiber, boolean sender) {
        Scheduler s = fiber.scheduler();
        if (s == null || !s.anotherCarrierRunning(fiber)) {
            return false;
        }
        int misses = spinMisses;
        if (misses >= SPIN_MISS_LIMIT) {
            spinMisses = misses + 1;
            if ((misses & SPIN_RETRY_MASK) != 0) {
                return false; // spinning keeps failing here: park at once, try again later
            }
        }
        long deadline = 0;
        for (int i = 1; ; i++) {
            Thread.onSpinWait();
            if (sender ? hasRoom() : !values.isEmpty()) {
                if (misses != 0) {
                    spinMisses = 0;
                }
                return true;
            }
            if ((i & 31) == 0) {
                if (lvClosed()) {
                    return true;
                }
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + SPIN_NANOS;
                } else if (now - deadline > 0 || fiber.lpTrap() != 0) {
                    spinMisses = misses + 1;
                    return false;
                }
            }
        }
    }

    // ---- closing ---------------------------------------------------------------------------------

    /** Closes the channel (idempotent); wakes every waiter. True if this call closed it. */
    public boolean close() {
        if (!casClosed(0, 1)) {
            return false;
        }
        wakeAll(receivers);
        wakeAll(senders);
        if (openChannels != null) {
            openChannels.decrementAndGet();
        }
        Scheduler.HostProducer p = xchgProducer(null);
        if (p != null) {
            p.release();
        }
        return true;
    }

    /**
     * Marks this channel as fed by the host: until it is closed, {@code scheduler} is not
     * quiescent, so its receivers wait instead of getting end of stream (SPEC §5.3).
     */
    public void registerHostProducer(Scheduler scheduler) {
        Scheduler.HostProducer p = scheduler.registerHostProducer();
        if (!casProducer(null, p)) {
            p.release();
            throw new IllegalStateException(this + " already has a host producer");
        }
        if (lvClosed()) {
            // close() may have run before our CAS: release it ourselves (release is idempotent).
            Scheduler.HostProducer q = xchgProducer(null);
            if (q != null) {
                q.release();
            }
        }
    }

    // ---- waiting ---------------------------------------------------------------------------------

    /**
     * A fiber stops waiting without retrying its channel operation (it was cancelled, or it
     * leaves for another reason): withdraws its registration and, if a waker had already chosen
     * it, passes that wake-up to another waiter so it is not lost.
     */
    public static void abandonWait(Fiber fiber) {
        fiber.abandonWait();
    }

    /** Retrying on this channel in the same direction uses any wake-up itself; otherwise passes it on. */
    private void releaseOwnWait(Fiber fiber, boolean sender) {
        if (fiber.waitNode() instanceof Waiter w) {
            fiber.waitNode(null);
            if (!w.cancel() && (w.channel != this || w.sender != sender)) {
                w.channel.passOn(w.sender);
            }
        }
    }

    void passOn(boolean sender) {
        if (sender) {
            if (hasRoom() || lvClosed()) {
                wakeOne(senders);
            }
        } else if (!values.isEmpty() || lvClosed()) {
            wakeOne(receivers);
        }
    }

    private static void wakeOne(Queue<Waiter> waiters) {
        Waiter w;
        while ((w = waiters.poll()) != null) {
            if (w.wake()) {
                return;
            }
        }
    }

    private static void wakeAll(Queue<Waiter> waiters) {
        Waiter w;
        while ((w = waiters.poll()) != null) {
            w.wake();
        }
    }

    private void awaitWake(Waiter w) throws InterruptedException {
        while (w.lvState() == Waiter.WAITING) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                if (!w.cancel()) {
                    passOn(w.sender);
                }
                throw new InterruptedException();
            }
        }
    }

    private static Object unwrap(Object v) {
        return v == NIL ? null : v;
    }

    // ---- inspection ------------------------------------------------------------------------------

    /** Number of values held now (exact when no operation is in flight). */
    public int len() {
        return values.size();
    }

    public boolean isClosed() {
        return lvClosed();
    }

    /** Maximum values held, or -1 when unbounded. */
    public int capacity() {
        return capacity;
    }

    /** {@code <channel 3/16 open>} or {@code <channel 0/unbounded closed>}. */
    @Override
    public String toString() {
        return "<channel " + len() + "/" + (capacity == -1 ? "unbounded" : Integer.toString(capacity))
                + (lvClosed() ? " closed>" : " open>");
    }

    /** Channel number (1, 2, ... in creation order), for diagnostics. */
    public long id() {
        return id;
    }

    // ---- accessors (the prefix names the memory order) ------------------------------------------

    private boolean lvClosed() {
        return closed != 0;
    }

    private boolean casClosed(int expected, int value) {
        return CLOSED.compareAndSet(this, expected, value);
    }

    private int lvInflight() {
        return inflight;
    }

    /** Returns the value before the add. */
    private int xaddInflight(int delta) {
        return (int) INFLIGHT.getAndAdd(this, delta);
    }

    private int lvPermits() {
        return permits;
    }

    private boolean casPermits(int expected, int value) {
        return PERMITS.compareAndSet(this, expected, value);
    }

    private void xaddPermits(int delta) {
        PERMITS.getAndAdd(this, delta);
    }

    private boolean casProducer(Scheduler.HostProducer expected, Scheduler.HostProducer value) {
        return PRODUCER.compareAndSet(this, expected, value);
    }

    private Scheduler.HostProducer xchgProducer(Scheduler.HostProducer value) {
        return (Scheduler.HostProducer) PRODUCER.getAndSet(this, value);
    }

    private record Sentinel(String name) {
        @Override
        public String toString() {
            return name;
        }
    }
}
