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
import org.openjdk.jcstress.infra.results.ZZL_Result;

/**
 * Two receivers parked on an empty channel, the first in line leaving its wait (it was
 * cancelled: {@link Channel#abandonWait}) while a value is sent. The sender wakes one waiter
 * only. Whichever comes first, the second receiver must end up woken: either the sender finds
 * the first one's node CANCELLED and skips to the second, or the first one finds its node
 * already WOKEN and passes the wake-up on. FORBIDDEN "*, false": a waker that spends its one
 * wake-up on a withdrawn node (no CAS on the node's state), or a leaver that drops a wake-up
 * chosen for it (no pass-on), leaves the value in the channel and the second receiver parked
 * for ever. (r1: the leaver got a wake-up; r2: the second receiver did; r3: what the channel
 * holds afterwards.)
 */
@JCStressTest
@Description("A receiver that withdraws after being chosen for a wake-up passes it to the next waiter: the value never sits unseen by a parked receiver.")
@Outcome(id = "true, true, 1", expect = ACCEPTABLE, desc = "the leaver was woken first and passed the wake-up on")
@Outcome(id = "false, true, 1", expect = ACCEPTABLE, desc = "the leaver withdrew first; the sender woke the next waiter")
@Outcome(id = {"true, false, 1", "false, false, 1"}, expect = FORBIDDEN, desc = "lost wake-up: the second receiver stays parked beside the value")
@Outcome(expect = FORBIDDEN, desc = "the value was lost or taken")
@State
public class ChannelAbandonedWakeUpStress {

    private final Channel channel = Channel.unbounded();
    // Both stay RUNNING throughout, so a wake-up only leaves the permit (no scheduler needed).
    private final Fiber leaver = StressChannels.runningFiber();
    private final Fiber next = StressChannels.runningFiber();

    public ChannelAbandonedWakeUpStress() {
        // Registered in this order: the sender's wake-up goes to the leaver first.
        if (channel.recv(leaver) != Channel.PARKED || channel.recv(next) != Channel.PARKED) {
            throw new IllegalStateException("an empty channel must park its receivers");
        }
    }

    @Actor
    public void sender() {
        channel.trySend(1);
    }

    @Actor
    public void leaver() {
        Channel.abandonWait(leaver); // cancelled while parked: leaves without receiving
    }

    @Arbiter
    public void outcome(ZZL_Result r) {
        r.r1 = leaver.commitPark();
        r.r2 = next.commitPark();
        r.r3 = String.valueOf(channel.tryRecv()); // nobody received it: 1
    }
}
