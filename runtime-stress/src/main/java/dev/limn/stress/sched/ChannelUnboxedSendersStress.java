package dev.limn.stress.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.chan.Channel;
import dev.limn.sched.Fiber;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/**
 * Property: ints sent unboxed by two fibers into a capacity-2 ring, while each sender also
 * receives once, arrive exactly once each with their payload intact (a slot's int is never
 * read before its publish, nor overwritten before its receive). (r1, r2: what each actor
 * received, 0 for nothing; r3: what the arbiter drains afterwards, as a digit sequence.)
 */
@JCStressTest
@Outcome(id = {"1, 2, 0", "2, 1, 0", "1, 0, 2", "2, 0, 1", "0, 1, 2", "0, 2, 1", "0, 0, 12", "0, 0, 21"},
        expect = ACCEPTABLE, desc = "each value once")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated or torn value")
@State
public class ChannelUnboxedSendersStress {

    private final Channel channel = Channel.bounded(2);
    private final Fiber first = StressChannels.runningFiber();
    private final Fiber second = StressChannels.runningFiber();

    @Actor
    public void first(JJJ_Result r) {
        channel.sendInt(first, 1);
        r.r1 = take();
    }

    @Actor
    public void second(JJJ_Result r) {
        channel.sendInt(second, 2);
        r.r2 = take();
    }

    @Arbiter
    public void drain(JJJ_Result r) {
        long rest = 0;
        long v;
        while ((v = take()) != 0) {
            rest = rest * 10 + v;
        }
        r.r3 = rest;
    }

    private long take() {
        Object v = channel.tryRecv();
        return v instanceof Long l ? l : 0;
    }
}
