package dev.limn.vm;

import static dev.limn.vm.Instr.a;

import dev.limn.block.BlockRun;
import dev.limn.chan.Channel;
import dev.limn.sched.Scheduler;
import dev.limn.value.LimnError;

/**
 * Channels in the VM (SPEC §5.3): serves SENDOUT, and sends and receives for the builtin
 * {@code channel}, the channel methods ({@link Methods}) and iteration over a channel
 * ({@link LoopIter}). A send or receive that cannot go on parks the task ({@link Waiting}).
 */
final class Channels {
    private Channels() {}

    /** Executes SENDOUT; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        BlockRun block = t.unit == null ? null : t.unit.block;
        Channel out = block == null ? null : block.output();
        if (out != null) {
            send(t, out, t.base + a(i));
        }
        return pc;
    }

    /**
     * The largest capacity of a bounded channel. Its ring is allocated whole at creation (20
     * bytes a slot), so {@code channel(1000000000)} would take 20 GB before the first send;
     * a buffer larger than this wants an unbounded {@code channel()}, which grows as it fills.
     */
    static final int MAX_CAPACITY = 1 << 20;

    /** {@code channel()} and {@code channel(n)}, 1 ≤ n ≤ {@link #MAX_CAPACITY}. */
    static Object channel(TaskContext t, int args, int argc) {
        int capacity = -1;
        if (argc == 1) {
            Object n = t.get(args);
            if (!(n instanceof Long l)) {
                throw LimnError.typeMismatch("channel capacity must be an int, got " + Values.typeName(n));
            }
            if (l < 1) {
                throw new LimnError("Error", "channel capacity must be at least 1, got " + l);
            }
            if (l > MAX_CAPACITY) {
                throw new LimnError("Error", "channel capacity must be at most " + MAX_CAPACITY + ", got " + l
                        + "; an unbounded channel() has no limit");
            }
            capacity = (int) (long) l;
        }
        if (t.run == null) {
            return t.engine.newChannel(capacity);
        }
        return t.run.newChannel(capacity);
    }

    /**
     * The bounded buffer of a remote channel: a publication's values wait here for the
     * transport (a full one suspends the sending task: back-pressure), a subscription's values
     * wait here for the program's receivers.
     */
    static final int REMOTE_CAPACITY = 4096;

    /**
     * {@code publish(uri, stream)} ({@code sends}) and {@code subscribe(uri, stream)}. The
     * arguments are checked here; the rest — the first call starts the media driver and the
     * client, and every call waits for the driver to add the publication or subscription, for
     * milliseconds — runs as a host call off the carrier ({@link Scheduler#runBlocking}) while
     * the task parks; the call then runs again and takes the channel (as {@link HostCalls} does).
     */
    static Object remote(TaskContext t, int args, boolean sends) {
        String fn = sends ? "publish" : "subscribe";
        if (t.hostCall != null) {
            // a channel made for a task cancelled meanwhile is the run's, closed when the run ends
            return HostCalls.outcome(t, null, error -> {
                if (error instanceof Error e) {
                    throw e;
                }
                return new LimnError("Error", fn + ": " + (error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage()));
            });
        }
        Object uri = t.get(args);
        Object stream = t.get(args + 1);
        if (!(uri instanceof String u)) {
            throw LimnError.typeMismatch(fn + " expects a uri string, got " + Values.typeName(uri));
        }
        if (!(stream instanceof Long id)) {
            throw LimnError.typeMismatch(fn + " expects an int stream id, got " + Values.typeName(stream));
        }
        if (id < Integer.MIN_VALUE || id > Integer.MAX_VALUE) {
            throw new LimnError("Error", fn + ": stream id " + id + " does not fit in 32 bits");
        }
        Waiting.requireScheduler(t);
        ProgramRun run = t.run;
        if (run == null || !run.makesRemoteChannels()) {
            throw new LimnError("Error", fn + " needs a whole-program run (limn run, or LimnRuntime.run)");
        }
        Waiting.safepoint(t);
        Channel c = run.newChannel(REMOTE_CAPACITY);
        int streamId = (int) (long) id;
        t.hostCall = t.scheduler().runBlocking(t, () -> {
            try {
                RemoteChannels links = run.remoteChannels();
                if (sends) {
                    links.publish(c, u, streamId);
                } else {
                    links.subscribe(c, u, streamId);
                }
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
            return c;
        });
        throw Suspend.PARK;
    }

    /** Sends register {@code reg}: an int unboxed, any other value as its object. */
    static void send(TaskContext t, Channel ch, int reg) {
        Waiting.safepoint(t);
        Waiting.requireScheduler(t);
        Channel.Remote remote = ch.remote();
        Channel.SendResult r;
        if (remote == null) {
            r = Registers.lpTag(t, reg) == Tag.INT
                    ? ch.sendInt(t, Registers.lpPayload(t, reg))
                    : ch.send(t, t.get(reg));
        } else if (!remote.sendOnly()) {
            throw new LimnError("TypeMismatch", "send on a receive-only channel (" + remote.describe() + ")");
        } else {
            r = Registers.lpTag(t, reg) == Tag.INT
                    ? ch.sendInt(t, Registers.lpPayload(t, reg))
                    : ch.send(t, remote.outbound(t.get(reg)));
        }
        switch (r) {
            case SENT -> { }
            case CLOSED -> throw new LimnError("ChannelClosed", "send on closed channel");
            default -> throw Suspend.PARK;
        }
    }

    /** A received value, or {@link Channel#END} at end of stream. */
    static Object recv(TaskContext t, Channel ch) {
        Object v = recvUnboxed(t, ch);
        return v == Channel.INT ? (Object) t.receivedInt() : v;
    }

    /** {@link #recv}, except that an int may come back as {@link Channel#INT}, its value in {@code t.receivedInt()}. */
    static Object recvUnboxed(TaskContext t, Channel ch) {
        Waiting.safepoint(t);
        Waiting.requireScheduler(t);
        checkReceivable(ch);
        Object v = ch.recvUnboxed(t);
        if (v == Channel.PARKED) {
            throw Suspend.PARK;
        }
        if (v == Channel.END) {
            checkFailure(ch);
        }
        return v;
    }

    /** A receive on a publication is an error. */
    static void checkReceivable(Channel ch) {
        Channel.Remote remote = ch.remote();
        if (remote != null && remote.sendOnly()) {
            throw new LimnError("TypeMismatch", "receive on a send-only channel (" + remote.describe() + ")");
        }
    }

    /** At end of stream: a stream that ended with an error (a remote publisher lost) raises it. */
    static void checkFailure(Channel ch) {
        String kind = ch.failureKind();
        if (kind != null) {
            throw new LimnError(kind, ch.failureMessage());
        }
    }
}
