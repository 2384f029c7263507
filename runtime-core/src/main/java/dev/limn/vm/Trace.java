package dev.limn.vm;

import dev.limn.sched.Fiber;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code limn run --trace out.json} (SPEC §9): every time a task runs on a carrier, one slice
 * (when it started, how long it ran, how it stopped: done, failed, parked on what, yielded),
 * written at the end of the run in the Trace Event Format that chrome://tracing and Perfetto
 * open: one row per carrier, one bar per slice, named after the task
 * ({@code task 3 (i = 3) of concurrent block at f.lm:2:1}).
 *
 * <p>Each carrier appends only to its own list (a carrier runs one fiber at a time, on its own
 * thread), so recording takes no lock; the lists are read after the scheduler has stopped.
 * With tracing off, nothing is recorded and the cost is one null test per slice.
 */
public final class Trace {
    private final Path file;
    /** The run's start on the scheduler's clock (a deterministic run's is virtual). */
    private final long origin;
    private final List<List<String>> perCarrier = new ArrayList<>();

    /**
     * @param carriers how many carriers record; {@code file} is where {@link #write} puts the trace;
     *                 {@code origin} is now on the scheduler's clock
     */
    Trace(Path file, int carriers, long origin) {
        this.file = file;
        this.origin = origin;
        for (int i = 0; i < carriers; i++) {
            perCarrier.add(new ArrayList<>());
        }
    }

    /** Checks, before the run, that the trace can be written: creates or truncates the file. */
    static void checkWritable(Path file) throws IOException {
        Files.writeString(file, "", StandardCharsets.UTF_8);
    }

    /** One slice of {@code task} on carrier {@code carrier}, from {@code start} to {@code end} (the scheduler's clock). */
    void slice(int carrier, TaskContext task, long start, long end, Fiber.Status status, int interpreterStatus) {
        String ended = switch (status) {
            case DONE -> interpreterStatus == Interpreter.FAILED ? "failed"
                    : interpreterStatus == Interpreter.TERMINATED ? "terminated" : "done";
            case YIELD -> "yielded";
            case PARKED -> "parked: " + task.waitKind().name().toLowerCase(java.util.Locale.ROOT);
        };
        StringBuilder name = new StringBuilder();
        Json.string(name, task.description());
        perCarrier.get(carrier).add("{\"name\":" + name + ",\"cat\":\"task\",\"ph\":\"X\""
                + ",\"ts\":" + micros(start - origin) + ",\"dur\":" + micros(end - start)
                + ",\"pid\":1,\"tid\":" + carrier + ",\"args\":{\"ended\":\"" + ended + "\"}}");
    }

    /** Writes the trace file (after the run: every carrier has stopped). */
    void write() throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
            w.write("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":\"limn\"}}");
            for (int c = 0; c < perCarrier.size(); c++) {
                w.write(",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":" + c
                        + ",\"args\":{\"name\":\"carrier " + c + "\"}}");
                for (String event : perCarrier.get(c)) {
                    w.write(",\n");
                    w.write(event);
                }
            }
            w.write("\n]}\n");
        }
    }

    /** Nanoseconds as microseconds (the format's unit), keeping the nanosecond digits. */
    private static String micros(long ns) {
        return (ns / 1000) + "." + String.format("%03d", ns % 1000);
    }
}
