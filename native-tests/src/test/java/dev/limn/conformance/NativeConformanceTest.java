package dev.limn.conformance;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs every conformance program in-process, one dynamic test per file named
 * {@code area/file.lm}, and checks it against its inline expectations (see {@link Expectations}
 * and {@link Verdict}).
 */
class NativeConformanceTest {

    @TestFactory
    Stream<DynamicTest> conformance() {
        ProgramRunner runner = new ProgramRunner(LimnEngine.INSTANCE);
        return Corpus.load().stream()
                .map(entry -> DynamicTest.dynamicTest(entry.name(), entry.uri(), () -> check(runner, entry)));
    }

    static void check(ProgramRunner runner, Corpus.Entry entry) {
        Expectations expected = entry.expectations();
        RunResult result = runner.run(entry.name(), entry.text());
        List<String> problems = Verdict.problems(expected, result);
        if (!problems.isEmpty()) {
            fail(Verdict.report(entry.name(), expected, result, problems));
        }
    }
}
