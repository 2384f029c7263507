package dev.limn.chan;

/**
 * The senders' in-flight counter of a {@link Channel} on a cache line of its own. Every send
 * adds to it twice; a receiver reads it only once the channel is closed. Left among the
 * channel's other fields, it would share a line with what a receiver reads on every receive
 * (the queue, the capacity, the close flag), so each value would move that line between the
 * producer's and the consumer's cores twice. Fields of a superclass are laid out before those
 * of its subclass, so the 56-byte pads on both sides keep any other field off the counter's line.
 */
abstract class ChannelInflightPad {
    long p00, p01, p02, p03, p04, p05, p06;
}

/** See {@link ChannelInflightPad}. */
abstract class ChannelInflight extends ChannelInflightPad {
    /** Sends between their closed check and the end of their offer (see {@link Channel}). */
    volatile int inflight;
}

/** See {@link ChannelInflightPad}. */
abstract class ChannelInflightPadAfter extends ChannelInflight {
    long p10, p11, p12, p13, p14, p15, p16;
}
