package dev.limn.api;

import dev.limn.run.Limn;
import dev.limn.run.RunOptions;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The main class {@link JvmFlagsTest} starts in a JVM of its own, with or without Limn's flags.
 * Prints one {@code MISSING} line per flag {@link JvmFlags#missing()} names (or
 * {@code MISSING none}), then {@code CHECK ok} or {@code CHECK <message>}, then
 * {@code BUILD ok} or {@code BUILD <message>} for {@code LimnRuntime.builder().build()}, then
 * the outcome of running {@code print("hello")}: {@code RUN <status> <output>} or
 * {@code RUN threw <exception>}.
 */
final class JvmFlagsProbe {
    private JvmFlagsProbe() {}

    public static void main(String[] args) throws Exception {
        var missing = JvmFlags.missing();
        if (missing.isEmpty()) {
            System.out.println("MISSING none");
        }
        for (String flag : missing) {
            System.out.println("MISSING " + flag);
        }
        try {
            JvmFlags.check();
            System.out.println("CHECK ok");
        } catch (IllegalStateException e) {
            System.out.println("CHECK " + e.getMessage());
        }
        try (LimnRuntime runtime = LimnRuntime.builder().carriers(1).build()) {
            System.out.println("BUILD ok");
        } catch (IllegalStateException e) {
            System.out.println("BUILD " + e.getMessage());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            int status = Limn.run(Limn.compile("probe.lm", "print(\"hello\");"),
                    RunOptions.defaults().withCores(1), o, e);
            System.out.println("RUN " + status + " " + (out.toString(StandardCharsets.UTF_8)
                    + err.toString(StandardCharsets.UTF_8)).strip().replace('\n', ' '));
        } catch (RuntimeException | Error e) {
            System.out.println("RUN threw " + e);
        }
        System.out.flush();
        // the run's threads are daemons or stopped; exit anyway so a stuck one cannot hang the test
        System.exit(0);
    }
}
