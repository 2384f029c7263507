package dev.limn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: {@code var c = channel(); while (true) c.send(1);} ran the heap out and froze the
 * JVM (an OutOfMemoryError from the carrier's uncaught-exception handler, SIGTERM ignored). It
 * ends with an OutOfMemory error at the program's location and exit status 1. A JVM of its own
 * with a small heap, so the test costs a second, not the build's whole heap.
 */
class OutOfMemoryTest {
    @TempDir
    Path dir;

    @Test
    void runningOutOfMemoryIsAnErrorWithItsLocation() throws IOException, InterruptedException {
        Path program = dir.resolve("oom.lm");
        Files.writeString(program, "var c = channel();\nwhile (true) c.send(1);\n");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(Arrays.asList(Files.readString(Path.of("target", "jvm.flags")).trim().split("\\s+")));
        command.addAll(List.of("-Xmx48m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run",
                program.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ended, "the run ended: " + output);
        assertEquals(1, p.exitValue(), output);
        assertTrue(output.contains("error[OutOfMemory]: the program ran out of memory"), output);
        assertTrue(output.contains("oom.lm:2:14"), output);
        assertTrue(!output.contains("Exception"), output);
    }
}
