package dev.limn.remote;

import dev.limn.chan.Channel;

import java.util.concurrent.TimeUnit;

/**
 * A thread between a program's local end of a remote channel (a bounded {@link Channel}) and
 * the transport: a {@link PublicationBridge} drains it onto the wire, a
 * {@link SubscriptionBridge} fills it from the wire.
 */
abstract class Bridge implements Runnable, Channel.Remote {
    final RemoteLinks links;
    final Channel local;
    final String uri;
    final int stream;
    Thread thread;
    /** Set when the run gives up waiting: the bridge stops at its next look. */
    volatile boolean abandoned;

    Bridge(RemoteLinks links, Channel local, String uri, int stream) {
        this.links = links;
        this.local = local;
        this.uri = uri;
        this.stream = stream;
    }

    abstract String statsLine();

    /** Closes the publication or subscription (after the thread ended, or was given up on). */
    abstract void closeTransport();

    void abandon() {
        abandoned = true;
    }

    /** Waits for the thread to end, until {@code deadline} ({@link System#nanoTime}). */
    void awaitEnd(long deadline) {
        Thread t = thread;
        if (t == null) {
            return;
        }
        long left;
        while (t.isAlive() && (left = deadline - System.nanoTime()) > 0) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
