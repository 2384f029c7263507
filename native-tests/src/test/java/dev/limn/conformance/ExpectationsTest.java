package dev.limn.conformance;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExpectationsTest {

    @Test
    void expectLinesKeepInnerAndTrailingSpacesAndDropOneLeadingSpace() {
        Expectations e = Expectations.parse("""
                print("a  b");   // expect: a  b
                print(" x ");    // expect:  x\s
                print();         // expect:
                print("");       // expect:
                """);
        assertEquals(List.of("a  b", " x ", "", ""), e.stdoutLines());
        assertEquals("a  b\n x \n\n\n", e.expectedStdout());
    }

    @Test
    void exitDefaultsToZeroWithoutErrorsAndOneWithThem() {
        assertEquals(0, Expectations.parse("print(1); // expect: 1").exitStatus());
        Expectations withError = Expectations.parse("var x = 1 / 0;\n// expect-error: DivisionByZero\n");
        assertEquals(1, withError.exitStatus());
        assertFalse(withError.exitGiven());
        assertEquals(List.of("DivisionByZero"), withError.stderrFragments());
    }

    @Test
    void explicitExitWins() {
        Expectations e = Expectations.parse("print(x)\n// expect-error: expected ';'\n// exit: 2\n");
        assertEquals(2, e.exitStatus());
        assertTrue(e.exitGiven());
        assertEquals(List.of("expected ';'"), e.stderrFragments());
    }

    @Test
    void expectErrorIsNotMistakenForExpect() {
        Expectations e = Expectations.parse("// expect-error: boom\n// expect: out\n");
        assertEquals(List.of("out"), e.stdoutLines());
        assertEquals(List.of("boom"), e.stderrFragments());
    }

    @Test
    void windowsLineEndsAreNotPartOfTheText() {
        Expectations e = Expectations.parse("print(1); // expect: 1\r\nprint(2); // expect: 2\r\n");
        assertEquals(List.of("1", "2"), e.stdoutLines());
    }

    @Test
    void emptyWhenNothingIsStated() {
        assertTrue(Expectations.parse("print(1);\n").isEmpty());
        assertFalse(Expectations.parse("// exit: 0\n").isEmpty());
    }

    @Test
    void malformedExpectationsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Expectations.parse("// exit: two\n"));
        assertThrows(IllegalArgumentException.class, () -> Expectations.parse("// exit: 1\n// exit: 2\n"));
        assertThrows(IllegalArgumentException.class, () -> Expectations.parse("// expect-error:\n"));
    }
}
