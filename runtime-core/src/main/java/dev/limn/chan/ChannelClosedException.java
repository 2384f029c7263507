package dev.limn.chan;

/**
 * A host thread sent to a closed channel. Carries no Java stack trace (it describes a Limn
 * condition); the VM raises its own ChannelClosed error from {@link Channel.SendResult#CLOSED}.
 */
public final class ChannelClosedException extends RuntimeException {

    public ChannelClosedException(String message) {
        super(message, null, false, false);
    }
}
