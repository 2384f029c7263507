package dev.limn.stress.api;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.api.LimnChannel;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * Property: {@link HostChannelSendCloseStress}'s on a host channel of capacity 1, where the
 * host sender waits for room after each item: every item exactly once, in order, then end of
 * stream, and no thread left parked. (r1: what the receiver got before end of stream; r2: a
 * receive after it, in the arbiter.)
 *
 * <p>Path: as {@link HostChannelSendCloseStress}, plus both host waits: the put parks the
 * sending thread on a full channel until the receiver's take frees the slot and wakes it, and
 * the take parks the receiving thread until a send or the close wakes it. A lost wake-up on
 * either side leaves an actor parked for ever, which jcstress reports as an error.
 */
@JCStressTest
@Outcome(id = "123, END", expect = ACCEPTABLE, desc = "every item once, in order, then end of stream")
@Outcome(expect = FORBIDDEN, desc = "an item lost, duplicated or reordered, or delivered after end of stream")
@State
public class HostChannelSendCloseBoundedStress {

    private final LimnChannel channel = HostChannels.RUNTIME.channel(1);

    @Actor
    public void hostSender() {
        channel.send(1L);
        channel.send(2L);
        channel.send(3L);
        channel.close();
    }

    @Actor
    public void hostReceiver(LL_Result r) {
        r.r1 = HostChannels.receiveToEnd(channel);
    }

    @Arbiter
    public void afterEnd(LL_Result r) {
        r.r2 = HostChannels.receiveOnce(channel);
    }
}
