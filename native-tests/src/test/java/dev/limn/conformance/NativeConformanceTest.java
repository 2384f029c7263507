package dev.limn.conformance;

import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs every conformance program in-process once per carrier count of {@link #CARRIER_COUNTS},
 * one dynamic test per file named {@code cores=N/area/file.lm}, and checks it against its
 * inline expectations (see {@link Expectations} and {@link Verdict}). Every mode must give the
 * same results: a program whose output depends on how many carriers run it is a bug in the
 * program or in the scheduler.
 *
 * <p>The system property {@code limn.conformance.cores} runs the corpus with only that many
 * carriers.
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

    @TestFactory
    Stream<DynamicContainer> conformance() {
        Integer override = Integer.getInteger("limn.conformance.cores");
        List<Integer> counts = override == null ? CARRIER_COUNTS : List.of(override);
        List<Corpus.Entry> corpus = Corpus.load();
        ProgramRunner base = new ProgramRunner(LimnEngine.INSTANCE);
        return counts.stream().map(cores -> {
            String mode = "cores=" + cores;
            ProgramRunner runner = new ProgramRunner(LimnEngine.INSTANCE, base.options().withCores(cores));
            return DynamicContainer.dynamicContainer(mode, corpus.stream().map(entry -> {
                String testName = mode + "/" + entry.name();
                return DynamicTest.dynamicTest(testName, entry.uri(), () -> assertTimeoutPreemptively(
                        HANG_GUARD, () -> check(testName, runner, entry), () -> testName + ": did not finish (hang?)"));
            }));
        });
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
