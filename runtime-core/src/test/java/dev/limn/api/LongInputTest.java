package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.lang.CompileException;
import dev.limn.run.CompiledProgram;
import dev.limn.run.Limn;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Regression: a 50,000-term {@code 1 + 1 + ...} and {@code "a".upper().upper()...} x 30,000
 * overflowed the Java stack in the resolver and compiler. The longest chain the parser accepts
 * compiles on a thread with a 1 MiB stack (the JVM's default), and a longer one is a clean
 * compile error.
 */
class LongInputTest {
    private static final long ONE_MIB = 1L << 20;

    @Test
    void theLongestAcceptedChainsCompileAndRunOnADefaultStack() throws Exception {
        String sum = "var x = " + "1 + ".repeat(990) + "1;\nprint(x);\n";
        String calls = "var s = \"a\"" + ".upper()".repeat(490) + ";\nprint(s);\n";
        String nested = "var y = " + "(".repeat(100) + "1 + ".repeat(800) + "1" + ")".repeat(100) + ";\nprint(y);\n";
        for (String program : new String[] {sum, calls, nested}) {
            AtomicReference<Object> outcome = new AtomicReference<>();
            Thread compiler = new Thread(null, () -> {
                try {
                    outcome.set(Limn.compile("long.lm", program));
                } catch (Throwable t) {
                    outcome.set(t);
                }
            }, "small-stack compiler", ONE_MIB);
            compiler.start();
            compiler.join();
            assertTrue(outcome.get() instanceof CompiledProgram, () -> "compiled on a 1 MiB stack: " + outcome.get());
        }
        assertEquals("991\n", LimnRunner.out(sum));
        assertEquals("A\n", LimnRunner.out(calls));
    }

    @Test
    void longerChainsAreACleanCompileError() {
        String sum = "var x = " + "1 + ".repeat(50_000) + "1;\n";
        String calls = "var s = \"a\"" + ".upper()".repeat(30_000) + ";\n";
        for (String program : new String[] {sum, calls}) {
            CompileException e = assertThrows(CompileException.class, () -> Limn.compile("long.lm", program));
            assertTrue(e.render().contains("error: expression too long: more than 1000 operators, calls or nested parts in a row;"
                    + " split it into several statements"), e.render());
        }
    }
}
