package dev.limn.chan;

import dev.limn.sched.Fiber;

/**
 * Where a {@link Channel}'s values wait: {@link RingBuffer} for bounded channels,
 * {@link UnboundedBuffer} for unbounded ones. A value is a pair: {@code ref} is the object
 * (nil is the channel's private marker), or null for an int carried unboxed in {@code bits}.
 * The buffer owns the close flag, because when a receive may report end of stream depends on
 * how it tracks sends still in flight. Waiters and wake-ups belong to the channel.
 */
abstract sealed class ChannelBuffer permits RingBuffer, UnboundedBuffer {

    /** SENT, FULL (bounded only) or CLOSED; never waits. */
    abstract Channel.SendResult offer(long bits, Object ref);

    /**
     * The next value, or {@link Channel#EMPTY}, or {@link Channel#END} (closed and drained).
     * An int comes back as {@link Channel#INT} with its value left in {@code into}, or boxed
     * when {@code into} is null.
     */
    abstract Object poll(Fiber into);

    /**
     * Offers {@code bits[from..from+n)} / {@code refs[from..from+n)} (pairs as in
     * {@link #offer}) in order, as many as there is room for: the number sent, 0 when full, or
     * -1 when closed. Never waits. A buffer without a batch form sends them one by one.
     */
    int offerBatch(long[] bits, Object[] refs, int from, int n) {
        int i = 0;
        while (i < n) {
            Channel.SendResult r = offer(bits[from + i], refs[from + i]);
            if (r == Channel.SendResult.CLOSED) {
                return i == 0 ? -1 : i;
            }
            if (r == Channel.SendResult.FULL) {
                break;
            }
            i++;
        }
        return i;
    }

    /**
     * Takes up to {@code max} values in order into {@code bits}/{@code refs} (pairs as in
     * {@link #offer}; an int may also come as its boxed {@code Long}): the number taken, 0 when
     * empty, or -1 at end of stream. Never waits.
     */
    int pollBatch(long[] bits, Object[] refs, int max) {
        int i = 0;
        while (i < max) {
            Object v = poll(null);
            if (v == Channel.EMPTY) {
                break;
            }
            if (v == Channel.END) {
                return i == 0 ? -1 : i;
            }
            bits[i] = 0;
            refs[i++] = v;
        }
        return i;
    }

    /** Closes; true if this call closed it. Sends that lose the race report CLOSED. */
    abstract boolean close();

    abstract boolean isClosed();

    /** Hint: whether a receive could find a value now. */
    abstract boolean readable();

    /** Hint: whether a send could find room now (always true when unbounded). */
    abstract boolean writable();

    /** Values held now (exact when nothing is in flight). */
    abstract int size();

    /**
     * Passes each value reference the buffer may hold to {@code into} (a racy look: it may also
     * pass values already taken); false when the buffer cannot show them.
     */
    abstract boolean forEachRef(java.util.function.Consumer<Object> into);
}
