package dev.limn.chan;

import dev.limn.sched.Fiber;
import dev.limn.sched.Scheduler;
import dev.limn.sched.events.FlightEvents;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A Limn channel (SPEC §5.3): FIFO, every value received exactly once, many senders and
 * receivers, bounded or unbounded, closable.
 *
 * <h2>Structure</h2>
 * <ul>
 *   <li>values: a {@link RingBuffer} (bounded: Limn's own ring, ints unboxed, the close flag in
 *       its producer index) or an {@link UnboundedBuffer} (a JCTools queue with an in-flight
 *       count of sends). The buffer decides FULL, EMPTY and end of stream; nil is stored as a
 *       private marker because a null reference means "an unboxed int";</li>
 *   <li>two waiter lists ({@link Waiter}), for parked receivers and for parked senders, holding
 *       fibers and host threads alike.</li>
 * </ul>
 *
 * <h2>Suspension protocol (no lost wake-up)</h2>
 * A fiber that cannot proceed registers a waiter, re-checks, and only then returns
 * {@link #PARKED} / {@link SendResult#PARKED}; its caller returns {@link Fiber.Status#PARKED}
 * and retries the same operation when resumed. A sender's offer ends with a locked
 * instruction (the ring's producer-index CAS, or the unbounded buffer's in-flight count), then
 * it wakes one receiver; a receiver registers (a CAS), then polls again, and the poll's
 * emptiness test reads what the sender's locked instruction wrote. So either the receiver's
 * re-check sees the value (or a send in flight, which it waits out without parking) or the
 * sender sees the waiter. The same holds for senders waiting for room, with the receive's
 * consumer-index CAS. Wake-ups may be spurious; the retry copes. A re-check that goes
 * through withdraws the node with {@link Waiter#withdraw}, which passes on a wake-up chosen
 * for it meanwhile: it stood for a value or a slot that another waiter may need.
 *
 * <h2>Unboxed ints</h2>
 * {@link #sendInt} and {@link #recvUnboxed} move an int without a {@code Long}: the
 * interpreter sends a register's payload and receives into a register. A value sent as an
 * object is received as that object; an int sent unboxed is received by the object API as a
 * {@code Long}.
 */
public final class Channel {

    /** {@link #recv}/{@link #tryRecv}/{@link #take}: the channel is closed and drained, or the program is quiescent. */
    public static final Object END = new Sentinel("END");
    /** {@link #tryRecv}: nothing to receive right now. */
    public static final Object EMPTY = new Sentinel("EMPTY");
    /** {@link #recv}: the fiber is registered as a waiter; return PARKED and retry when resumed. */
    public static final Object PARKED = new Sentinel("PARKED");
    /** {@link #recvUnboxed}: the value is an int, left in {@link Fiber#receivedInt()}. */
    public static final Object INT = new Sentinel("INT");

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
    /**
     * Nil in the arrays of {@link #drain} and {@link #putAll}, where a null reference means
     * "an unboxed int".
     */
    public static final Object NIL = new Sentinel("NIL");
    private static final VarHandle PRODUCER;

    static {
        try {
            PRODUCER = MethodHandles.lookup().findVarHandle(Channel.class, "producer", Scheduler.HostProducer.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long id;
    private final int capacity;
    private final ChannelBuffer buffer;
    private final Queue<Waiter> receivers = new ConcurrentLinkedQueue<>();
    private final Queue<Waiter> senders = new ConcurrentLinkedQueue<>();
    private final AtomicLong openChannels;
    private volatile Scheduler.HostProducer producer;
    /** The other process's end of a remote channel (publish/subscribe), or null for a local channel. */
    private volatile Remote remote;
    /** Why a remote channel's stream ended without its end of stream: the error's kind and message, or null. */
    private volatile String failureKind;
    private volatile String failureMessage;
    /** Timed-out spins in a row (see {@link #spinUntil}); plain, a hint. */
    private int spinMisses;

    /**
     * @param id           the channel's number in its runtime (0: not numbered)
     * @param capacity     maximum number of values held, at least 1; or -1 for unbounded
     * @param openChannels live count of open channels (statistics), or null
     */
    public Channel(long id, int capacity, AtomicLong openChannels) {
        this.id = id;
        if (capacity < 1 && capacity != -1) {
            throw new IllegalArgumentException("channel capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.buffer = capacity == -1 ? new UnboundedBuffer(this) : new RingBuffer(capacity);
        this.openChannels = openChannels;
        if (openChannels != null) {
            openChannels.incrementAndGet();
        }
    }

    public static Channel bounded(int capacity) {
        return new Channel(0, capacity, null);
    }

    public static Channel unbounded() {
        return new Channel(0, -1, null);
    }

    // ---- receiving -------------------------------------------------------------------------------

    /** A value (null for nil), {@link #EMPTY}, or {@link #END} when closed and drained. Never waits. */
    public Object tryRecv() {
        return unwrap(receive(null));
    }

    /**
     * Receive for a fiber: a value (null for nil), {@link #END} (closed and drained, or the
     * scheduler found the program quiescent), or {@link #PARKED}: {@code fiber} is registered as
     * a waiter and must return {@link Fiber.Status#PARKED}, then call this again when resumed.
     */
    public Object recv(Fiber fiber) {
        Object v = recvUnboxed(fiber);
        return v == INT ? (Object) fiber.receivedInt() : v;
    }

    /**
     * {@link #recv}, except that an int sent unboxed comes back as {@link #INT} with its value
     * in {@link Fiber#receivedInt()}.
     */
    public Object recvUnboxed(Fiber fiber) {
        releaseOwnWait(fiber, false);
        Object v = receive(fiber);
        if (v == EMPTY) {
            if (fiber.consumeEndOfStream()) {
                return END;
            }
            if (spinUntil(fiber, false)) {
                v = receive(fiber);
            }
        }
        if (v == EMPTY) {
            Waiter w = new Waiter(this, false, fiber, null);
            fiber.waitingOn(Fiber.WaitKind.RECEIVE, this);
            fiber.waitNode(w);
            receivers.offer(w);
            v = receive(fiber); // re-check after registering
            if (v == EMPTY) {
                w.blocked = FlightEvents.channelBlocked(id, FlightEvents.RECEIVE, fiber.id());
                return PARKED;
            }
            w.withdraw();
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
            Object v = receive(null);
            if (v != EMPTY) {
                return unwrap(v);
            }
            Waiter w = new Waiter(this, false, null, Thread.currentThread());
            receivers.offer(w);
            v = receive(null);
            if (v != EMPTY) {
                w.withdraw();
                return unwrap(v);
            }
            awaitWake(w);
        }
    }

    /**
     * Host thread: takes up to {@code max} values without waiting, in order, into
     * {@code bits}/{@code refs}: {@code refs[i]} null means an int, whose value is
     * {@code bits[i]}; otherwise it is the value ({@link #NIL} for nil; an int may also come as
     * a {@code Long}). Returns the number taken, 0 when there is none now, or -1 when the
     * channel is closed and drained. Each value taken frees room for a sender.
     */
    public int drain(long[] bits, Object[] refs, int max) {
        int k = buffer.pollBatch(bits, refs, max);
        if (k > 0 && capacity != -1) {
            wake(senders, k);
        }
        return k;
    }

    /**
     * A fiber's receive that takes a value only if one is here now: the value (null for nil;
     * {@link #INT} for an int, its value in {@link Fiber#receivedInt()}), as {@link #recvUnboxed}
     * returns it; else {@link #EMPTY} with nothing done, when the channel is empty or closed and
     * drained or a publication, which {@link #recvUnboxed} handles. The caller has no wait of its
     * own to release ({@link Fiber#waitNode()} is null).
     */
    public Object pollUnboxed(Fiber fiber) {
        Remote r = remote;
        if (r != null && r.sendOnly()) {
            return EMPTY;
        }
        Object v = receive(fiber);
        if (v == EMPTY || v == END) {
            return EMPTY;
        }
        fiber.clearEndOfStream();
        return unwrap(v);
    }

    /** Polls: a value (wrapped), {@link #INT}, {@link #EMPTY} or {@link #END}; a value frees room for a sender. */
    private Object receive(Fiber into) {
        Object v = buffer.poll(into);
        if (v != EMPTY && v != END && capacity != -1) {
            wakeOne(senders);
        }
        return v;
    }

    // ---- sending ---------------------------------------------------------------------------------

    /** Sends without waiting: SENT, FULL or CLOSED. */
    public SendResult trySend(Object value) {
        return offer(0, wrap(value));
    }

    /**
     * Send for a fiber: SENT, CLOSED, or PARKED (the bounded channel is full; {@code fiber} is
     * registered as a waiter and must return {@link Fiber.Status#PARKED}, then retry).
     */
    public SendResult send(Fiber fiber, Object value) {
        return send(fiber, 0, wrap(value));
    }

    /**
     * A fiber's send that happens only if it can at once: true when {@code value} went in (a
     * waiting receiver is woken, as {@link #send} does); false with nothing done when the
     * bounded channel is full or closed, or the channel is remote, which {@link #send} handles.
     * The caller has no wait of its own to release ({@link Fiber#waitNode()} is null).
     */
    public boolean sendNow(Object value) {
        return remote == null && offer(0, wrap(value)) == SendResult.SENT;
    }

    /** {@link #sendNow} of an int, unboxed; a publication takes it too (an int needs no encoding first). */
    public boolean sendIntNow(long value) {
        Remote r = remote;
        return (r == null || r.sendOnly()) && offer(value, null) == SendResult.SENT;
    }

    /** {@link #send} of an int, unboxed. */
    public SendResult sendInt(Fiber fiber, long value) {
        return send(fiber, value, null);
    }

    private SendResult send(Fiber fiber, long bits, Object ref) {
        releaseOwnWait(fiber, true);
        SendResult r = offer(bits, ref);
        if (r == SendResult.FULL && spinUntil(fiber, true)) {
            r = offer(bits, ref);
        }
        if (r != SendResult.FULL) {
            return r;
        }
        Waiter w = new Waiter(this, true, fiber, null);
        fiber.waitingOn(Fiber.WaitKind.SEND, this);
        fiber.waitNode(w);
        senders.offer(w);
        r = offer(bits, ref); // re-check after registering
        if (r == SendResult.FULL) {
            w.blocked = FlightEvents.channelBlocked(id, FlightEvents.SEND, fiber.id());
            return SendResult.PARKED;
        }
        w.withdraw();
        fiber.waitNode(null);
        return r;
    }

    /** Host thread: sends, waiting while the bounded channel is full. */
    public void put(Object value) throws InterruptedException {
        Object item = wrap(value);
        for (;;) {
            SendResult r = offer(0, item);
            if (r == SendResult.FULL) {
                Waiter w = new Waiter(this, true, null, Thread.currentThread());
                senders.offer(w);
                r = offer(0, item);
                if (r == SendResult.FULL) {
                    awaitWake(w);
                    continue;
                }
                w.withdraw();
            }
            if (r == SendResult.CLOSED) {
                throw new ChannelClosedException("send on closed " + this);
            }
            return;
        }
    }

    /**
     * Host thread: sends {@code n} values in order, waiting while the bounded channel is full;
     * {@code bits}/{@code refs} as {@link #drain} gives them ({@link #NIL} for nil). A bounded
     * channel takes as many as it has room for at once (one CAS), and wakes as many receivers.
     *
     * @throws ChannelClosedException when the channel is closed; the values before the one
     *                                refused were sent
     */
    public void putAll(long[] bits, Object[] refs, int n) throws InterruptedException {
        int i = 0;
        while (i < n) {
            int k = offerAll(bits, refs, i, n - i);
            if (k == 0) {
                Waiter w = new Waiter(this, true, null, Thread.currentThread());
                senders.offer(w);
                k = offerAll(bits, refs, i, n - i);
                if (k == 0) {
                    awaitWake(w);
                    continue;
                }
                w.withdraw();
            }
            if (k < 0) {
                throw new ChannelClosedException("send on closed " + this);
            }
            i += k;
        }
    }

    /**
     * Host thread: sends, in order, as many of the {@code n} values from {@code from} as the
     * channel has room for now (one CAS), without waiting, and wakes as many receivers; the
     * number sent (0 when full), or -1 when the channel is closed. {@code bits}/{@code refs} as
     * for {@link #putAll}. A caller that finds it full waits as it likes: it is not registered,
     * so receivers do not wake it (see {@code SubscriptionBridge}).
     */
    public int offerAll(long[] bits, Object[] refs, int from, int n) {
        int k = buffer.offerBatch(bits, refs, from, n);
        if (k > 0) {
            wake(receivers, k);
        }
        return k;
    }

    private SendResult offer(long bits, Object ref) {
        SendResult r = buffer.offer(bits, ref);
        if (r == SendResult.SENT) {
            wakeOne(receivers);
        }
        return r;
    }

    /** Every receiver waiting now retries (the unbounded buffer's last in-flight send on a closed channel). */
    void wakeAllReceivers() {
        wakeAll(receivers);
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
     * only reads (a receiver reads its head slot, not the producer index every send writes; the
     * close flag is read only every 32 rounds), so the no-lost-wake-up protocol is
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
            if (sender ? buffer.writable() : buffer.readable()) {
                if (misses != 0) {
                    spinMisses = 0;
                }
                return true;
            }
            if ((i & 31) == 0) {
                if (buffer.isClosed()) {
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
        if (!buffer.close()) {
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
        registerProducer(scheduler.registerHostProducer());
    }

    /**
     * Marks this channel as fed or drained by another process ({@link Scheduler#registerRemoteProducer}):
     * until it is closed, fibers parked on it are not quiescent.
     */
    public void registerRemoteProducer(Scheduler scheduler) {
        registerProducer(scheduler.registerRemoteProducer());
    }

    private void registerProducer(Scheduler.HostProducer p) {
        if (!casProducer(null, p)) {
            p.release();
            throw new IllegalStateException(this + " already has a host producer");
        }
        if (buffer.isClosed()) {
            // close() may have run before our CAS: release it ourselves (release is idempotent).
            Scheduler.HostProducer q = xchgProducer(null);
            if (q != null) {
                q.release();
            }
        }
    }

    // ---- remote channels ------------------------------------------------------------------------

    /**
     * The far end of a channel that crosses processes: a publication (the program only sends;
     * a bridge thread takes the values and puts them on the wire) or a subscription (the
     * program only receives; a bridge thread feeds it). Implemented above the VM.
     */
    public interface Remote {
        /** True for a publication (send only), false for a subscription (receive only). */
        boolean sendOnly();

        /**
         * What a send puts in the buffer for {@code value} (a publication encodes it here, on the
         * sending task, so that a value that cannot cross fails its send); may throw the
         * language's error.
         */
        Object outbound(Object value);

        /** {@code publication aeron:ipc stream 10}: for diagnostics. */
        String describe();
    }

    /** Makes this channel the local end of {@code r}; once, before the program sees the channel. */
    public void attachRemote(Remote r) {
        remote = r;
    }

    /** The far end, or null for a local channel. */
    public Remote remote() {
        return remote;
    }

    /**
     * Ends the stream with an error (a remote publisher lost): receivers get the values held,
     * then the error instead of end of stream. Idempotent with {@link #close}: the first ending wins.
     */
    public void fail(String kind, String message) {
        if (!buffer.isClosed()) {
            failureMessage = message;
            failureKind = kind;
        }
        close();
    }

    /** The kind of the error the stream ended with ({@link #fail}), or null. */
    public String failureKind() {
        return failureKind;
    }

    public String failureMessage() {
        return failureMessage;
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
            w.endBlocked();
        }
    }

    void passOn(boolean sender) {
        if (sender) {
            if (buffer.writable() || buffer.isClosed()) {
                wakeOne(senders);
            }
        } else if (buffer.readable() || buffer.isClosed()) {
            wakeOne(receivers);
        }
    }

    /** Wakes one waiter; false when none was left to wake. */
    private static boolean wakeOne(Queue<Waiter> waiters) {
        Waiter w;
        while ((w = waiters.poll()) != null) {
            if (w.wake()) {
                return true;
            }
        }
        return false;
    }

    /** Wakes up to {@code n} waiters (one per value sent or taken), fewer when fewer wait. */
    private static void wake(Queue<Waiter> waiters, int n) {
        for (int i = 0; i < n && wakeOne(waiters); i++) {
            // each wake-up stands for one value, as a single send's or receive's does
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
                w.withdraw();
                throw new InterruptedException();
            }
        }
    }

    private static Object wrap(Object value) {
        return value == null ? NIL : value;
    }

    private static Object unwrap(Object v) {
        return v == NIL ? null : v;
    }

    // ---- inspection ------------------------------------------------------------------------------

    /** Number of values held now (exact when no operation is in flight). */
    public int len() {
        return buffer.size();
    }

    /**
     * Passes each value this channel's buffer may hold to {@code into}, for a reachability walk
     * (a racy look: it may pass values already received, never misses one that stays); false
     * when the buffer cannot show its values.
     */
    public boolean forEachBuffered(java.util.function.Consumer<Object> into) {
        return buffer.forEachRef(into);
    }

    public boolean isClosed() {
        return buffer.isClosed();
    }

    /** Maximum values held, or -1 when unbounded. */
    public int capacity() {
        return capacity;
    }

    /** {@code <channel 3/16 open>} or {@code <channel 0/unbounded closed>}; a remote one names its far end. */
    @Override
    public String toString() {
        Remote r = remote;
        if (r != null) {
            return "<" + r.describe() + (buffer.isClosed() ? " closed>" : " open>");
        }
        return "<channel " + len() + "/" + (capacity == -1 ? "unbounded" : Integer.toString(capacity))
                + (buffer.isClosed() ? " closed>" : " open>");
    }

    /** Channel number (1, 2, ... in creation order), for diagnostics. */
    public long id() {
        return id;
    }

    // ---- accessors (the prefix names the memory order) ------------------------------------------

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
