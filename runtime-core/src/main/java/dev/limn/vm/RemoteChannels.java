package dev.limn.vm;

import dev.limn.chan.Channel;

import java.util.List;

/**
 * Channels that cross processes ({@code publish}, {@code subscribe}): provided by a layer
 * above the VM ({@code dev.limn.remote}) and set on a {@link ProgramRun} as a factory, so that
 * nothing of the transport loads or starts unless a program calls one of the two builtins.
 */
public interface RemoteChannels {
    /**
     * Connects {@code local}, a new bounded channel of the program, as the sending end of a
     * publication on {@code uri} and {@code stream}: a bridge takes what the program sends and
     * offers it to the transport, and ends the stream when {@code local} is closed.
     *
     * @throws dev.limn.value.LimnError when the uri or the stream is refused
     */
    void publish(Channel local, String uri, int stream);

    /** Connects {@code local} as the receiving end of a subscription: a bridge feeds it. */
    void subscribe(Channel local, String uri, int stream);

    /** The {@code --stats} lines, one per remote channel. */
    List<String> statsLines();

    /**
     * After the program's channels are closed: lets each publication deliver what it holds and
     * its end of stream (within a bound), then stops the bridges, the client and the driver.
     */
    void close();
}
