package dev.limn.remote;

import dev.limn.chan.Channel;
import dev.limn.value.LimnError;

import io.aeron.Publication;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Drains a publication's local channel onto the wire, in order. It takes what the channel
 * holds (up to {@link #DRAIN} values, one CAS) and packs as many values as fit in one Aeron
 * message into a batch frame ({@link Codec#BATCH_TAG}); a message of one value is a
 * single-value frame, and a value too large for a batch goes alone (Aeron fragments it). While
 * the transport pushes back ({@code BACK_PRESSURED}, {@code NOT_CONNECTED}) this thread retries
 * and the local channel fills, so the sending tasks suspend on it (their carriers run other
 * tasks); while no subscriber is connected it takes one value at a time, so the program holds
 * the rest. After the program closes the channel and the last value is out, it offers the
 * end-of-stream frame, then waits (bounded by the run's linger) until no subscriber is
 * connected, so a subscriber has what was sent before this process may exit.
 */
final class PublicationBridge extends Bridge {
    /** The most values taken from the local channel at once. */
    static final int DRAIN = 1024;

    private final Publication publication;
    private final LongAdder items = new LongAdder();
    private final LongAdder messages = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder backPressure = new LongAdder();
    /** A message is built here: a batch fits in one Aeron frame ({@code maxPayloadLength}). */
    private final UnsafeBuffer buf;
    private final int batchLimit;
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private final long[] bits = new long[DRAIN];
    private final Object[] refs = new Object[DRAIN];

    PublicationBridge(RemoteLinks links, Channel local, Publication publication, String uri, int stream) {
        super(links, local, uri, stream);
        this.publication = publication;
        this.batchLimit = Math.min(publication.maxPayloadLength(), publication.maxMessageLength());
        this.buf = new UnsafeBuffer(new byte[Math.max(batchLimit, 64)]);
    }

    @Override
    public boolean sendOnly() {
        return true;
    }

    /** Encodes on the sending task: a value that cannot cross fails its send there. */
    @Override
    public Object outbound(Object value) {
        ExpandableArrayBuffer b = new ExpandableArrayBuffer(32);
        int n = Codec.encode(value, b, 0);
        if (n > publication.maxMessageLength()) {
            throw new LimnError("Error", "a value of " + n + " bytes is larger than the largest message of "
                    + describe() + " (" + publication.maxMessageLength() + " bytes)");
        }
        return Arrays.copyOf(b.byteArray(), n);
    }

    @Override
    public String describe() {
        return "publication " + uri + " stream " + stream;
    }

    @Override
    public void run() {
        IdleStrategy idle = idleStrategy();
        try {
            for (;;) {
                int n = local.drain(bits, refs, publication.isConnected() ? DRAIN : 1);
                if (n == 0) {
                    if (abandoned) {
                        return;
                    }
                    idle.idle();
                    continue;
                }
                idle.reset();
                if (n < 0) {
                    break;
                }
                boolean sent = send(n, idle);
                Arrays.fill(refs, 0, n, null);
                if (!sent) {
                    return;
                }
            }
            if (items.sum() == 0 && !publication.isConnected()) {
                return; // nothing was sent and nobody listens: no subscriber waits for this end of stream
            }
            if (offer(buf, Codec.encodeEnd(buf, 0), idle, 0)) {
                // the end of stream is out: wait for the subscribers to take it and go
                while (publication.isConnected() && !abandoned) {
                    idle.idle();
                }
            }
        } finally {
            local.close();
        }
    }

    /**
     * Offers the {@code n} values drained, in order, as few messages as fit them; false when
     * the publication is closed or the run gave up.
     */
    private boolean send(int n, IdleStrategy idle) {
        UnsafeBuffer buf = this.buf;
        int limit = batchLimit;
        int i = 0;
        while (i < n) {
            int first = i;
            int at = Codec.BATCH_HEADER;
            while (i < n) {
                Object ref = refs[i];
                if (ref == null || ref instanceof Long) { // a Long: an int sent as an object (the host's API)
                    if (at + Codec.MAX_INT_ITEM > limit && i > first) {
                        break;
                    }
                    at = Codec.putIntItem(buf, at, ref == null ? bits[i] : (Long) ref);
                } else {
                    byte[] frame = (byte[]) ref;
                    if (at + frame.length - 1 > limit) {
                        break; // it goes in the next message (alone, if it does not fit a batch)
                    }
                    at = Codec.putFrameItem(buf, at, frame);
                }
                i++;
            }
            int count = i - first;
            boolean sent;
            if (count > 1) {
                Codec.encodeBatchHeader(buf, 0, count);
                sent = offer(buf, at, idle, count);
            } else {
                if (count == 0) {
                    i++; // a value too large for a batch
                }
                Object ref = refs[first];
                if (ref == null || ref instanceof Long) {
                    sent = offer(buf, Codec.encodeInt(ref == null ? bits[first] : (Long) ref, buf, 0), idle, 1);
                } else {
                    byte[] frame = (byte[]) ref;
                    view.wrap(frame);
                    sent = offer(view, frame.length, idle, 1);
                }
            }
            if (!sent) {
                return false;
            }
        }
        return true;
    }

    /**
     * Offers one frame until it is taken ({@code values}: how many values it holds, counted in
     * the statistics with the message, none for the end of stream); false when the publication
     * is closed or the run gave up.
     */
    private boolean offer(org.agrona.DirectBuffer frame, int length, IdleStrategy idle, int values) {
        boolean pushedBack = false;
        for (;;) {
            long r = publication.offer(frame, 0, length);
            if (r > 0) {
                if (values > 0) {
                    items.add(values);
                    messages.increment();
                    bytes.add(length);
                }
                idle.reset();
                return true;
            }
            if (r == Publication.BACK_PRESSURED || r == Publication.NOT_CONNECTED) {
                if (!pushedBack) {
                    pushedBack = true;
                    backPressure.increment();
                }
            } else if (r != Publication.ADMIN_ACTION) {
                return false; // CLOSED or MAX_POSITION_EXCEEDED
            }
            if (abandoned || !links.working()) {
                return false;
            }
            idle.idle();
        }
    }

    static IdleStrategy idleStrategy() {
        return new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
    }

    @Override
    String statsLine() {
        return "stats: remote " + describe() + ": items sent " + items.sum() + ", messages " + messages.sum() + ", back-pressure events "
                + backPressure.sum() + ", bytes " + bytes.sum();
    }

    @Override
    void closeTransport() {
        publication.close();
    }
}
