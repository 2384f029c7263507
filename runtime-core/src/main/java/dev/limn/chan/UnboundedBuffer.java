package dev.limn.chan;

import dev.limn.sched.Fiber;

import org.jctools.queues.MpmcUnboundedXaddArrayQueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The values of an unbounded channel: a JCTools {@link MpmcUnboundedXaddArrayQueue} (ints
 * travel boxed), a close flag and an in-flight count of sends.
 *
 * <p>A send increments {@code inflight}, then checks the close flag, then offers, then
 * decrements. A receiver that reads the flag set and then {@code inflight == 0} knows every
 * value that will ever be offered is visible, so an empty poll then means end of stream. The
 * send that brings {@code inflight} to 0 on a closed channel wakes every receiver of its channel:
 * they may have seen the flag while it was still in flight.
 */
final class UnboundedBuffer extends ChannelBuffer {

    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(UnboundedBuffer.class, "closed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MpmcUnboundedXaddArrayQueue<Object> values = new MpmcUnboundedXaddArrayQueue<>(64);
    /** On a cache line of its own: every send writes it twice, a receiver reads it only once closed. */
    private final InflightCounter inflight = new InflightCounter();
    private final Channel channel;
    private volatile int closed;

    UnboundedBuffer(Channel channel) {
        this.channel = channel;
    }

    @Override
    Channel.SendResult offer(long bits, Object ref) {
        inflight.add(1);
        if (isClosed()) {
            leave();
            return Channel.SendResult.CLOSED;
        }
        values.offer(ref != null ? ref : (Object) bits);
        leave();
        return Channel.SendResult.SENT;
    }

    private void leave() {
        if (inflight.add(-1) == 1 && isClosed()) {
            channel.wakeAllReceivers(); // they may have seen the flag with this send in flight
        }
    }

    @Override
    Object poll(Fiber into) {
        Object v = values.poll();
        if (v != null) {
            return v;
        }
        if (isClosed() && inflight.get() == 0) {
            // Every send that passed the flag has finished its offer: a last poll decides.
            v = values.poll();
            return v != null ? v : Channel.END;
        }
        return Channel.EMPTY;
    }

    @Override
    boolean close() {
        return CLOSED.compareAndSet(this, 0, 1);
    }

    @Override
    boolean isClosed() {
        return closed != 0;
    }

    @Override
    boolean readable() {
        return !values.isEmpty();
    }

    @Override
    boolean writable() {
        return true;
    }

    @Override
    int size() {
        return values.size();
    }

    @Override
    boolean forEachRef(java.util.function.Consumer<Object> into) {
        return size() == 0; // the queue cannot be walked: only an empty one is known to hold nothing
    }

    /** An int counter padded to a cache line of its own (superclass fields are laid out first). */
    private static final class InflightCounter extends InflightValue {
        long p10, p11, p12, p13, p14, p15, p16;
    }

    private abstract static class InflightPad {
        long p00, p01, p02, p03, p04, p05, p06;
    }

    private abstract static class InflightValue extends InflightPad {
        private static final VarHandle VALUE;

        static {
            try {
                VALUE = MethodHandles.lookup().findVarHandle(InflightValue.class, "value", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private volatile int value;

        /** Returns the value before the add. */
        final int add(int delta) {
            return (int) VALUE.getAndAdd(this, delta);
        }

        final int get() {
            return value;
        }
    }
}
