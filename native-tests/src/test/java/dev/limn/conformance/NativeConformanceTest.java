package dev.limn.conformance;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs every conformance program in-process, one dynamic test per file named
 * {@code area/file.lm}, and checks it against its inline expectations (see {@link Expectations}
 * and {@link Verdict}).
 *
 * <p>The system property {@code limn.conformance.cores} runs the corpus with that many
 * carriers instead of the default (every mode must give the same results).
 */
class NativeConformanceTest {
    /**
     * Not a timing assertion: none of these programs runs for more than a moment, so one that
     * has not finished after this long hangs, and the build should say which instead of hanging.
     */
    static final Duration HANG_GUARD = Duration.ofSeconds(60);

    @TestFactory
    Stream<DynamicTest> conformance() {
        ProgramRunner base = new ProgramRunner(LimnEngine.INSTANCE);
        Integer cores = Integer.getInteger("limn.conformance.cores");
        ProgramRunner runner = cores == null ? base
                : new ProgramRunner(LimnEngine.INSTANCE, base.options().withCores(cores));
        return Corpus.load().stream()
                .map(entry -> DynamicTest.dynamicTest(entry.name(), entry.uri(), () -> assertTimeoutPreemptively(
                        HANG_GUARD, () -> check(runner, entry), () -> entry.name() + ": did not finish (hang?)")));
    }

    static void check(ProgramRunner runner, Corpus.Entry entry) {
        Expectations expected = entry.expectations();
        RunResult result = runner.run(entry.name(), entry.text());
        List<String> problems = Verdict.problems(expected, result);
        if (!problems.isEmpty()) {
            fail(Verdict.report(entry.name(), expected, result, problems) + "source: " + entry.uri() + "\n");
        }
    }
}
