package dev.limn.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The command line run in the test's JVM ({@link Main#execute}), with what it printed to each stream. */
final class CliRun {
    /** A command line's exit status, stdout and stderr. */
    record Result(int status, String out, String err) {}

    private CliRun() {}

    /** Runs {@code limn ARGS}; fails the test if a Java stack trace reached either stream. */
    static Result limn(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        Result r = new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        assertFalse(r.err().contains("\tat ") || r.out().contains("\tat "), "a Java stack trace reached the user: " + r);
        return r;
    }
}
