package dev.limn.api;

import dev.limn.chan.Channel;
import dev.limn.chan.ChannelClosedException;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A Limn channel seen from Java: made by the host ({@link LimnRuntime#channel}) and passed to
 * programs as a global or an argument, or received from Limn code. It is a channel like any
 * other. A host-made channel counts as a possible producer until it is closed, so a Limn
 * receive on it waits for the host instead of seeing end of stream; a host blocked in
 * {@link #receive} counts as a possible consumer. {@link #close} from either side gives end of
 * stream after the buffered items, each delivered exactly once. Safe from any thread. Closing
 * the runtime wakes a host thread waiting in {@link #send} or {@link #receive} with
 * {@link IllegalStateException}.
 */
public final class LimnChannel implements Iterable<Object> {
    final LimnRuntime runtime;
    final Channel channel;

    LimnChannel(LimnRuntime runtime, Channel channel) {
        this.runtime = runtime;
        this.channel = channel;
    }

    /**
     * Sends {@code value}, waiting while a bounded channel is full.
     *
     * @throws IllegalStateException if the channel is closed, or the runtime closes while it waits
     * @throws LimnException         kind Cancelled if the thread is interrupted while it waits (the interrupt stays set)
     */
    public void send(Object value) {
        Object v = Conversions.toLimn(value, "the value sent");
        boolean mayWait = channel.capacity() > 0; // an unbounded channel never makes a sender wait
        if (mayWait) {
            runtime.hostWaitBegins(channel);
        }
        try {
            channel.put(v);
        } catch (ChannelClosedException e) {
            runtime.checkOpen();
            throw new IllegalStateException("send on a closed channel");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LimnException("Cancelled", "the send was interrupted");
        } finally {
            if (mayWait) {
                runtime.hostWaitEnds();
            }
        }
    }

    /**
     * Sends {@code value} if there is room now.
     *
     * @return false when the bounded channel is full
     * @throws IllegalStateException if the channel is closed
     */
    public boolean trySend(Object value) {
        Object v = Conversions.toLimn(value, "the value sent");
        return switch (channel.trySend(v)) {
            case SENT -> true;
            case CLOSED -> throw new IllegalStateException("send on a closed channel");
            default -> false;
        };
    }

    /**
     * Receives the next value, waiting for one.
     *
     * @throws NoSuchElementException when the channel is closed and drained (end of stream)
     * @throws IllegalStateException  if the runtime closes while it waits
     * @throws LimnException          kind Cancelled if the thread is interrupted while it waits (the interrupt stays set)
     */
    public Object receive() {
        Object v = channel.tryRecv();
        if (v == Channel.EMPTY) {
            // it may wait: counted as a possible consumer, and woken by the runtime's close
            dev.limn.sched.Scheduler.HostProducer consumer = runtime.engine().scheduler().registerHostProducer();
            runtime.hostWaitBegins(channel);
            try {
                v = channel.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LimnException("Cancelled", "the receive was interrupted");
            } finally {
                runtime.hostWaitEnds();
                consumer.release();
            }
        }
        if (v == Channel.END) {
            runtime.checkOpen();
            throw new NoSuchElementException("end of stream");
        }
        return Conversions.toJava(v, runtime.detached());
    }

    /** Closes the channel (idempotent): receivers get the buffered items, then end of stream. */
    public void close() {
        channel.close();
    }

    public boolean isClosed() {
        return channel.isClosed();
    }

    /** Every value until end of stream, each taken by exactly one receiver. */
    @Override
    public Iterator<Object> iterator() {
        return new Iterator<>() {
            private Object next;
            private boolean ready;
            private boolean ended;

            @Override
            public boolean hasNext() {
                if (!ready && !ended) {
                    try {
                        next = receive();
                        ready = true;
                    } catch (NoSuchElementException end) {
                        ended = true;
                    }
                }
                return ready;
            }

            @Override
            public Object next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("end of stream");
                }
                ready = false;
                return next;
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LimnChannel c && c.channel == channel;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(channel);
    }

    @Override
    public String toString() {
        return channel.toString();
    }
}
