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
 * Property: a send racing with close either succeeds and its value is received exactly once
 * before end of stream, or reports CLOSED and the value never appears; end of stream is never
 * seen while a successfully sent value is undelivered. (r1: the send's result; r2: what the
 * closer receives right after closing; r3: what the arbiter receives until end of stream.)
 * Two actors, so it runs on two CPUs.
 */
@JCStressTest
@Outcome(id = {"SENT, 1, none", "SENT, EMPTY, 1", "CLOSED, EMPTY, none", "CLOSED, END, none"},
        expect = ACCEPTABLE, desc = "sent values are delivered once, before end of stream")
@Outcome(expect = FORBIDDEN, desc = "a sent value was lost or duplicated, or a CLOSED send delivered")
@State
public class ChannelCloseStress {

    private final Channel channel = Channel.unbounded();

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
