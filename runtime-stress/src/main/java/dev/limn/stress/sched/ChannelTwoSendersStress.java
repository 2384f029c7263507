package dev.limn.stress.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.chan.Channel;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Property: with two threads each sending one value and then receiving one, every value is
 * received exactly once, by one of them or by the arbiter afterwards. (r1, r2: what each thread
 * received, 0 for empty; r3: what the arbiter drains, as digits in order.)
 */
@JCStressTest
@Outcome(id = {"1, 2, 0", "2, 1, 0", "1, 0, 2", "2, 0, 1", "0, 1, 2", "0, 2, 1", "0, 0, 12", "0, 0, 21"},
        expect = ACCEPTABLE, desc = "each value once")
@Outcome(expect = FORBIDDEN, desc = "lost or duplicated value")
@State
public class ChannelTwoSendersStress {

    private final Channel channel = Channel.unbounded();

    @Actor
    public void first(III_Result r) {
        channel.trySend(1);
        r.r1 = take();
    }

    @Actor
    public void second(III_Result r) {
        channel.trySend(2);
        r.r2 = take();
    }

    @Arbiter
    public void drain(III_Result r) {
        int rest = 0;
        int v;
        while ((v = take()) != 0) {
            rest = rest * 10 + v;
        }
        r.r3 = rest;
    }

    private int take() {
        Object v = channel.tryRecv();
        return v instanceof Integer i ? i : 0;
    }
}
