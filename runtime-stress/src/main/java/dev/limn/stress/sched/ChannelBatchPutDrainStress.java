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
 * Property: a batch put ({@link Channel#putAll}, one CAS of the producer index) racing a batch
 * drain ({@link Channel#drain}, one CAS of the consumer index) on a ring whose indices start
 * mid-lap, so the batch wraps: the values arrive exactly once and in order, split between what
 * the drain took and what the arbiter takes afterwards. (r1: the digits the racing drain took,
 * 0 for none; r2: the digits left for the arbiter.)
 */
@JCStressTest
@Outcome(id = {"0, 123", "1, 23", "12, 3", "123, 0"}, expect = ACCEPTABLE, desc = "each value once, in order")
@Outcome(expect = FORBIDDEN, desc = "lost, duplicated or reordered value")
@State
public class ChannelBatchPutDrainStress {

    private final Channel channel = Channel.bounded(4);

    public ChannelBatchPutDrainStress() {
        // move both indices to 3 of a 4-slot ring: a batch of 3 wraps round its end
        for (int i = 0; i < 3; i++) {
            channel.trySend(9);
            channel.tryRecv();
        }
    }

    @Actor
    public void put() {
        try {
            channel.putAll(new long[] {1, 2, 3}, new Object[3], 3);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Actor
    public void drain(II_Result r) {
        r.r1 = digits(4);
    }

    @Arbiter
    public void rest(II_Result r) {
        r.r2 = digits(4);
    }

    private int digits(int max) {
        long[] bits = new long[max];
        Object[] refs = new Object[max];
        int k = channel.drain(bits, refs, max);
        int got = 0;
        for (int i = 0; i < k; i++) {
            got = got * 10 + (int) (refs[i] == null ? bits[i] : ((Number) refs[i]).longValue());
        }
        return got;
    }
}
