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
 * Property: on a channel whose capacity is its ring's size (a power of two, so the ring's
 * slots alone decide "full"; capacity 1 also checks the count held, see
 * ChannelSendWakeUpStress), a fiber sending to the full channel while a
 * receiver frees a slot either sends or is left with a wake-up; it never parks while a free
 * slot goes unnoticed. (r1: what send returned; r2: the fiber was woken.)
 */
@JCStressTest
@Outcome(id = {"SENT, false", "SENT, true"}, expect = ACCEPTABLE, desc = "sent at once (a spare wake-up is harmless)")
@Outcome(id = "PARKED, true", expect = ACCEPTABLE, desc = "parked and woken")
@Outcome(id = "PARKED, false", expect = FORBIDDEN, desc = "lost wake-up")
@State
public class ChannelSendWakeUpPowerOfTwoStress {

    private final Channel channel = Channel.bounded(2);
    private final Fiber fiber = StressChannels.runningFiber();

    public ChannelSendWakeUpPowerOfTwoStress() {
        channel.trySend(0);
        channel.trySend(1); // full
    }

    @Actor
    public void sender(LZ_Result r) {
        r.r1 = channel.send(fiber, 2).name();
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
