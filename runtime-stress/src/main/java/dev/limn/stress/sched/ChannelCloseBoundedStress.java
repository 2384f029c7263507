package dev.limn.stress.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.chan.Channel;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * Property: on a bounded channel (whose close flag is a bit of the ring's producer index), a
 * send racing with close either claims its slot first, and then the value is received exactly
 * once, even by a receive that starts while the send is still writing it, or reports CLOSED
 * and the value never appears. A receive right after close is never EMPTY: it waits out a send
 * in flight. (r1: the send's result; r2: what the closer receives right after closing; r3: what
 * the arbiter receives until end of stream.)
 */
@JCStressTest
@Outcome(id = {"SENT, 1, none", "CLOSED, END, none"}, expect = ACCEPTABLE,
        desc = "the value is delivered once before end of stream, or refused")
@Outcome(expect = FORBIDDEN, desc = "a sent value was lost or duplicated, a CLOSED send delivered, or EMPTY after close")
@State
public class ChannelCloseBoundedStress {

    private final Channel channel = Channel.bounded(4);

    @Actor
    public void sender(LLL_Result r) {
        r.r1 = channel.trySend(1).name();
    }

    @Actor
    public void closerThenReceiver(LLL_Result r) {
        channel.close();
        r.r2 = String.valueOf(channel.tryRecv());
    }

    @Arbiter
    public void drain(LLL_Result r) {
        r.r3 = StressChannels.drainToEnd(channel);
    }
}
