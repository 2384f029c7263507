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
 * {@link ChannelRecheckWakeUpStress} for receivers: a receiver on an empty channel registers
 * as a waiter and polls again; the other actor sends, receives with a second fiber, and sends
 * again. When the first receiver's second poll finds a value, its node may still be in the
 * waiter list, and a send may choose it for the wake-up meant for a receiver waiting for a
 * value: the first receiver must pass that wake-up on. FORBIDDEN "lost": a receiver parked,
 * never woken, beside a value it could take.
 */
@JCStressTest
@Description("A receiver whose poll after registering finds a value passes on a wake-up already chosen for it.")
@Outcome(id = "ok", expect = ACCEPTABLE, desc = "every receiver received, was woken, or waits on an empty channel")
@Outcome(id = "lost", expect = FORBIDDEN, desc = "lost wake-up: a receiver parked, not woken, beside a value")
@State
public class ChannelRecheckReceiveWakeUpStress {

    private final Channel channel = Channel.bounded(4);
    private final Fiber first = StressChannels.runningFiber();
    private final Fiber second = StressChannels.runningFiber();
    private Object firstGot;
    private Object secondGot;

    @Actor
    public void firstReceiver() {
        firstGot = channel.recv(first);
    }

    @Actor
    public void senderAndSecondReceiver() {
        channel.trySend(1L);
        secondGot = channel.recv(second);
        channel.trySend(2L);
    }

    @Arbiter
    public void outcome(L_Result r) {
        boolean value = channel.len() != 0;
        boolean firstLost = firstGot == Channel.PARKED && !first.commitPark() && value;
        boolean secondLost = secondGot == Channel.PARKED && !second.commitPark() && value;
        r.r1 = firstLost || secondLost ? "lost" : "ok";
    }
}
