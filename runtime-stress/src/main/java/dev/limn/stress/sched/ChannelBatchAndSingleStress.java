package dev.limn.stress.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.chan.Channel;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Property: a batch drain ({@link Channel#drain}) racing a thread that sends 4 and then receives
 * one value ({@link Channel#tryRecv}), over 1, 2, 3 already in a 4-slot ring: every value is taken
 * exactly once and in order, so the receive takes 1 (before the drain), or 4 or nothing
 * (after it). (r1: the digits the drain took, then those the arbiter takes; r2: what the
 * single receive took, 0 for none.)
 */
@JCStressTest
@Outcome(id = {"234, 1", "1234, 0", "123, 4"}, expect = ACCEPTABLE,
        desc = "each value once, in order: the receive took 1, nothing, or 4 after the drain")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated or reordered value")
@State
public class ChannelBatchAndSingleStress {

    private final Channel channel = Channel.bounded(4);
    private int drained;

    public ChannelBatchAndSingleStress() {
        channel.trySend(1);
        channel.trySend(2);
        channel.trySend(3);
    }

    @Actor
    public void drain() {
        drained = digits(drained);
    }

    @Actor
    public void sendThenReceive(II_Result r) {
        channel.trySend(4); // room for it: three of four slots are taken at most
        Object v = channel.tryRecv();
        r.r2 = v instanceof Integer i ? i : 0;
    }

    @Arbiter
    public void rest(II_Result r) {
        r.r1 = digits(drained);
    }

    private int digits(int got) {
        long[] bits = new long[4];
        Object[] refs = new Object[4];
        int k = channel.drain(bits, refs, 4);
        for (int i = 0; i < k; i++) {
            got = got * 10 + (int) (refs[i] == null ? bits[i] : ((Number) refs[i]).longValue());
        }
        return got;
    }
}
