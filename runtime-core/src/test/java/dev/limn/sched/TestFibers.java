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
        return new Fiber() {
            private int next;

            @Override
            protected Status run(Carrier carrier) {
                while (next < values.size()) {
                    Channel.SendResult r = channel.send(this, values.get(next));
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
        return new Fiber() {
            @Override
            protected Status run(Carrier carrier) {
                for (;;) {
                    Object v = channel.recv(this);
                    if (v == Channel.PARKED) {
                        return Status.PARKED;
                    }
                    if (v == Channel.END) {
                        return Status.DONE;
                    }
                    sink.accept(v);
                }
            }
        };
    }
}
