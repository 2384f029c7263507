package dev.limn.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.util.List;

/** The runner and the whole check of one program, against {@link FakeEngine}. */
class ProgramRunnerTest {
    private final FakeEngine engine = new FakeEngine();
    private final ProgramRunner runner = new ProgramRunner(engine);

    @Test
    void capturesStdoutStderrStatusAndRunsWithTheFixedSeed() {
        RunResult r = runner.run("basics/x.lm", "out héllo 😀\nerr oops\nexit 1\n");
        assertEquals("héllo 😀\n", r.stdout());
        assertEquals("oops\n", r.stderr());
        assertEquals(1, r.status());
        assertEquals(42L, engine.lastOptions.seed());
        assertEquals(0, r.liveCounts().get("tasks"));
    }

    @Test
    void anotherModeRunsWithItsOwnOptions() {
        ProgramRunner oneCarrier = new ProgramRunner(engine, dev.limn.run.RunOptions.defaults().withSeed(ProgramRunner.SEED).withCores(1));
        oneCarrier.run("basics/x.lm", "out 1\n");
        assertEquals(1, engine.lastOptions.cores());
        assertEquals(42L, engine.lastOptions.seed());
    }

    @Test
    void compileErrorsAreRenderedToStderrWithStatusTwoAndNothingRuns() {
        RunResult r = runner.run("diagnostics/semi.lm", "print(1)\ncompile-error 2 3 expected ';'\ncompile-error 4 1 unexpected '}'\n");
        assertEquals(2, r.status());
        assertEquals(0, engine.runs);
        assertTrue(r.stderr().contains("error: expected ';'"), r.stderr());
        assertTrue(r.stderr().contains("--> diagnostics/semi.lm:2:3"), r.stderr());
        assertTrue(r.stderr().contains("--> diagnostics/semi.lm:4:1"), r.stderr());
    }

    @Test
    void aJavaExceptionEscapingTheCompilerIsNotSwallowed() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> runner.run("a.lm", "throw broken invariant\n"));
        assertEquals("broken invariant", e.getMessage());
        assertEquals(0, engine.runs);
    }

    @Test
    void aConformingProgramPasses() {
        Corpus.Entry entry = entry("basics/ok.lm", """
                // checks output
                out 1
                out a  b
                out
                // expect: 1
                // expect: a  b
                // expect:
                """);
        NativeConformanceTest.check(entry.name(), runner, entry);
    }

    @Test
    void aRuntimeErrorProgramPassesWithItsDiagnostic() {
        Corpus.Entry entry = entry("runtime-errors/div.lm", """
                out before
                err error[DivisionByZero]: division by zero
                err  --> runtime-errors/div.lm:3:9
                exit 1
                // expect: before
                // expect-error: error[DivisionByZero]: division by zero
                // expect-error: --> runtime-errors/div.lm:3:
                """);
        NativeConformanceTest.check(entry.name(), runner, entry);
    }

    @Test
    void aFailureReportNamesTheProgramAndShowsBothOutputs() {
        Corpus.Entry entry = entry("basics/bad.lm", """
                out 1
                out 3
                err something
                // expect: 1
                // expect: 2
                """);
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> NativeConformanceTest.check(entry.name(), runner, entry));
        String message = e.getMessage();
        assertTrue(message.startsWith("basics/bad.lm: 1 problem"), message);
        assertTrue(message.contains("stdout line 2: expected «2», got «3»"), message);
        assertTrue(message.contains("--- expected stdout (exit 0) ---\n| 1\n| 2\n"), message);
        assertTrue(message.contains("--- actual stdout (exit 0) ---\n| 1\n| 3\n"), message);
        assertTrue(message.contains("--- actual stderr ---\n| something\n"), message);
    }

    @Test
    void leakedResourcesFailTheProgram() {
        Corpus.Entry entry = entry("basics/leak.lm", "out 1\nleak tasks 2\n// expect: 1\n");
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> NativeConformanceTest.check(entry.name(), runner, entry));
        assertTrue(e.getMessage().contains("live resources after the program ended: {tasks=2}"), e.getMessage());
    }

    @Test
    void aJavaExceptionEscapingTheEngineIsNotSwallowed() {
        Corpus.Entry entry = entry("basics/crash.lm", "crash index 3 out of bounds\n// expect: 1\n");
        assertThrows(IllegalStateException.class, () -> NativeConformanceTest.check(entry.name(), runner, entry));
    }

    @Test
    void robustnessAcceptsLocatedCompileErrorsAndSuccess() {
        assertEquals(null, CompilerRobustnessTest.attempt(engine, "a/b.lm", new Mutator.Variant("v", "out 1\n")));
        assertEquals(null, CompilerRobustnessTest.attempt(engine, "a/b.lm",
                new Mutator.Variant("v", "compile-error 1 5 unexpected end of file\n")));
    }

    @Test
    void robustnessRejectsCrashesAndUnlocatedErrors() {
        String crash = CompilerRobustnessTest.attempt(engine, "a/b.lm", new Mutator.Variant("mutation 3", "throw parser fell over\n"));
        assertTrue(crash != null && crash.contains("mutation 3") && crash.contains("parser fell over"), crash);
        String unlocated = CompilerRobustnessTest.attempt(engine, "a/b.lm",
                new Mutator.Variant("truncated", "compile-error 0 0 something\n"));
        assertTrue(unlocated != null && unlocated.contains("do not name a/b.lm:line:col"), unlocated);
    }

    @Test
    void robustnessRunsEveryVariantOfAFile() {
        Corpus.Entry entry = entry("a/b.lm", "out 1\nout 2\nout 3\n// expect: 1\n");
        List<String> failures = CompilerRobustnessTest.survive(engine, entry);
        assertEquals(List.of(), failures);
    }

    private static Corpus.Entry entry(String name, String text) {
        return new Corpus.Entry(name, name.substring(0, name.indexOf('/')), java.net.URI.create("file:///" + name), text);
    }
}
