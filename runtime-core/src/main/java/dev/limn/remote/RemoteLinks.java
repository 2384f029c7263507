package dev.limn.remote;

import dev.limn.chan.Channel;
import dev.limn.value.LimnError;
import dev.limn.vm.ProgramRun;
import dev.limn.vm.RemoteChannels;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.driver.Configuration;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.exceptions.DriverTimeoutException;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One run's remote channels over Aeron: the media driver (embedded, or an external one
 * already running for the directory given), the client, and a bridge thread per publication
 * or subscription. Made by the run on the first {@code publish} or {@code subscribe}
 * ({@link ProgramRun#remoteChannels}); closed when the run ends.
 */
public final class RemoteLinks implements RemoteChannels {
    /**
     * How long the end of a run waits, at most, for its publications to deliver what they hold
     * and their end of stream to a subscriber (one that never connects is given up on then).
     */
    static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(
            Long.getLong("limn.remote.linger.seconds", 5L));

    final ProgramRun run;
    private final String dir;
    private final MediaDriver driver;
    /** The thread running {@link #driver}'s agents; null when the run uses a driver already running. */
    private final DriverThread driverThread;
    private final Aeron aeron;
    private final List<Bridge> bridges = new CopyOnWriteArrayList<>();
    /** Why the client stopped working (the driver went away), or null. */
    volatile String fatal;
    private volatile boolean closed;

    /**
     * Connects to the driver running for {@code aeronDir}, or starts one there; with a null
     * {@code aeronDir}, starts one in a directory of its own (under /dev/shm where it exists),
     * deleted when the run ends, after deleting those that killed processes left
     * ({@link DriverDirectories}). A driver started here runs on a {@link DriverThread}. Blocks
     * for milliseconds: called off the carriers (the first publish or subscribe is a host call).
     */
    public RemoteLinks(ProgramRun run, Path aeronDir) {
        this.run = run;
        if (aeronDir == null) {
            DriverDirectories.sweep();
        }
        this.dir = aeronDir != null ? aeronDir.toAbsolutePath().toString() : DriverDirectories.uniqueDir();
        MediaDriver d = null;
        DriverThread t = null;
        try {
            Aeron.Context client = new Aeron.Context().aeronDirectoryName(dir).errorHandler(this::clientError);
            // the driver writes its heartbeat once per timer interval (1 s by default): judge it
            // by the client's own driver timeout, or a busy machine starts a second driver here
            if (aeronDir == null || !CommonContext.isDriverActive(new File(dir), client.driverTimeoutMs(), s -> { })) {
                MediaDriver.Context ctx = new MediaDriver.Context()
                        .aeronDirectoryName(dir)
                        .threadingMode(ThreadingMode.INVOKER)
                        .dirDeleteOnStart(true)
                        .dirDeleteOnShutdown(true)
                        .termBufferSparseFile(true)
                        .warnIfDirectoryExists(false)
                        .errorHandler(e -> { });
                lostImageTimings(ctx);
                d = MediaDriver.launch(ctx);
                t = new DriverThread(d.sharedAgentInvoker(), run.scheduler(), "limn-aeron-driver").start();
            }
            driver = d;
            driverThread = t;
            aeron = Aeron.connect(client);
        } catch (RuntimeException | LinkageError e) {
            if (t != null) {
                t.close();
            }
            if (d != null) {
                d.close();
            }
            throw new LimnError("Error", "cannot start the remote channels' media driver in " + dir + ": " + e.getMessage());
        }
    }

    /**
     * How soon after a publisher's last packet past the liveness timeout a subscriber hears its
     * image is gone ({@code ChannelLost}): the driver first drains the image for five status
     * message timeouts (5 x 200 ms by default), then notices on its next timer event (every
     * 1 s by default), so the default teardown adds 1-2 s to the liveness timeout. A driver
     * started here uses 100 ms for both (0.5-0.6 s) unless the system properties set them:
     * idle images send 10 status messages a second instead of 5, and the conductor looks at
     * its timeouts 10 times a second; neither shows in throughput (docs/design.md).
     */
    private static void lostImageTimings(MediaDriver.Context ctx) {
        long tenth = TimeUnit.MILLISECONDS.toNanos(100);
        if (System.getProperty(Configuration.STATUS_MESSAGE_TIMEOUT_PROP_NAME) == null) {
            ctx.statusMessageTimeoutNs(tenth);
        }
        if (System.getProperty(Configuration.TIMER_INTERVAL_PROP_NAME) == null) {
            ctx.timerIntervalNs(tenth);
        }
    }

    /** The client's errors: a lost driver ends every remote channel; others are left to the channels' own checks. */
    private void clientError(Throwable e) {
        if (e instanceof DriverTimeoutException) {
            fatal = "the media driver of " + dir + " stopped responding";
        }
    }

    /** The thread of the driver this run started; null when it uses one already running. */
    DriverThread driverThread() {
        return driverThread;
    }

    /** The directory of the driver this run uses. */
    public String directory() {
        return dir;
    }

    @Override
    public void publish(Channel local, String uri, int stream) {
        io.aeron.Publication p;
        try {
            // exclusive: a session of its own for each publish(), so that its close() ends its
            // stream alone (a shared publication of the same uri and stream, in this process or
            // another on the same driver, has one session for all, and the first close ended them
            // all); the bridge's thread is its only sender, which an exclusive publication needs
            p = aeron.addExclusivePublication(uri, stream);
        } catch (RuntimeException e) {
            throw new LimnError("Error", "publish(\"" + uri + "\", " + stream + "): " + message(e));
        }
        start(new PublicationBridge(this, local, p, uri, stream));
    }

    @Override
    public void subscribe(Channel local, String uri, int stream) {
        SubscriptionBridge b = new SubscriptionBridge(this, local, uri, stream);
        try {
            b.subscription = aeron.addSubscription(uri, stream, b::imageAvailable, b::imageUnavailable);
        } catch (RuntimeException e) {
            throw new LimnError("Error", "subscribe(\"" + uri + "\", " + stream + "): " + message(e));
        }
        start(b);
    }

    private void start(Bridge b) {
        b.local.attachRemote(b);
        b.local.registerRemoteProducer(run.scheduler());
        bridges.add(b);
        Thread t = new Thread(b, "limn-" + b.describe().replace(' ', '-'));
        t.setDaemon(true);
        b.thread = t;
        t.start();
    }

    private static String message(RuntimeException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.replaceFirst("^ERROR - ", "");
    }

    @Override
    public List<String> statsLines() {
        List<String> lines = new ArrayList<>();
        for (Bridge b : bridges) {
            lines.add(b.statsLine());
        }
        return lines;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        long deadline = System.nanoTime() + LINGER_NANOS;
        for (Bridge b : bridges) {
            b.local.close(); // the run closed them already; a host's run may not have
        }
        for (Bridge b : bridges) {
            b.awaitEnd(deadline);
        }
        closed = true;
        for (Bridge b : bridges) {
            b.abandon();
        }
        for (Bridge b : bridges) {
            b.awaitEnd(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
            b.closeTransport();
        }
        try {
            aeron.close();
        } finally {
            if (driverThread != null) {
                driverThread.close(); // before the driver: its agents are closed on this thread
            }
            if (driver != null) {
                driver.close();
            }
        }
    }

    /** Whether the client still works; false once the run closes it or its driver went away. */
    boolean working() {
        return !closed && fatal == null;
    }
}
