package dev.limn.conformance;

import dev.limn.run.RunOptions;
import dev.limn.vm.Tier;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Runs the conformance corpus ({@link Corpus}) in one JVM, round after round, with the carrier
 * counts given, and reports every run that departs from its program's expectations with its
 * output: a hunt for rare schedule-dependent failures (a lost wake-up shows as a program that
 * deadlocks or ends a stream early once in a thousand runs), which one pass of
 * {@code ./mvnw verify} seldom meets. Not a test: {@code scripts/hunt.sh} runs it; its exit
 * status is 1 when any run failed.
 *
 * <pre>Hunt ROUNDS CORES[,CORES...] [tier=off|auto|always] [PREFIX...]</pre>
 * PREFIXes ({@code concurrent/}, {@code channels/deadlock_main_send.lm}) narrow the hunt to the
 * programs whose corpus name starts with one of them.
 */
public final class Hunt {
    private Hunt() {}

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: Hunt ROUNDS CORES[,CORES...] [tier=off|auto|always] [PREFIX...]");
            System.exit(2);
        }
        int rounds = Integer.parseInt(args[0]);
        int[] cores = Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray();
        int at = 2;
        RunOptions base = RunOptions.defaults().withSeed(ProgramRunner.SEED);
        if (at < args.length && args[at].startsWith("tier=")) {
            base = base.withTier(Tier.Mode.valueOf(args[at].substring(5).toUpperCase(Locale.ROOT)));
            at++;
        }
        List<String> prefixes = Arrays.asList(args).subList(at, args.length);
        List<Corpus.Entry> programs = Corpus.load().stream()
                .filter(e -> !e.expectations().isEmpty())
                .filter(e -> prefixes.isEmpty() || prefixes.stream().anyMatch(e.name()::startsWith))
                .toList();
        long start = System.nanoTime();
        int runs = 0;
        int failed = 0;
        for (int r = 1; r <= rounds; r++) {
            for (int n : cores) {
                ProgramRunner runner = new ProgramRunner(LimnEngine.INSTANCE, base.withCores(n));
                for (Corpus.Entry e : programs) {
                    RunResult result = runner.run(e.name(), e.text());
                    runs++;
                    List<String> problems = Verdict.problems(e.expectations(), result);
                    if (!problems.isEmpty()) {
                        failed++;
                        System.out.println("FAILED round " + r + ", cores=" + n + ", " + e.name() + ": " + problems
                                + "\n--- stdout\n" + result.stdout() + "--- stderr\n" + result.stderr() + "---");
                    }
                }
            }
            System.out.printf("round %d: %d runs, %d failed, %.0f s%n", r, runs, failed, (System.nanoTime() - start) / 1e9);
        }
        System.exit(failed == 0 ? 0 : 1);
    }
}
