package dev.limn.chan;

import dev.limn.sched.Fiber;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The values of a bounded channel: a multi-producer multi-consumer ring in the style of
 * Vyukov's bounded queue (the algorithm of JCTools' {@code MpmcArrayQueue}), with two things
 * that queue cannot give a channel of a tagged-value VM:
 * <ul>
 *   <li><b>ints travel unboxed.</b> A slot is a sequence number, an 8-byte payload and a
 *       reference that stays null for an int (three parallel arrays). Sending an int allocates
 *       nothing, and the receiver does not pull a boxed {@code Long} from the sender's core;</li>
 *   <li><b>the close flag is a bit of the producer index,</b> so closing and claiming a slot are
 *       ordered by the one CAS every send does anyway: once the bit is set no send can claim a
 *       slot, and the index below the bit is final. A send is one CAS and two plain stores
 *       (JCTools plus a separate close flag needs an in-flight count around each send: two
 *       more locked instructions).</li>
 * </ul>
 *
 * <h2>Slots</h2>
 * Position {@code n} (0, 1, 2, ... in send order) lives in slot {@code n mod size}. The slot's
 * sequence number says whose turn it is: {@code n} means free for the send of position
 * {@code n}; {@code n + 1} means position {@code n} is published for its receive; the receive
 * sets it to {@code n + size}, freeing the slot for position {@code n + size}. A send claims
 * position {@code n} by CAS on the producer index, writes the payload, then publishes the
 * sequence (release); a receive claims by CAS on the consumer index, reads, then frees
 * (release). {@code size} is the capacity, except capacity 1, which needs a ring of 2 (with
 * one slot, "published n" and "free for n + 1" would be the same number); there a send also
 * checks that nothing is held.
 *
 * <h2>Why a receive never parks on a claimed slot</h2>
 * A receive that finds its slot unpublished reads the producer index: if it is past the slot,
 * a send has claimed it and is between its CAS and its publish (a few instructions of a
 * running thread: no fiber can suspend there), so the receive spins until it is published.
 * It reports EMPTY only when no send has claimed the slot. So the channel's no-lost-wake-up
 * argument needs only the producer index's CAS, which is a full fence: a receiver registers,
 * then reads the producer index; a sender CASes it, then reads the receiver waiters. A
 * sender needs no fence after its publish, and sends and receives are symmetric: a full
 * send is decided by the consumer index, which the receive CASes before it reads the sender
 * waiters.
 *
 * <h2>Batches</h2>
 * {@link #offerBatch} claims {@code k} positions with one CAS of the producer index and
 * {@link #pollBatch} takes a run of {@code k} published positions with one CAS of the consumer
 * index; each slot is then written or read and released exactly as by a single send or
 * receive, so the argument above holds slot by slot.
 *
 * <h2>Layout</h2>
 * The two indices sit 128 bytes apart in a padded {@code long[]}, and the sequence, payload
 * and reference arrays are padded by 128 bytes at both ends, so no index shares a cache line
 * (or an adjacent-line prefetch pair) with the other index or the slots. Sequences and
 * payloads are separate arrays (eight of each per line): measured against interleaving them
 * in one array (four slots per line), the separate arrays moved values between two spinning
 * threads faster and more steadily (docs/design.md, "Channels").
 */
final class RingBuffer extends ChannelBuffer {

    /** Producer-index bit: the channel is closed. */
    static final long CLOSED = 1L << 62;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** 128 bytes of longs. */
    private static final int PAD = 16;
    /** 128 bytes of compressed references (64 without compression: still a line). */
    private static final int REF_PAD = 32;
    private static final int PRODUCER = PAD;
    private static final int CONSUMER = 2 * PAD;
    /** Spins on a claimed, unpublished slot before a waiting thread also yields its core. */
    private static final int SPINS_BEFORE_YIELD = 1 << 10;

    private final long[] indices = new long[3 * PAD];
    /** Slot {@code s}: sequence at {@code PAD + s}; payload in {@code bits[PAD + s]}. */
    private final long[] slots;
    private final long[] bits;
    private final Object[] refs;
    private final int capacity;
    private final int size;
    /** {@code size - 1} when size is a power of two, else -1 (then slots are found by remainder). */
    private final long mask;

    RingBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("ring capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.size = Math.max(2, capacity);
        this.mask = Integer.bitCount(size) == 1 ? size - 1 : -1;
        this.slots = new long[PAD + size + PAD];
        this.bits = new long[PAD + size + PAD];
        this.refs = new Object[REF_PAD + size + REF_PAD];
        for (int s = 0; s < size; s++) {
            slots[PAD + s] = s; // published by the final-field freeze at the end of construction
        }
    }

    @Override
    Channel.SendResult offer(long bits, Object ref) {
        long p = lvProducer();
        for (;;) {
            if ((p & CLOSED) != 0) {
                return Channel.SendResult.CLOSED;
            }
            if (capacity < size && p - lvConsumer() >= capacity) {
                return Channel.SendResult.FULL;
            }
            int s = slot(p);
            long seq = lvSeq(s);
            if (seq == p) {
                long witness = caxProducer(p, p + 1);
                if (witness == p) {
                    this.bits[PAD + s] = bits;
                    if (ref != null) {
                        refs[REF_PAD + s] = ref;
                    }
                    soSeq(s, p + 1);
                    return Channel.SendResult.SENT;
                }
                p = witness; // another send claimed p, or the channel closed
            } else if (seq < p) {
                // The slot still holds position p - size: full, unless a receive has claimed
                // that position and is about to free the slot.
                if (p - size >= lvConsumer()) {
                    return Channel.SendResult.FULL;
                }
                Thread.onSpinWait();
                p = lvProducer();
            } else {
                p = lvProducer(); // p was claimed meanwhile
            }
        }
    }

    @Override
    Object poll(Fiber into) {
        long c = lvConsumer();
        int spins = 0;
        for (;;) {
            int s = slot(c);
            long seq = lvSeq(s);
            if (seq == c + 1) {
                long witness = caxConsumer(c, c + 1);
                if (witness == c) {
                    return take(s, c, into);
                }
                c = witness;
            } else if (seq < c + 1) {
                long p = lvProducer();
                if (c >= (p & ~CLOSED)) {
                    return (p & CLOSED) != 0 ? Channel.END : Channel.EMPTY;
                }
                // Claimed by a send that has not published yet (see the class comment).
                spins = backoff(spins);
                c = lvConsumer();
            } else {
                c = lvConsumer(); // another receive took c
            }
        }
    }

    /**
     * Claims {@code k} positions with one CAS of the producer index, {@code k} the room left
     * (at most {@code n}), then fills and publishes them in order, each as soon as it is
     * written. The room is counted from the consumer index, so every earlier occupant of a
     * claimed slot has been claimed by a receive; a slot whose receive has not freed it yet is
     * waited for (a few instructions of a running thread, as {@link #offer} does).
     */
    @Override
    int offerBatch(long[] bits, Object[] refs, int from, int n) {
        long p = lvProducer();
        for (;;) {
            if ((p & CLOSED) != 0) {
                return -1;
            }
            long room = capacity - (p - lvConsumer());
            if (room <= 0) {
                return 0;
            }
            int k = (int) Math.min(n, room);
            long witness = caxProducer(p, p + k);
            if (witness != p) {
                p = witness; // another send claimed p, or the channel closed
                continue;
            }
            for (int j = 0; j < k; j++) {
                long position = p + j;
                int s = slot(position);
                int spins = 0;
                while (lvSeq(s) != position) {
                    spins = backoff(spins);
                }
                this.bits[PAD + s] = bits[from + j];
                Object ref = refs[from + j];
                if (ref != null) {
                    this.refs[REF_PAD + s] = ref;
                }
                soSeq(s, position + 1);
            }
            return k;
        }
    }

    /**
     * Takes the run of published positions from the consumer index (at most {@code max}) with
     * one CAS of the consumer index, then reads and frees each slot.
     */
    @Override
    int pollBatch(long[] bits, Object[] refs, int max) {
        long c = lvConsumer();
        int spins = 0;
        for (;;) {
            int k = 0;
            while (k < max && lvSeq(slot(c + k)) == c + k + 1) {
                k++;
            }
            if (k == 0) {
                long seq = lvSeq(slot(c));
                if (seq > c + 1) {
                    c = lvConsumer(); // another receive took c
                    continue;
                }
                long p = lvProducer();
                if (c >= (p & ~CLOSED)) {
                    return (p & CLOSED) != 0 ? -1 : 0;
                }
                // Claimed by a send that has not published yet (see the class comment).
                spins = backoff(spins);
                c = lvConsumer();
                continue;
            }
            long witness = caxConsumer(c, c + k);
            if (witness != c) {
                c = witness;
                continue;
            }
            for (int j = 0; j < k; j++) {
                int s = slot(c + j);
                Object ref = this.refs[REF_PAD + s];
                bits[j] = this.bits[PAD + s];
                if (ref != null) {
                    this.refs[REF_PAD + s] = null;
                }
                refs[j] = ref;
                soSeq(s, c + j + size);
            }
            return k;
        }
    }

    private Object take(int s, long c, Fiber into) {
        Object ref = refs[REF_PAD + s];
        long bits = this.bits[PAD + s];
        if (ref != null) {
            refs[REF_PAD + s] = null;
        }
        soSeq(s, c + size);
        if (ref != null) {
            return ref;
        }
        if (into != null) {
            into.receivedInt(bits);
            return Channel.INT;
        }
        return bits;
    }

    @Override
    boolean close() {
        return ((long) LONGS.getAndBitwiseOr(indices, PRODUCER, CLOSED) & CLOSED) == 0;
    }

    @Override
    boolean isClosed() {
        return (lvProducer() & CLOSED) != 0;
    }

    /** Reads the head slot only, not the producer index that every send writes. */
    @Override
    boolean readable() {
        long c = lvConsumer();
        return lvSeq(slot(c)) == c + 1;
    }

    @Override
    boolean writable() {
        long p = lvProducer() & ~CLOSED;
        return lvSeq(slot(p)) == p && (capacity == size || p - lvConsumer() < capacity);
    }

    @Override
    int size() {
        long n = (lvProducer() & ~CLOSED) - lvConsumer();
        return (int) Math.max(0, Math.min(capacity, n));
    }

    private int slot(long position) {
        return (int) (mask >= 0 ? position & mask : position % size);
    }

    // ---- accessors (the prefix names the memory order) ------------------------------------------

    private long lvProducer() {
        return (long) LONGS.getVolatile(indices, PRODUCER);
    }

    private long lvConsumer() {
        return (long) LONGS.getVolatile(indices, CONSUMER);
    }

    private long caxProducer(long expected, long value) {
        return (long) LONGS.compareAndExchange(indices, PRODUCER, expected, value);
    }

    private long caxConsumer(long expected, long value) {
        return (long) LONGS.compareAndExchange(indices, CONSUMER, expected, value);
    }

    /**
     * One more wait for a claimed, unpublished slot: a spin, or past
     * {@link #SPINS_BEFORE_YIELD} a yield of the core; the count of waits so far.
     */
    private static int backoff(int spins) {
        if (++spins < SPINS_BEFORE_YIELD) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
        return spins;
    }

    private long lvSeq(int s) {
        return (long) LONGS.getAcquire(slots, PAD + s);
    }

    private void soSeq(int s, long value) {
        LONGS.setRelease(slots, PAD + s, value);
    }

    @Override
    boolean forEachRef(java.util.function.Consumer<Object> into) {
        Object[] r = refs;
        for (int i = 0; i < r.length; i++) {
            Object v = r[i];
            if (v != null) {
                into.accept(v);
            }
        }
        return true;
    }
}
