package dev.limn.remote;

import dev.limn.sched.CpuPin;
import dev.limn.sched.Scheduler;

import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * The thread that runs an embedded media driver: the driver is launched in Aeron's
 * {@code INVOKER} threading mode, and this thread, made by Limn, calls its agents' duty cycle
 * ({@link AgentInvoker#invoke()}: conductor, sender and receiver) and idles between cycles
 * with Limn's back-off ({@link Scheduler#idleBackoff}). With pinning on, it pins itself to a
 * CPU that no carrier is planned for ({@link Scheduler#spareCpu}), once pinning is asked for
 * (at start, or when a {@code parallel(pin=true)} block asks later); when every CPU has a
 * carrier it stays unpinned.
 *
 * <p>{@link #close()} stops the loop and joins the thread; only then may the driver be closed,
 * since an invoker is not safe to use from two threads.
 */
final class DriverThread implements AutoCloseable {
    /**
     * Longest park of an idle driver: nothing wakes it (it polls its clients' commands and its
     * sockets), so the cap bounds the latency an idle driver adds to the next message.
     */
    static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final AgentInvoker invoker;
    private final IdleStrategy idle;
    private final Scheduler scheduler;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile int cpu = -1;
    /** Set once pinning was tried (owner only). */
    private boolean pinTried;
    private CpuPin pin = CpuPin.NONE;

    DriverThread(AgentInvoker invoker, Scheduler scheduler, String name) {
        this.invoker = invoker;
        this.idle = Scheduler.idleBackoff(MAX_PARK_NANOS);
        this.scheduler = scheduler;
        this.thread = new Thread(this::loop, name);
        thread.setDaemon(true);
    }

    /** Starts the thread; the driver answers its clients from now on. */
    DriverThread start() {
        thread.start();
        return this;
    }

    private void loop() {
        try {
            while (running) {
                if (!pinTried && scheduler.isPinning()) {
                    pinTried = true;
                    pin = CpuPin.pinCurrentThread(scheduler.spareCpu());
                    cpu = pin.cpu();
                }
                idle.idle(invoker.invoke());
            }
        } catch (RuntimeException | Error e) {
            // the driver stops answering; its clients notice (a DriverTimeoutException) and the
            // run's remote channels end with ChannelLost, as with a driver that went away
        } finally {
            pin.release();
        }
    }

    /** The CPU the thread is pinned to; -1 when it is not (no pinning, none spare, or refused). */
    int cpu() {
        return cpu;
    }

    Thread thread() {
        return thread;
    }

    /** Stops the loop and waits for the thread to end. Idempotent. */
    @Override
    public void close() {
        running = false;
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
