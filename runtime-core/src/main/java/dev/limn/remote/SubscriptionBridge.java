package dev.limn.remote;

import dev.limn.chan.Channel;

import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;

import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Fills a subscription's local channel from the wire: each message (one value, or a batch) is
 * decoded whole, then its values go into the channel together ({@link Channel#offerAll}: as
 * many as there is room for per CAS, ints unboxed, one wake-up per value only where a receiver
 * waits), waiting while it is full ({@link #put}; the transport's flow control then holds the
 * publisher back). A message that cannot be decoded delivers none of its values. The stream ends, and the channel closes, once every publisher seen has sent its
 * end-of-stream frame. A publisher whose image goes away without one (its process died, and
 * the driver's liveness timeout passed), a frame that cannot be decoded, or a driver that stops
 * responding ends the stream with {@code ChannelLost}: receivers get the values held, then the
 * error.
 */
final class SubscriptionBridge extends Bridge implements FragmentHandler {
    /** {@link #put} on a full channel: spins first, then parks this long at a time. */
    private static final int ROOM_SPINS = 100;
    private static final long ROOM_PARK_NANOS = 20_000;

    Subscription subscription;
    private final io.aeron.FragmentAssembler assembler = new io.aeron.FragmentAssembler(this);
    private final LongAdder items = new LongAdder();
    private final LongAdder messages = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final Codec.Items decoded = new Codec.Items();
    /** Sessions (one per publication) seen, and those whose end-of-stream frame came. */
    private final Set<Integer> seen = ConcurrentHashMap.newKeySet();
    private final Set<Integer> ended = ConcurrentHashMap.newKeySet();
    /** Sessions whose image went away, told by the client's thread; looked at by this one. */
    private final Queue<Integer> gone = new ConcurrentLinkedQueue<>();
    private boolean stop;
    /**
     * This thread's own: the session of the last message (added to {@link #seen} already), and
     * whether an end-of-stream frame came since the last look at {@link #ended}. The loop polls
     * millions of times a second while it waits, and comparing the two sets on every poll made
     * the JIT compile {@code containsAll} and a set iterator in the middle of a transfer.
     */
    private long lastSession = Long.MIN_VALUE; // no session yet: no int is this
    private boolean endCame;

    SubscriptionBridge(RemoteLinks links, Channel local, String uri, int stream) {
        super(links, local, uri, stream);
    }

    @Override
    public boolean sendOnly() {
        return false;
    }

    @Override
    public Object outbound(Object value) {
        throw new IllegalStateException("a subscription is receive-only");
    }

    @Override
    public String describe() {
        return "subscription " + uri + " stream " + stream;
    }

    void imageAvailable(Image image) {
        seen.add(image.sessionId());
    }

    void imageUnavailable(Image image) {
        gone.add(image.sessionId());
    }

    @Override
    public void run() {
        IdleStrategy idle = PublicationBridge.idleStrategy();
        try {
            while (!stop && !abandoned && !local.isClosed()) {
                int n = subscription.poll(assembler, 256);
                if (stop) {
                    return;
                }
                Integer session;
                while ((session = gone.poll()) != null) {
                    if (!ended.contains(session)) {
                        local.fail("ChannelLost", "the publisher of " + describe()
                                + " went away without closing its publication (session " + session + ")");
                        return;
                    }
                }
                if (endCame) { // seen only grows: the ended cover it only once ended has grown
                    endCame = false;
                    if (ended.containsAll(seen)) {
                        local.close(); // every publisher closed: end of stream
                        return;
                    }
                }
                String fatal = links.fatal;
                if (fatal != null) {
                    local.fail("ChannelLost", describe() + ": " + fatal);
                    return;
                }
                if (n > 0) {
                    idle.reset();
                } else {
                    idle.idle();
                }
            }
        } finally {
            local.close(); // the run ended first: nothing more will come
            // leave at once: a publisher waits for its subscribers to go before its process exits
            closeTransport();
        }
    }

    @Override
    public void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        if (stop) {
            return;
        }
        int session = header.sessionId();
        if (session != lastSession) {
            seen.add(session);
            lastSession = session;
        }
        Codec.Items decoded = this.decoded;
        boolean end;
        try {
            end = Codec.decodeInto(buffer, offset, length, decoded);
        } catch (Codec.Malformed e) {
            decoded.clear();
            stop = true;
            local.fail("ChannelLost", describe() + ": a message could not be decoded (" + e.getMessage() + ")");
            return;
        }
        if (end) {
            ended.add(session);
            endCame = true;
            return;
        }
        int n = decoded.size();
        try {
            if (put(decoded.bits(), decoded.refs(), n)) {
                items.add(n);
                messages.increment();
                bytes.add(length);
            }
        } finally {
            decoded.clear();
        }
    }

    /**
     * Puts a message's {@code n} values into the local channel, in order, waiting while it is
     * full (the transport's flow control meanwhile holds the publisher back); false when the
     * program closed its end or the run gave up. The wait is a short timed park, not a
     * registration as the channel's sender: registered, this thread was woken by the first
     * receive that freed a slot, put the few values there was room for, and waited again; with
     * a receiving task slower than the wire that was a park and an unpark (a system call on the
     * task's carrier) for every 80 values, 60,000 of each in a 5M-int transfer. A park of tens
     * of microseconds lets the task free hundreds of slots first, and the 4,096 values held last
     * it longer than the park.
     */
    private boolean put(long[] bits, Object[] refs, int n) {
        int at = 0;
        int waits = 0;
        while (at < n) {
            int k = local.offerAll(bits, refs, at, n - at);
            if (k < 0) {
                stop = true; // the program closed its end
                return false;
            }
            at += k;
            if (at < n) {
                if (abandoned || Thread.currentThread().isInterrupted()) {
                    stop = true;
                    return false;
                }
                if (++waits <= ROOM_SPINS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, ROOM_PARK_NANOS);
                }
            }
        }
        return true;
    }

    @Override
    String statsLine() {
        return "stats: remote " + describe() + ": items received " + items.sum() + ", messages " + messages.sum() + ", bytes " + bytes.sum();
    }

    @Override
    void closeTransport() {
        try {
            subscription.close(); // idempotent
        } catch (RuntimeException e) {
            // the client is closed or lost its driver: nothing left to close
        }
    }
}
