package dev.limn.stress.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.chan.Channel;
import dev.limn.sched.Fiber;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * A sender on a full capacity-1 channel registers as a waiter and tries again; the other
 * actor receives, sends with a second fiber, and receives again. When the first sender's
 * second try sends, its node may still be in the waiter list, and a receive (of the very value
 * it just sent, say) may choose it for the wake-up meant for a sender waiting for room: the
 * first sender must pass that wake-up on to the next waiter. FORBIDDEN "lost": a sender
 * parked, never woken, beside a free slot; it would wait for ever (found by a conformance
 * program in which main received 19 of 20 streamed results, then got end of stream while
 * the 20th task's send waited on an empty channel).
 */
@JCStressTest
@Description("A sender whose re-check after registering succeeds passes on a wake-up already chosen for it.")
@Outcome(id = "ok", expect = ACCEPTABLE, desc = "every sender sent, was woken, or waits on a full channel")
@Outcome(id = "lost", expect = FORBIDDEN, desc = "lost wake-up: a sender parked, not woken, while the channel has room")
@State
public class ChannelRecheckWakeUpStress {

    private final Channel channel = Channel.bounded(1);
    private final Fiber first = StressChannels.runningFiber();
    private final Fiber second = StressChannels.runningFiber();
    private Channel.SendResult firstSent;
    private Channel.SendResult secondSent;

    public ChannelRecheckWakeUpStress() {
        if (channel.trySend(0L) != Channel.SendResult.SENT) {
            throw new IllegalStateException("an empty channel must take a value");
        }
    }

    @Actor
    public void firstSender() {
        firstSent = channel.send(first, 1L);
    }

    @Actor
    public void receiverAndSecondSender() {
        channel.tryRecv();
        secondSent = channel.send(second, 2L);
        channel.tryRecv();
    }

    @Arbiter
    public void outcome(L_Result r) {
        boolean room = channel.len() == 0;
        boolean firstLost = firstSent == Channel.SendResult.PARKED && !first.commitPark() && room;
        boolean secondLost = secondSent == Channel.SendResult.PARKED && !second.commitPark() && room;
        r.r1 = firstLost || secondLost ? "lost" : "ok";
    }
}
