package dev.limn.run;

import dev.limn.sched.events.FlightEvents;
import dev.limn.vm.ProgramRun;

import jdk.jfr.Event;
import jdk.jfr.Recording;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code limn run --jfr FILE}: a flight recording of every Limn event and nothing else (the
 * JDK's own events are left to {@code -XX:StartFlightRecording}), started before the program and
 * written to the file when closed, whatever the program's outcome. Each event keeps the
 * threshold its class declares (ChannelBlocked: 1 ms).
 */
public final class FlightRecording {
    private final Recording recording;
    private final Path file;
    private final PrintStream err;

    private FlightRecording(Recording recording, Path file, PrintStream err) {
        this.recording = recording;
        this.file = file;
        this.err = err;
    }

    /**
     * Checks that {@code file} can be written (creating or truncating it), then starts the
     * recording; null, with the usage error written to {@code err}, when it cannot be.
     */
    public static FlightRecording start(Path file, PrintStream err) {
        try {
            ProgramRun.checkTraceWritable(file);
        } catch (IOException | RuntimeException e) {
            err.println("error: cannot write the flight recording to " + file + ": " + Limn.whyNotWritable(file, e));
            err.flush();
            return null;
        }
        Recording recording = new Recording();
        recording.setName("limn");
        for (Class<? extends Event> type : FlightEvents.types()) {
            recording.enable(type);
        }
        recording.start();
        return new FlightRecording(recording, file, err);
    }

    /** Stops the recording and writes it to the file; false, with the error written, if that failed. */
    public boolean finish() {
        try {
            recording.stop();
            recording.dump(file);
            return true;
        } catch (IOException | RuntimeException e) {
            err.println("error: cannot write the flight recording to " + file + ": " + Limn.whyNotWritable(file, e));
            err.flush();
            return false;
        } finally {
            recording.close();
        }
    }
}
