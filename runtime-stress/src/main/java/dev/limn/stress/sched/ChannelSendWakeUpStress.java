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
import org.openjdk.jcstress.infra.results.LZ_Result;

/**
 * Property: a fiber sending to a full channel while a receiver frees a slot either sends or is
 * left with a wake-up; it never parks while a free slot goes unnoticed. (r1: what send returned;
 * r2: the fiber was woken.)
 */
@JCStressTest
@Outcome(id = {"SENT, false", "SENT, true"}, expect = ACCEPTABLE, desc = "sent at once (a spare wake-up is harmless)")
@Outcome(id = "PARKED, true", expect = ACCEPTABLE, desc = "parked and woken")
@Outcome(id = "PARKED, false", expect = FORBIDDEN, desc = "lost wake-up")
@State
public class ChannelSendWakeUpStress {

    private final Channel channel = Channel.bounded(1);
    private final Fiber fiber = StressChannels.runningFiber();

    public ChannelSendWakeUpStress() {
        channel.trySend(0); // full
    }

    @Actor
    public void sender(LZ_Result r) {
        r.r1 = channel.send(fiber, 1).name();
    }

    @Actor
    public void receiver() {
        channel.tryRecv();
    }

    @Arbiter
    public void woken(LZ_Result r) {
        r.r2 = fiber.commitPark();
    }
}
