package dev.limn.stress.api;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.api.LimnChannel;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * Property: on a host channel of capacity 1, a host send that waits for room while another host
 * thread closes the channel is woken and fails with the closed-channel error; the
 * item already buffered is still received exactly once before end of stream. (r1: the two
 * sends' results; r2: what the closing thread then receives until end of stream; r3: a receive
 * after it, in the arbiter.) Nothing receives before the close, so the second send can never
 * succeed.
 *
 * <p>Path: {@link LimnChannel#send} on a full channel (the host put registers the thread as a
 * waiting sender, re-checks, parks) against {@link LimnChannel#close} and the closer's receive
 * (the close wakes every waiting sender, and so does the receive that frees the slot; the put
 * retries and sees CLOSED). A sender that nothing wakes stays parked for ever, which jcstress
 * reports as an error.
 */
@JCStressTest
@Outcome(id = {"SENT CLOSED, 1, END", "CLOSED CLOSED, none, END"}, expect = ACCEPTABLE,
        desc = "the buffered item delivered once before end of stream; the waiting send refused")
@Outcome(expect = FORBIDDEN, desc = "an item lost, duplicated, delivered after a refusal or after end of stream")
@State
public class HostChannelCloseRaceBoundedStress {

    private final LimnChannel channel = HostChannels.RUNTIME.channel(1);

    @Actor
    public void hostSender(LLL_Result r) {
        String first = HostChannels.send(channel, 1);
        r.r1 = first + " " + HostChannels.send(channel, 2);
    }

    @Actor
    public void hostCloserThenReceiver(LLL_Result r) {
        channel.close();
        r.r2 = HostChannels.receiveToEnd(channel);
    }

    @Arbiter
    public void afterEnd(LLL_Result r) {
        r.r3 = HostChannels.receiveOnce(channel);
    }
}
