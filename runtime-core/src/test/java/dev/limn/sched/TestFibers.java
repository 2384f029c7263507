package dev.limn.sched;

import java.util.List;
import java.util.function.Consumer;

import dev.limn.chan.Channel;

/** Small plain-Java fibers that use the scheduler and channels the way the VM will. */
public final class TestFibers {

    private TestFibers() {
    }

    /** Runs {@code body} once. */
    public static Fiber task(Consumer<Fiber> body) {
        return new Fiber() {
            @Override
            protected Status run(Carrier carrier) {
                body.accept(this);
                return Status.DONE;
            }
        };
    }

    /** Spawns {@code children}, then finishes. */
    public static Fiber spawner(List<? extends Fiber> children) {
        return task(self -> children.forEach(self.scheduler()::spawn));
    }

    /** Sends {@code values} in order, then runs {@code onDone} (e.g. closes the channel). */
    public static Fiber sender(Channel channel, List<?> values, Runnable onDone) {
        return sender(channel, values, onDone, false);
    }

    /** {@link #sender}; with {@code unboxed}, the values (ints) go through {@link Channel#sendInt}. */
    public static Fiber sender(Channel channel, List<?> values, Runnable onDone, boolean unboxed) {
        return new Fiber() {
            private int next;

            @Override
            protected Status run(Carrier carrier) {
                while (next < values.size()) {
                    Object v = values.get(next);
                    Channel.SendResult r = unboxed
                            ? channel.sendInt(this, ((Number) v).longValue())
                            : channel.send(this, v);
                    if (r == Channel.SendResult.PARKED) {
                        return Status.PARKED;
                    }
                    if (r == Channel.SendResult.CLOSED) {
                        throw new IllegalStateException("closed while sending");
                    }
                    next++;
                }
                onDone.run();
                return Status.DONE;
            }
        };
    }

    /** Receives until end of stream, handing each value to {@code sink}. */
    public static Fiber receiver(Channel channel, Consumer<Object> sink) {
        return receiver(channel, sink, false);
    }

    /**
     * {@link #receiver}; with {@code unboxed}, through {@link Channel#recvUnboxed}, and an int
     * that arrives unboxed reaches {@code sink} as an {@code Integer}.
     */
    public static Fiber receiver(Channel channel, Consumer<Object> sink, boolean unboxed) {
        return new Fiber() {
            @Override
            protected Status run(Carrier carrier) {
                for (;;) {
                    Object v = unboxed ? channel.recvUnboxed(this) : channel.recv(this);
                    if (v == Channel.PARKED) {
                        return Status.PARKED;
                    }
                    if (v == Channel.END) {
                        return Status.DONE;
                    }
                    sink.accept(v == Channel.INT ? (Object) Math.toIntExact(receivedInt()) : v);
                }
            }
        };
    }
}
