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
 * Property: a fiber receiving from an empty channel while a value is sent either gets the value
 * or is left with a wake-up; it never parks with the value sitting unseen in the channel
 * (register, re-check, park). (r1: what recv returned; r2: the fiber was woken.)
 */
@JCStressTest
@Outcome(id = {"1, false", "1, true"}, expect = ACCEPTABLE, desc = "received at once (a spare wake-up is harmless)")
@Outcome(id = "PARKED, true", expect = ACCEPTABLE, desc = "parked and woken")
@Outcome(id = "PARKED, false", expect = FORBIDDEN, desc = "lost wake-up")
@State
public class ChannelReceiveWakeUpStress {

    private final Channel channel = Channel.bounded(4);
    // Stays RUNNING throughout, so a wake-up only leaves the permit (no scheduler needed).
    private final Fiber fiber = StressChannels.runningFiber();


    @Actor
    public void receiver(LZ_Result r) {
        r.r1 = String.valueOf(channel.recv(fiber));
    }

    @Actor
    public void sender() {
        channel.trySend(1);
    }

    @Arbiter
    public void woken(LZ_Result r) {
        r.r2 = fiber.commitPark(); // true: the permit was left, the carrier would requeue it
    }
}
