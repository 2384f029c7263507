package dev.limn.stress.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.chan.Channel;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLI_Result;

/**
 * Property: a capacity-1 channel (a ring of two slots whose sends also check the count held)
 * never holds two values: of two racing sends into the empty channel exactly one succeeds.
 * (r1, r2: the sends' results; r3: how many values the arbiter drains.)
 */
@JCStressTest
@Outcome(id = {"SENT, FULL, 1", "FULL, SENT, 1"}, expect = ACCEPTABLE, desc = "one send wins, one value held")
@Outcome(expect = FORBIDDEN, desc = "the channel held more than its capacity, or lost a value")
@State
public class ChannelCapacityOneStress {

    private final Channel channel = Channel.bounded(1);

    @Actor
    public void first(LLI_Result r) {
        r.r1 = channel.trySend("a").name();
    }

    @Actor
    public void second(LLI_Result r) {
        r.r2 = channel.trySend("b").name();
    }

    @Arbiter
    public void drain(LLI_Result r) {
        int n = 0;
        while (channel.tryRecv() != Channel.EMPTY) {
            n++;
        }
        r.r3 = n;
    }
}
