package dev.limn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.testing.ChildJvm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * How the command's own JVM ends ({@link Main#main}), each case in a child JVM under a time
 * limit. A run that succeeds returns from {@code main} instead of calling {@code System.exit}
 * (which looks up a logger on the way out): its output must still all arrive, its status must
 * be 0, and where some other thread would keep the JVM alive, it must still end at once.
 */
class ExitTest {
    @TempDir
    Path dir;

    private record Outcome(int status, String output, long millis) {}

    @Test
    void aRunThatSucceedsEndsWithStatusZeroAndAllItsOutput() throws IOException, InterruptedException {
        Outcome o = launch(Main.class.getName(), "run", program("many.lm", "iter (i in 0..<20000) print(i);"));
        assertEquals(0, o.status(), o.output());
        String[] lines = o.output().split("\n");
        assertEquals(20_000, lines.length);
        assertEquals("19999", lines[lines.length - 1]);
    }

    @Test
    void aRunThatFailsStillEndsWithItsStatus() throws IOException, InterruptedException {
        Outcome failed = launch(Main.class.getName(), "run", program("fail.lm", "print(\"before\");\nvar x = 1 / 0;"));
        assertEquals(1, failed.status(), failed.output());
        assertTrue(failed.output().startsWith("before\n"), failed.output());
        assertTrue(failed.output().contains("DivisionByZero"), failed.output());

        Outcome usage = launch(Main.class.getName(), "run", "--no-such-option", program("ok.lm", "print(1);"));
        assertEquals(2, usage.status(), usage.output());
    }

    @Test
    void aThreadThatWouldKeepTheJvmAliveDoesNotDelayTheEnd() throws IOException, InterruptedException {
        Outcome o = launch(LingeringThread.class.getName(), program("one.lm", "print(\"done\");"));
        assertEquals(0, o.status(), o.output());
        assertEquals("done\n", o.output());
        // the lingering thread sleeps for 10 minutes: returning from main would have waited for it
        assertTrue(o.millis() < 60_000, "the JVM waited for a non-daemon thread: " + o.millis() + " ms");
    }

    /** Starts a non-daemon thread that sleeps for ten minutes, then runs {@code limn run FILE}. */
    public static final class LingeringThread {
        public static void main(String[] args) {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(600_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "lingering");
            t.setDaemon(false);
            t.start();
            Main.main(new String[] {"run", args[0]});
        }
    }

    private String program(String name, String text) throws IOException {
        Path program = dir.resolve(name);
        Files.writeString(program, text);
        return program.toString();
    }

    private static Outcome launch(String... mainAndArgs) throws IOException, InterruptedException {
        List<String> command = ChildJvm.command("-XX:+UseSerialGC");
        command.addAll(Arrays.asList(mainAndArgs));
        long start = System.nanoTime();
        ChildJvm.Outcome o = ChildJvm.finish(ChildJvm.start(command), 120);
        return new Outcome(o.status(), o.output(), (System.nanoTime() - start) / 1_000_000);
    }
}
