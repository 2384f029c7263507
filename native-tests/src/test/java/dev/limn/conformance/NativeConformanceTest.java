package dev.limn.conformance;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import dev.limn.run.RunOptions;
import dev.limn.vm.Tier;

import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Runs every conformance program in-process once per carrier count of {@link #CARRIER_COUNTS}
 * with the default tier, one dynamic test per file named {@code cores=N/area/file.lm}, and then
 * once per tier mode of {@link #TIER_MODES} on {@link #TIER_CARRIERS} carriers, named
 * {@code tier=always/cores=2/area/file.lm}; each run is checked against the program's inline
 * expectations (see {@link Expectations} and {@link Verdict}). Every mode must give the same
 * results: a program whose output depends on how many carriers run it is a bug in the program
 * or in the scheduler, and one whose output depends on the tier is a bug of the compiled tier.
 *
 * <p>System properties: {@code limn.conformance.cores} runs every mode with only that many
 * carriers; {@code limn.conformance.tiers} lists the tier modes run besides the default one
 * ({@code off,always} when unset, {@code none} for none; the build's checked run takes
 * {@code always}); {@code limn.tier} changes the default tier itself, so it is what the
 * {@code cores=N} runs use.
 */
class NativeConformanceTest {
    /**
     * Not a timing assertion: none of these programs runs for more than a moment, so one that
     * has not finished after this long hangs, and the build should say which instead of hanging.
     */
    static final Duration HANG_GUARD = Duration.ofSeconds(60);

    /**
     * One carrier runs one task at a time, so a program that only works when tasks overlap
     * shows; two is the smallest parallel mode; four steals work among more carriers and, on a
     * build machine with fewer CPUs than that, has carriers preempted in the middle of a task.
     */
    static final List<Integer> CARRIER_COUNTS = List.of(1, 2, 4);

    /**
     * The tier modes the corpus runs in besides the default one ({@code auto}, which the
     * carrier runs use): the interpreter alone, and every function compiled at its first call.
     */
    static final List<Tier.Mode> TIER_MODES = List.of(Tier.Mode.OFF, Tier.Mode.ALWAYS);

    /** The carriers of the tier runs: the smallest count at which tasks run in parallel. */
    static final int TIER_CARRIERS = 2;

    /** The system property that picks the tier runs: a comma-separated list of modes, or {@code none}. */
    static final String TIERS_PROPERTY = "limn.conformance.tiers";

    /** One way to run the corpus: its name (the tests' prefix) and its options. */
    record Mode(String name, RunOptions options) {}

    @TestFactory
    Stream<DynamicContainer> conformance() {
        List<Corpus.Entry> corpus = Corpus.load();
        return modes(RunOptions.defaults().withSeed(ProgramRunner.SEED), Integer.getInteger("limn.conformance.cores"),
                System.getProperty(TIERS_PROPERTY)).stream().map(mode -> {
            ProgramRunner runner = new ProgramRunner(LimnEngine.INSTANCE, mode.options());
            return DynamicContainer.dynamicContainer(mode.name(), corpus.stream().map(entry -> {
                String testName = mode.name() + "/" + entry.name();
                return DynamicTest.dynamicTest(testName, entry.uri(), () -> assertTimeoutPreemptively(
                        HANG_GUARD, () -> check(testName, runner, entry), () -> testName + ": did not finish (hang?)"));
            }));
        });
    }

    /**
     * The modes to run: {@code cores=N} for each carrier count with {@code base}'s tier (the
     * default), then {@code tier=M/cores=N} for each tier mode of {@code tiers}.
     *
     * @param cores the only carrier count to use, or null for {@link #CARRIER_COUNTS} (and
     *        {@link #TIER_CARRIERS} for the tier runs)
     * @param tiers the tier modes, comma-separated, {@code none} for no tier run, or null for
     *        {@link #TIER_MODES}
     * @throws IllegalArgumentException for a mode that is not off, auto or always
     */
    static List<Mode> modes(RunOptions base, Integer cores, String tiers) {
        List<Mode> modes = new ArrayList<>();
        for (int n : cores == null ? CARRIER_COUNTS : List.of(cores)) {
            modes.add(new Mode("cores=" + n, base.withCores(n)));
        }
        int tierCores = cores == null ? TIER_CARRIERS : cores;
        for (Tier.Mode tier : tierModes(tiers)) {
            modes.add(new Mode("tier=" + tier + "/cores=" + tierCores, base.withCores(tierCores).withTier(tier)));
        }
        return modes;
    }

    private static List<Tier.Mode> tierModes(String tiers) {
        if (tiers == null) {
            return TIER_MODES;
        }
        if (tiers.isBlank() || tiers.trim().toLowerCase(Locale.ROOT).equals("none")) {
            return List.of();
        }
        List<Tier.Mode> modes = new ArrayList<>();
        for (String mode : tiers.split(",")) {
            try {
                modes.add(Tier.Mode.parse(mode));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-D" + TIERS_PROPERTY + ": " + e.getMessage(), e);
            }
        }
        return modes;
    }

    /** Runs {@code entry} and fails with a report headed by {@code testName} if it does not conform. */
    static void check(String testName, ProgramRunner runner, Corpus.Entry entry) {
        Expectations expected = entry.expectations();
        RunResult result = runner.run(entry.name(), entry.text());
        List<String> problems = Verdict.problems(expected, result);
        if (!problems.isEmpty()) {
            fail(Verdict.report(testName, expected, result, problems) + "source: " + entry.uri() + "\n");
        }
    }
}
