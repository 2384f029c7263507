package dev.limn.api;

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

/**
 * {@link JvmFlags} names exactly the flag Limn cannot run without. Each case starts a JVM of its
 * own (the test JVM's {@code java}, on the test class path) running {@link JvmFlagsProbe}: with
 * no flags at all the check and the runtime builder name the one export and a program fails;
 * with nothing but {@link JvmFlags#required()} nothing is missing and a program runs.
 */
class JvmFlagsTest {
    private static final String EXPORT = "--add-exports java.base/jdk.internal.misc=ALL-UNNAMED";

    @Test
    void requiredIsTheOneExportToTheClassPath() {
        assertEquals(List.of(EXPORT), JvmFlags.required());
    }

    @Test
    void theBuildsFlagsIncludeEveryRequiredOne() throws IOException {
        // surefire and the launcher both take their flags from the parent POM's limn.jvm.flags
        String flags = " " + Files.readString(Path.of("target", "jvm.flags")).strip() + " ";
        for (String flag : JvmFlags.required()) {
            assertTrue(flags.contains(" " + flag + " "), "target/jvm.flags lacks " + flag + ": " + flags);
        }
        assertEquals(List.of(), JvmFlags.missing(), "this test JVM runs with the build's flags");
    }

    @Test
    void withoutFlagsTheCheckNamesExactlyTheMissingFlag() throws Exception {
        List<String> lines = probe(List.of());
        assertEquals("MISSING " + EXPORT, lines.get(0), String.join("\n", lines));
        String message = "Limn needs these JVM flags: " + EXPORT
                + " (add them to the java command line, or to your build tool's JVM arguments)";
        assertEquals("CHECK " + message, lines.get(1));
        assertEquals("BUILD " + message, lines.get(2), "the runtime builder checks");
        String run = lines.get(3);
        assertTrue(run.startsWith("RUN ") && !run.startsWith("RUN 0 "), "a program cannot run: " + run);
        assertTrue(run.contains("jdk.internal.misc"), "the failure names the package: " + run);
    }

    @Test
    void withTheRequiredFlagsNothingIsMissingAndAProgramRuns() throws Exception {
        List<String> flags = new ArrayList<>();
        for (String flag : JvmFlags.required()) {
            flags.addAll(Arrays.asList(flag.split(" ")));
        }
        List<String> lines = probe(flags);
        assertEquals(List.of("MISSING none", "CHECK ok", "BUILD ok", "RUN 0 hello"), lines);
    }

    /** The probe's lines that start with MISSING, CHECK, BUILD or RUN (JVM warnings are left out). */
    private static List<String> probe(List<String> flags) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(flags);
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                JvmFlagsProbe.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] bytes = p.getInputStream().readAllBytes();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String output = new String(bytes, StandardCharsets.UTF_8);
        assertTrue(ended, "the probe ended: " + output);
        assertEquals(0, p.exitValue(), output);
        List<String> lines = output.lines()
                .filter(l -> l.startsWith("MISSING ") || l.startsWith("CHECK ") || l.startsWith("BUILD ")
                        || l.startsWith("RUN "))
                .toList();
        assertEquals(4, lines.size(), output);
        return lines;
    }
}
