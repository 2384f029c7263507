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
 * Property: on an unbounded host channel, two host sends racing a host close each either
 * succeed, and then their item is received exactly once, in order, before end of stream, or
 * fail with the closed-channel error, and then their item never appears; once one send failed,
 * the next fails too. Nothing is lost silently and nothing comes after end of stream. (r1: the
 * two sends' results; r2: what the closing thread then receives until end of stream; r3: a
 * receive after it, in the arbiter.)
 *
 * <p>Path: {@link LimnChannel#send} (the channel's host put and its CLOSED outcome, turned into
 * {@link IllegalStateException}) against {@link LimnChannel#close}, then the host's receive
 * through {@link LimnChannel#iterator}.
 */
@JCStressTest
@Outcome(id = {"SENT SENT, 12, END", "SENT CLOSED, 1, END", "CLOSED CLOSED, none, END"}, expect = ACCEPTABLE,
        desc = "each sent item delivered once before end of stream; a refused item never")
@Outcome(expect = FORBIDDEN, desc = "an item lost, duplicated, delivered after a refusal or after end of stream")
@State
public class HostChannelCloseRaceStress {

    private final LimnChannel channel = HostChannels.RUNTIME.channel();

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
