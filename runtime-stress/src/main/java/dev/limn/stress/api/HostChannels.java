package dev.limn.stress.api;

import dev.limn.api.LimnChannel;
import dev.limn.api.LimnRuntime;

import java.util.NoSuchElementException;

/** What the host-channel stress tests share: their runtime, a host send that reports, and host receives. */
final class HostChannels {
    /**
     * One runtime for every state of a test's VM: a runtime per state would start threads per
     * state. Its threads are daemons and run nothing here (the actors are the host's threads);
     * each state makes its own channel and closes it, so the runtime's counts stay bounded.
     */
    static final LimnRuntime RUNTIME = LimnRuntime.builder().carriers(1).build();

    private HostChannels() {
    }

    /** {@link LimnChannel#send}: "SENT", or "CLOSED" when it failed with the closed-channel error. */
    static String send(LimnChannel channel, long value) {
        try {
            channel.send(value);
            return "SENT";
        } catch (IllegalStateException closed) {
            return "CLOSED";
        }
    }

    /** Receives with the channel's iterator until end of stream; the values in order, or "none". */
    static String receiveToEnd(LimnChannel channel) {
        StringBuilder got = new StringBuilder();
        for (Object v : channel) {
            got.append(v);
        }
        return got.isEmpty() ? "none" : got.toString();
    }

    /** One {@link LimnChannel#receive}: the value, or "END" at end of stream. */
    static String receiveOnce(LimnChannel channel) {
        try {
            return String.valueOf(channel.receive());
        } catch (NoSuchElementException end) {
            return "END";
        }
    }
}
