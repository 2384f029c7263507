package dev.limn.stress.sched;

import dev.limn.chan.Channel;
import dev.limn.sched.Carrier;
import dev.limn.sched.Fiber;

/** What several channel and fiber stress tests share: draining to end of stream, and a fiber that is running. */
final class StressChannels {
    private StressChannels() {
    }

    /** Receives until end of stream; the values in order, or "none". */
    static String drainToEnd(Channel channel) {
        StringBuilder got = new StringBuilder();
        Object v;
        while ((v = channel.tryRecv()) != Channel.END) {
            got.append(v);
        }
        return got.isEmpty() ? "none" : got.toString();
    }

    /** A fiber in the RUNNING state outside any scheduler: a wake-up only leaves its permit. */
    static Fiber runningFiber() {
        Fiber f = new Fiber() {
            @Override
            protected Status run(Carrier carrier) {
                return Status.PARKED;
            }
        };
        f.beginRun();
        return f;
    }
}
