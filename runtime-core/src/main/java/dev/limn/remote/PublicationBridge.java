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
 * Drains a publication's local channel onto the wire, one message per value, in order. While
 * the transport pushes back ({@code BACK_PRESSURED}, {@code NOT_CONNECTED}) this thread retries
 * and the local channel fills, so the sending tasks suspend on it (their carriers run other
 * tasks). After the program closes the channel and the last value is out, it offers the
 * end-of-stream frame, then waits (bounded by the run's linger) until no subscriber is
 * connected, so a subscriber has what was sent before this process may exit.
 */
final class PublicationBridge extends Bridge {
    private final Publication publication;
    private final LongAdder items = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder backPressure = new LongAdder();
    private final ExpandableArrayBuffer buf = new ExpandableArrayBuffer(64);
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);

    PublicationBridge(RemoteLinks links, Channel local, Publication publication, String uri, int stream) {
        super(links, local, uri, stream);
        this.publication = publication;
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
                Object v = local.tryRecv();
                if (v == Channel.EMPTY) {
                    if (abandoned) {
                        return;
                    }
                    idle.idle();
                    continue;
                }
                idle.reset();
                if (v == Channel.END) {
                    break;
                }
                boolean sent;
                if (v instanceof Long l) {
                    sent = offer(buf, Codec.encodeInt(l, buf, 0), idle, true);
                } else {
                    byte[] frame = (byte[]) v;
                    view.wrap(frame);
                    sent = offer(view, frame.length, idle, true);
                }
                if (!sent) {
                    return;
                }
            }
            if (items.sum() == 0 && !publication.isConnected()) {
                return; // nothing was sent and nobody listens: no subscriber waits for this end of stream
            }
            if (offer(buf, Codec.encodeEnd(buf, 0), idle, false)) {
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
     * Offers one frame until it is taken ({@code value}: a value's, counted in the statistics);
     * false when the publication is closed or the run gave up.
     */
    private boolean offer(org.agrona.DirectBuffer frame, int length, IdleStrategy idle, boolean value) {
        boolean pushedBack = false;
        for (;;) {
            long r = publication.offer(frame, 0, length);
            if (r > 0) {
                if (value) {
                    items.increment();
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
        return "stats: remote " + describe() + ": items sent " + items.sum() + ", back-pressure events "
                + backPressure.sum() + ", bytes " + bytes.sum();
    }

    @Override
    void closeTransport() {
        publication.close();
    }
}
