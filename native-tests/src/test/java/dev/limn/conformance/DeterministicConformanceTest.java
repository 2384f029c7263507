package dev.limn.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import dev.limn.run.RunOptions;

import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.stream.Stream;

/**
 * Runs every conformance program deterministically ({@code limn run --deterministic}) under
 * each seed of {@link #SEEDS}, twice per seed: each run must conform to the program's
 * expectations, as in every other mode, and the second run must print exactly what the first
 * printed, on stdout and on stderr, with the same exit status. Tests are named
 * {@code deterministic/seed=N/area/file.lm}.
 */
class DeterministicConformanceTest {
    /** Three seeds: three different schedules of every program that has more than one task. */
    static final List<Long> SEEDS = List.of(1L, 2L, 3L);

    @TestFactory
    Stream<DynamicContainer> deterministic() {
        List<Corpus.Entry> corpus = Corpus.load();
        return SEEDS.stream().map(seed -> {
            RunOptions options = RunOptions.defaults().withDeterministic(true).withSeed(seed);
            ProgramRunner runner = new ProgramRunner(LimnEngine.INSTANCE, options);
            String mode = "deterministic/seed=" + seed;
            return DynamicContainer.dynamicContainer(mode, corpus.stream().map(entry -> {
                String testName = mode + "/" + entry.name();
                return DynamicTest.dynamicTest(testName, entry.uri(), () -> assertTimeoutPreemptively(
                        NativeConformanceTest.HANG_GUARD, () -> check(testName, runner, entry),
                        () -> testName + ": did not finish (hang?)"));
            }));
        });
    }

    private static void check(String testName, ProgramRunner runner, Corpus.Entry entry) {
        RunResult first = runner.run(entry.name(), entry.text());
        List<String> problems = Verdict.problems(entry.expectations(), first);
        if (!problems.isEmpty()) {
            fail(Verdict.report(testName, entry.expectations(), first, problems) + "source: " + entry.uri() + "\n");
        }
        RunResult again = runner.run(entry.name(), entry.text());
        assertEquals(first.stdout(), again.stdout(), testName + ": stdout differs between two runs with one seed");
        assertEquals(first.stderr(), again.stderr(), testName + ": stderr differs between two runs with one seed");
        assertEquals(first.status(), again.status(), testName + ": exit status differs between two runs with one seed");
    }
}
