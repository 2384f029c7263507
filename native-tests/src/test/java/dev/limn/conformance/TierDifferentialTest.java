package dev.limn.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.limn.run.RunOptions;
import dev.limn.vm.Tier;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The compiled tier changes nothing a program does: each program of a fixed sample written by
 * {@link TierProgramGenerator} (int and float arithmetic near the ends of the range, loops with
 * break and continue, call sites that see ints, then floats, then strings, recursion, closures
 * writing captured variables, attempt/handle in loops and across calls, lists, dicts and
 * strings) runs with tier {@code off} and tier {@code always}, and, when one of its loops runs
 * {@link TierProgramGenerator#HOT_ITERATIONS} times or more, with tier {@code auto} too; the
 * exit status, stdout and stderr (diagnostics with their kind, spans and notes) of every run
 * must be those of tier {@code off}, the interpreter alone.
 *
 * <p>A failure names the program's seed, shrinks it to its shortest differing prefix of
 * segments and prints that program and what each tier made of it. To replay one, save the
 * program and run {@code limn run --seed 42 --cores 1 --tier MODE FILE} for each mode. System
 * properties as for {@link GeneratedProgramsTest}: {@code limn.generated.seed} picks another
 * sample, {@code limn.generated.scale} multiplies the number of programs.
 */
class TierDifferentialTest {
    /** The sample every build runs; change it with -Dlimn.generated.seed to explore others. */
    static final long DEFAULT_SEED = 20_261_204L;

    /**
     * A few hundred programs, about a third of them hot (three runs each, the others two):
     * 300 took 30 s on the 2-core build machine with every tier interpreting.
     */
    static final int PROGRAMS = 300;

    /** Not a timing assertion: a generated program runs in milliseconds, so one still running after this long hangs. */
    static final Duration HANG_GUARD = Duration.ofSeconds(20);

    /** Shrinking stops after this long and reports the shortest differing prefix found so far. */
    static final Duration SHRINK_BUDGET = Duration.ofSeconds(60);

    static final String FILE = "tier.lm";

    /** The reference mode, then the modes compared with it; auto only for programs that run hot. */
    static final List<Tier.Mode> MODES = List.of(Tier.Mode.OFF, Tier.Mode.ALWAYS, Tier.Mode.AUTO);

    private static final Pattern ERROR_KIND = Pattern.compile("error\\[(\\w+)]|caught\",? (\\w+)|caught (\\w+)");

    @Test
    void everyTierRunsEveryProgramAlike() {
        int programs = (int) Math.ceil(PROGRAMS * Double.parseDouble(System.getProperty("limn.generated.scale", "1")));
        int hot = 0;
        int ended = 0;
        int failed = 0;
        int lines = 0;
        Set<String> kinds = new TreeSet<>();
        for (int n = 0; n < programs; n++) {
            long seed = programSeed(n);
            int segments = segments(seed);
            Comparison c = compare(LimnEngine.INSTANCE, seed, TierProgramGenerator.generate(seed, segments));
            if (!c.problems().isEmpty()) {
                String what = "program " + (n + 1) + " of " + programs;
                fail(shrunkReport(what, c, k -> compare(LimnEngine.INSTANCE, seed, TierProgramGenerator.generate(seed, k))));
            }
            RunResult off = c.results().get(Tier.Mode.OFF);
            hot += c.program().hot() ? 1 : 0;
            ended += off.status() == 0 ? 1 : 0;
            failed += off.status() == 1 ? 1 : 0;
            lines += (int) off.stdout().lines().count();
            Matcher m = ERROR_KIND.matcher(off.stdout() + off.stderr());
            while (m.find()) {
                kinds.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
            }
        }
        // a generator that drifted into programs that never compile, never get far or never
        // run hot would make the property pass without testing anything
        assertTrue(hot >= programs / 4, hot + " of " + programs + " programs ran hot; expected at least a quarter");
        assertTrue(ended >= programs / 2, ended + " of " + programs + " programs ran to the end; expected at least half");
        assertTrue(failed >= programs / 20, failed + " of " + programs + " programs ended with an error; expected at least 5%");
        assertTrue(lines >= programs * 3, "the programs printed " + lines + " lines in all; expected at least 3 a program");
        assertTrue(kinds.containsAll(List.of("Overflow", "DivisionByZero", "TypeMismatch", "IndexOutOfBounds", "KeyNotFound", "Bad")),
                "the programs raised only " + kinds);
    }

    /** Every construct the generator is meant to cover shows up in a small sample. */
    @Test
    void generatorCoversWhatACompilerGetsWrong() {
        StringBuilder sample = new StringBuilder();
        for (int n = 0; n < 60; n++) {
            sample.append(TierProgramGenerator.generate(programSeed(n), 8).text());
        }
        String text = sample.toString();
        List<String> missing = new ArrayList<>();
        for (String construct : List.of("while (", "for (var", "iter (", " in 1..", "break;", "continue;", "9223372036854775807",
                "(-9223372036854775807 - 1)", " * 1.0", " / (", " % (", " < \"x\"", "fn run_", "return err(", "?else", "attempt {",
                "handle DivisionByZero(", "= fn (", ".push(", ".get(", ".has(", "len(", "\"s{", " = true;", "(0.0 / 0.0)",
                " ** ", "if (n < 2) return n;", "(n - 1, ", "(float(")) {
            if (!text.contains(construct)) {
                missing.add(construct);
            }
        }
        assertTrue(missing.isEmpty(), "60 generated programs never contain " + missing);
        assertEquals(TierProgramGenerator.generate(7, 3).text(),
                TierProgramGenerator.generate(7, 5).text().substring(0, TierProgramGenerator.generate(7, 3).text().length()),
                "generation is prefix-stable");
    }

    /** The harness, against a fake engine that prints one line more under tier always. */
    @Test
    void aDifferenceIsReportedWithTheSeedTheProgramAndEveryTiersOutput() {
        String program = "out same\ntier always out only in always\nerr warning\n";
        Comparison c = compare(new FakeEngine(), 99L, new TierProgramGenerator.Program(program, true, 1));
        assertEquals(List.of("stdout of tier always differs from tier off at line 2: «» vs «only in always»"), c.problems());
        String report = report(c);
        assertTrue(report.contains("seed 99"), report);
        assertTrue(report.contains("--- program ---\n" + program), report);
        assertTrue(report.contains("--- tier off: exit 0 ---\nstdout:\n  | same\nstderr:\n  | warning\n"), report);
        assertTrue(report.contains("--- tier always: exit 0 ---\nstdout:\n  | same\n  | only in always\n"), report);
        assertTrue(report.contains("--- tier auto: exit 0 ---"), report);

        Comparison status = compare(new FakeEngine(), 5L, new TierProgramGenerator.Program("tier auto exit 1\n", true, 1));
        assertTrue(status.problems().contains("exit status of tier auto is 1, of tier off 0"), status.problems().toString());
        Comparison cold = compare(new FakeEngine(), 5L, new TierProgramGenerator.Program("tier auto exit 1\n", false, 1));
        assertEquals(List.of(), cold.problems(), "a program that never runs hot is not run with tier auto");
        Comparison stderr = compare(new FakeEngine(), 5L, new TierProgramGenerator.Program("tier always err  --> tier.lm:1:2\n", false, 1));
        assertEquals(List.of("stderr of tier always differs from tier off at line 1: «» vs « --> tier.lm:1:2»"), stderr.problems());
    }

    // ------------------------------------------------------------------ running and comparing

    /** One program, what each tier made of it, and how they differ; {@code problems} is empty when they agree. */
    record Comparison(long seed, TierProgramGenerator.Program program, Map<Tier.Mode, RunResult> results,
                      Map<Tier.Mode, String> failures, List<String> problems) {}

    /** Runs {@code program} in each mode of {@link #MODES} that applies and compares every run with tier off's. */
    static Comparison compare(Engine engine, long seed, TierProgramGenerator.Program program) {
        Map<Tier.Mode, RunResult> results = new LinkedHashMap<>();
        Map<Tier.Mode, String> failures = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Tier.Mode mode : MODES) {
            if (mode == Tier.Mode.AUTO && !program.hot()) {
                continue;
            }
            RunOptions options = RunOptions.defaults().withSeed(ProgramRunner.SEED).withCores(1).withTier(mode);
            try {
                RunResult r = assertTimeoutPreemptively(HANG_GUARD, () -> new ProgramRunner(engine, options).run(FILE, program.text()));
                results.put(mode, r);
                problems.addAll(cleanliness(mode, r));
            } catch (AssertionFailedError timedOut) {
                failures.put(mode, "did not finish within " + HANG_GUARD.toSeconds() + " s (hang)");
            } catch (RuntimeException | Error escaped) {
                StringWriter trace = new StringWriter();
                escaped.printStackTrace(new PrintWriter(trace));
                failures.put(mode, "a Java exception escaped the engine:\n" + trace);
            }
        }
        failures.forEach((mode, why) -> problems.add("tier " + mode + ": " + why));
        RunResult reference = results.get(Tier.Mode.OFF);
        if (reference != null) {
            if (reference.status() == 2) {
                problems.add("the program does not compile (a generator bug)");
            }
            results.forEach((mode, r) -> {
                if (mode != Tier.Mode.OFF) {
                    if (r.status() != reference.status()) {
                        problems.add("exit status of tier " + mode + " is " + r.status() + ", of tier off " + reference.status());
                    }
                    String out = firstDifference(reference.stdout(), r.stdout());
                    if (out != null) {
                        problems.add("stdout of tier " + mode + " differs from tier off at " + out);
                    }
                    String err = firstDifference(reference.stderr(), r.stderr());
                    if (err != null) {
                        problems.add("stderr of tier " + mode + " differs from tier off at " + err);
                    }
                }
            });
        }
        return new Comparison(seed, program, results, failures, problems);
    }

    /** What every run must be, whatever the tier: no internal error, no Java stack trace, every live count 0. */
    private static List<String> cleanliness(Tier.Mode mode, RunResult r) {
        List<String> problems = new ArrayList<>();
        String output = r.stdout() + r.stderr();
        if (output.contains("InternalError") || output.contains("internal error")) {
            problems.add("tier " + mode + " reported an internal error");
        }
        if (Verdict.JAVA_STACK_TRACE.matcher(output).find()) {
            problems.add("tier " + mode + " showed a Java stack trace");
        }
        r.liveCounts().forEach((name, count) -> {
            if (count != 0) {
                problems.add("tier " + mode + " left live count " + name + " = " + count);
            }
        });
        return problems;
    }

    /** {@code line N: «expected» vs «actual»} at the first line that differs, or null when equal. */
    private static String firstDifference(String expected, String actual) {
        if (expected.equals(actual)) {
            return null;
        }
        List<String> e = expected.lines().toList();
        List<String> a = actual.lines().toList();
        for (int k = 0; k < Math.max(e.size(), a.size()); k++) {
            String x = k < e.size() ? e.get(k) : "";
            String y = k < a.size() ? a.get(k) : "";
            if (!x.equals(y) || k >= e.size() || k >= a.size()) {
                return "line " + (k + 1) + ": «" + x + "» vs «" + y + "»";
            }
        }
        return "the line ends";
    }

    /** Reruns shorter prefixes of a differing program, shortest first, and reports the first that still differs. */
    private static String shrunkReport(String what, Comparison original, IntFunction<Comparison> prefix) {
        Comparison smallest = original;
        long deadline = System.nanoTime() + SHRINK_BUDGET.toNanos();
        for (int k = 1; k < original.program().segments() && System.nanoTime() < deadline; k++) {
            Comparison shorter = prefix.apply(k);
            if (!shorter.problems().isEmpty()) {
                smallest = shorter;
                break;
            }
        }
        return "tiers disagree on " + what + " (seed " + original.seed() + ", " + original.program().segments() + " segments)"
                + (smallest != original ? "; its shortest differing prefix has " + smallest.program().segments() + " segments" : "")
                + "\n" + report(smallest);
    }

    static String report(Comparison c) {
        StringBuilder sb = new StringBuilder();
        sb.append("seed ").append(c.seed()).append(", ").append(c.program().segments()).append(" segments")
                .append(c.program().hot() ? ", hot" : "").append("; replay: limn run --seed ").append(ProgramRunner.SEED)
                .append(" --cores 1 --tier MODE ").append(FILE).append('\n');
        for (String problem : c.problems()) {
            sb.append("  - ").append(problem).append('\n');
        }
        sb.append("--- program ---\n").append(c.program().text());
        c.results().forEach((mode, r) -> {
            sb.append("--- tier ").append(mode).append(": exit ").append(r.status()).append(" ---\n");
            sb.append("stdout:\n").append(quoted(r.stdout())).append("stderr:\n").append(quoted(r.stderr()));
        });
        return sb.toString();
    }

    /** Each line behind {@code "  | "}, so empty lines and trailing spaces show; clipped when long. */
    private static String quoted(String text) {
        String clipped = text.length() <= 6_000 ? text : text.substring(0, 6_000) + "\n[... " + (text.length() - 6_000) + " more characters]";
        StringBuilder sb = new StringBuilder();
        clipped.lines().forEach(line -> sb.append("  | ").append(line).append('\n'));
        return sb.toString();
    }

    // ------------------------------------------------------------------ the sample

    /** The seed of the n-th program: SplitMix64's mixer, so neighbouring programs share nothing. */
    static long programSeed(int n) {
        long z = Long.getLong("limn.generated.seed", DEFAULT_SEED) + (n + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Between 2 and 8 segments, from the seed. */
    private static int segments(long seed) {
        return 2 + (int) Math.floorMod(Long.rotateLeft(seed, 17), 7L);
    }
}
