package dev.limn.conformance;

import dev.limn.run.RunOptions;
import dev.limn.vm.Tier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs the conformance corpus in one JVM, round after round, with the carrier counts given,
 * and reports every run that departs from its program's expectations with its output: a
 * hunt for rare schedule-dependent failures (a lost wake-up shows as a program that deadlocks
 * or ends a stream early once in a thousand runs), which one pass of {@code ./mvnw verify}
 * seldom meets. Not a test: {@code scripts/hunt.sh} runs it; its exit status is 1 when any run
 * failed.
 *
 * <pre>Hunt ROUNDS CORES[,CORES...] [tier=off|auto|always] ROOT [PATH...]</pre>
 * ROOT is the corpus directory (programs are named relative to it, as the conformance tests
 * name them); PATHs, files or directories under it, narrow the hunt.
 */
public final class Hunt {
    private Hunt() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: Hunt ROUNDS CORES[,CORES...] [tier=off|auto|always] ROOT [PATH...]");
            System.exit(2);
        }
        int rounds = Integer.parseInt(args[0]);
        int[] cores = java.util.Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray();
        int at = 2;
        RunOptions base = RunOptions.defaults().withSeed(ProgramRunner.SEED);
        if (args[at].startsWith("tier=")) {
            base = base.withTier(Tier.Mode.valueOf(args[at].substring(5).toUpperCase(java.util.Locale.ROOT)));
            at++;
        }
        Path root = Path.of(args[at++]);
        List<Path> files = new ArrayList<>();
        for (Path p : at < args.length ? java.util.Arrays.stream(args, at, args.length).map(Path::of).toList() : List.of(root)) {
            try (Stream<Path> s = Files.walk(p)) {
                s.filter(f -> f.toString().endsWith(".lm")).sorted().forEach(files::add);
            }
        }
        long start = System.nanoTime();
        int runs = 0;
        int failed = 0;
        for (int r = 1; r <= rounds; r++) {
            for (int n : cores) {
                ProgramRunner runner = new ProgramRunner(LimnEngine.INSTANCE, base.withCores(n));
                for (Path f : files) {
                    String text = Files.readString(f);
                    Expectations expected = Expectations.parse(text);
                    if (expected.isEmpty()) {
                        continue;
                    }
                    String name = root.relativize(f).toString();
                    RunResult result = runner.run(name, text);
                    runs++;
                    List<String> problems = Verdict.problems(expected, result);
                    if (!problems.isEmpty()) {
                        failed++;
                        System.out.println("FAILED round " + r + ", cores=" + n + ", " + name + ": " + problems
                                + "\n--- stdout\n" + result.stdout() + "--- stderr\n" + result.stderr() + "---");
                    }
                }
            }
            System.out.printf("round %d: %d runs, %d failed, %.0f s%n", r, runs, failed, (System.nanoTime() - start) / 1e9);
        }
        System.exit(failed == 0 ? 0 : 1);
    }
}
