package dev.limn.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Tests that need a JVM of their own (an exit status, a signal, a heap limit, a second process):
 * the command that starts one like the build's, and the wait for its end under a time limit, so
 * that a hang fails the test instead of the build.
 */
public final class ChildJvm {
    /** How a child JVM ended: its exit status and what it printed. */
    public record Outcome(int status, String output) {}

    private ChildJvm() {}

    /**
     * The java running the tests, the build's JVM flags ({@code target/jvm.flags}, as the
     * launcher uses them), {@code options}, and the tests' class path; the caller adds the main
     * class and its arguments.
     */
    public static List<String> command(String... options) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(Arrays.asList(Files.readString(Path.of("target", "jvm.flags")).trim().split("\\s+")));
        command.addAll(Arrays.asList(options));
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return command;
    }

    /** Starts {@code command} with its stderr merged into its stdout. */
    public static Process start(List<String> command) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /**
     * Reads everything {@code p} prints until it ends, waiting at most {@code seconds}; a process
     * still running then is killed and the test fails with what it had printed.
     */
    public static Outcome finish(Process p, int seconds) throws InterruptedException {
        byte[][] output = new byte[1][];
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                output[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                output[0] = ("(output unreadable: " + e + ")").getBytes(StandardCharsets.UTF_8);
            }
        });
        boolean ended = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        reader.join();
        String text = new String(output[0], StandardCharsets.UTF_8);
        assertTrue(ended, "the run hung: " + text);
        return new Outcome(p.exitValue(), text);
    }
}
