package dev.limn.cli;

import dev.limn.api.LimnRuntime;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.PrintStream;

/**
 * {@code kill -USR1 PID} on a running {@code limn run}: the live tasks' dump
 * ({@link LimnRuntime#taskDump()}) is written to stderr and the program goes on. SIGQUIT stays
 * the JVM's own (its thread dump). Installed by the command line only, for one run, and never
 * by the embedding API: a signal handler belongs to the whole JVM, which a host owns.
 *
 * <p>The JVM runs the handler on a thread of its own, which takes no lock the program waits on
 * except the stderr stream's, for one write. Where the JVM refuses the signal (it uses it
 * itself, or the platform has none) nothing is installed and nothing is said.
 */
final class TaskDumpSignal implements AutoCloseable {
    private final Signal signal;
    private final SignalHandler previous;

    private TaskDumpSignal(Signal signal, SignalHandler previous) {
        this.signal = signal;
        this.previous = previous;
    }

    /** Dumps {@code rt}'s tasks to {@code err} on SIGUSR1 until closed; null when the JVM would not have it. */
    static TaskDumpSignal install(LimnRuntime rt, PrintStream err) {
        return install(rt, err, "USR1");
    }

    /** As {@link #install(LimnRuntime, PrintStream)}, on the signal named {@code name} (without "SIG"). */
    static TaskDumpSignal install(LimnRuntime rt, PrintStream err, String name) {
        try {
            Signal signal = new Signal(name);
            SignalHandler previous = Signal.handle(signal, s -> dump(rt, err));
            return new TaskDumpSignal(signal, previous);
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError refused) {
            // no such signal here, or the JVM keeps it (-Xrs and the like): the run goes on without dumps
            return null;
        }
    }

    private static void dump(LimnRuntime rt, PrintStream err) {
        String dump = rt.taskDump(); // never throws
        synchronized (err) {
            err.print(dump);
            err.flush();
        }
    }

    /** Gives the signal back to the handler it had before. */
    @Override
    public void close() {
        try {
            Signal.handle(signal, previous);
        } catch (IllegalArgumentException | UnsupportedOperationException refused) {
            // it was taken once, so it can be given back; if not, a late signal dumps a closed runtime: no tasks
        }
    }
}
