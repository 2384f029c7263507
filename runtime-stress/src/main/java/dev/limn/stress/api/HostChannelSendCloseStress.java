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
 * Property: on an unbounded host channel, items a host thread sends and then closes reach a host
 * thread receiving until end of stream each exactly once, in order, and end of stream comes
 * after the last of them and stays. (r1: what the receiver got before end of stream; r2: a
 * receive after it, in the arbiter.)
 *
 * <p>Path: {@link LimnChannel#send} (the value's conversion, then the channel's host put),
 * {@link LimnChannel#close}, and {@link LimnChannel#iterator} over {@link LimnChannel#receive}
 * (the host's registration as a possible consumer, the channel's host take, which parks the
 * thread and is woken by a send or the close, then the conversion back), on channels made by
 * {@link dev.limn.api.LimnRuntime#channel()}, which register the host as their producer.
 */
@JCStressTest
@Outcome(id = "123, END", expect = ACCEPTABLE, desc = "every item once, in order, then end of stream")
@Outcome(expect = FORBIDDEN, desc = "an item lost, duplicated or reordered, or delivered after end of stream")
@State
public class HostChannelSendCloseStress {

    private final LimnChannel channel = HostChannels.RUNTIME.channel();

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
