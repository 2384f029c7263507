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
 * Property: two values sent by one sender into a capacity-1 channel, while a receiver takes
 * concurrently, arrive exactly once each and in order (r1, r2: what the receiver got, 0 for
 * empty; r3: what the arbiter drains afterwards, as a two-digit sequence).
 */
@JCStressTest
@Outcome(id = {"0, 0, 1", "1, 0, 0", "0, 1, 0", "1, 2, 0", "1, 0, 2", "0, 1, 2", "0, 0, 12"},
        expect = ACCEPTABLE, desc = "every value once, in order")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated or reordered value")
@State
public class ChannelOfferPollStress {

    private final Channel channel = Channel.bounded(2);

    @Actor
    public void sender() {
        channel.trySend(1);
        channel.trySend(2);
    }

    @Actor
    public void receiver(III_Result r) {
        r.r1 = take();
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
