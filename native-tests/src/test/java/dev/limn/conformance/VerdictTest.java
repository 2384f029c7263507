package dev.limn.conformance;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VerdictTest {
    private static final Map<String, Long> CLEAN = Map.of("tasks", 0L);

    private static List<String> problems(String program, RunResult result) {
        return Verdict.problems(Expectations.parse(program), result);
    }

    @Test
    void exactStdoutPasses() {
        assertEquals(List.of(), problems("// expect: a\n// expect:\n", new RunResult(0, "a\n\n", "", CLEAN)));
        assertEquals(List.of(), problems("// exit: 0\n", new RunResult(0, "", "", CLEAN)));
    }

    @Test
    void stdoutMustMatchExactly() {
        assertEquals(List.of("stdout line 1: expected «a b», got «a  b»"),
                problems("// expect: a b\n", new RunResult(0, "a  b\n", "", CLEAN)));
        assertEquals(List.of("stdout has 1 extra lines, from «b»"),
                problems("// expect: a\n", new RunResult(0, "a\nb\n", "", CLEAN)));
        assertEquals(List.of("stdout ends after 1 lines; expected 2"),
                problems("// expect: a\n// expect: b\n", new RunResult(0, "a\n", "", CLEAN)));
        assertEquals(List.of("stdout does not end with a newline"),
                problems("// expect: a\n", new RunResult(0, "a", "", CLEAN)));
        assertEquals(List.of("stdout has 1 extra lines, from «»"),
                problems("// exit: 0\n", new RunResult(0, "\n", "", CLEAN)));
    }

    @Test
    void exitStatusIsChecked() {
        assertEquals(List.of("exit status: expected 1, got 0"),
                problems("// expect-error: boom\n", new RunResult(0, "", "boom\n", CLEAN)));
    }

    @Test
    void stderrFragmentsMustAppearInOrder() {
        String stderr = "error[DivisionByZero]: division by zero\n --> d.lm:3:9\n";
        assertEquals(List.of(), problems("// expect-error: DivisionByZero\n// expect-error: d.lm:3:\n",
                new RunResult(1, "", stderr, CLEAN)));
        assertEquals(List.of("stderr lacks «DivisionByZero» after the earlier fragments (order)"),
                problems("// expect-error: d.lm:3:\n// expect-error: DivisionByZero\n", new RunResult(1, "", stderr, CLEAN)));
        assertEquals(List.of("stderr lacks «Overflow»"),
                problems("// expect-error: Overflow\n", new RunResult(1, "", stderr, CLEAN)));
    }

    @Test
    void javaStackTracesNeverPass() {
        String trace = "Exception in thread \"main\" java.lang.NullPointerException\n\tat dev.limn.vm.Interpreter.run(Interpreter.java:42)\n";
        assertTrue(problems("// exit: 1\n", new RunResult(1, "", trace, CLEAN)).contains("a Java stack trace reached the user"));
        String frameOnly = "\tat dev.limn.vm.Interpreter.run(Interpreter.java:42)\n";
        assertTrue(problems("// exit: 1\n", new RunResult(1, "", frameOnly, CLEAN)).contains("a Java stack trace reached the user"));
        // A Limn program that prints the word "at" is not a stack trace.
        assertEquals(List.of(), problems("// expect:   at home (now)\n", new RunResult(0, "  at home (now)\n", "", CLEAN)));
    }

    @Test
    void nonZeroLiveCountsFail() {
        assertEquals(List.of("live resources after the program ended: {channels=1, slabBlocks=3}"),
                problems("// exit: 0\n", new RunResult(0, "", "", Map.of("tasks", 0L, "slabBlocks", 3L, "channels", 1L))));
        assertEquals(List.of("live resources after the program ended: {tasks=1} (already live before it ran, left by an earlier program: {tasks=1})"),
                problems("// exit: 0\n", new RunResult(0, "", "", Map.of("tasks", 1L), Map.of("tasks", 1L))));
    }
}
