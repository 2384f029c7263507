package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The per-instance instruction budget: counted at safepoints, BudgetExceeded past it, readable and resettable. */
class InstructionBudgetTest {
    private static final String SOURCE = """
            fn add(a, b) { return a + b; }
            fn spin() { var n = 0; while (true) { n += 1; } }
            fn sum(n) { var s = 0; iter (i in 0..<n) { s += i; } return s; }
            fn fib(n) { if (n < 2) { return n; } return fib(n - 1) + fib(n - 2); }
            fn guarded() { attempt { spin(); } handle BudgetExceeded(e) { return "caught: " + e.kind; } }
            fn crowd() {
                concurrent { task(i in 1..4) { var n = 0; while (true) { n += 1; sleep(0ms); } } }
            }
            """;

    private static LimnRuntime runtime(long budget) {
        LimnRuntime.Builder b = LimnRuntime.builder().carriers(2).seed(1L).out(new PrintStream(OutputStream.nullOutputStream()));
        return budget > 0 ? b.instructionBudget(budget).build() : b.build();
    }

    @Test
    void aRunawayLoopEndsInBudgetExceededAtItsLine() {
        try (LimnRuntime rt = runtime(100_000)) {
            Instance s = rt.load(rt.compile("budget.lm", SOURCE));
            LimnException e = assertThrows(LimnException.class, () -> s.call("spin"));
            assertEquals("BudgetExceeded", e.kind());
            assertEquals(2, e.line(), e.getMessage());
            assertEquals(100_000L, s.instructionsUsed());
            // spent: the next call fails at its first safepoint too, until the host resets the count
            assertEquals("BudgetExceeded", assertThrows(LimnException.class, () -> s.call("sum", 10L)).kind());
            s.resetInstructionsUsed();
            assertEquals(0L, s.instructionsUsed());
            assertEquals(45L, s.call("sum", 10L));
            assertTrue(s.instructionsUsed() > 0);
        }
    }

    @Test
    void theCountGrowsWithTheWorkDoneAndIsTheSameOnEveryRun() {
        long[] first = new long[3];
        for (int run = 0; run < 2; run++) {
            try (LimnRuntime rt = runtime(0)) {
                Instance s = rt.load(rt.compile("budget.lm", SOURCE));
                long loaded = s.instructionsUsed();
                s.call("sum", 1_000L);
                long thousand = s.instructionsUsed() - loaded;
                s.call("sum", 2_000L);
                long twoThousand = s.instructionsUsed() - loaded - thousand;
                s.call("fib", 15L);
                long fib = s.instructionsUsed() - loaded - thousand - twoThousand;
                assertTrue(thousand >= 1_000, "a loop of 1,000 iterations counted " + thousand);
                long perIteration = twoThousand - thousand;
                assertTrue(perIteration >= 1_000 && perIteration <= 20_000, "1,000 more iterations counted " + perIteration);
                assertTrue(fib >= 1_973, "fib(15) makes 1,973 calls, counted " + fib);
                if (run == 0) {
                    first = new long[] {thousand, twoThousand, fib};
                } else {
                    assertEquals(first[0], thousand);
                    assertEquals(first[1], twoThousand);
                    assertEquals(first[2], fib);
                }
            }
        }
    }

    @Test
    void theErrorIsCatchableAndEveryTaskOfABlockStops() throws Exception {
        try (LimnRuntime rt = runtime(50_000)) {
            Instance s = rt.load(rt.compile("budget.lm", SOURCE));
            assertEquals("caught: BudgetExceeded", s.call("guarded"));
            s.resetInstructionsUsed();
            LimnException e = assertThrows(LimnException.class, () -> s.call("crowd"));
            assertEquals("BudgetExceeded", e.kind(), e.getMessage());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            Map<String, Long> counts = rt.liveCounts();
            while (counts.get("tasks.live") != 0 && System.nanoTime() < end) {
                Thread.sleep(5);
                counts = rt.liveCounts();
            }
            assertEquals(0L, counts.get("tasks.live"), counts.toString());
            // the tasks that were stopped gave back the fuel they held: at most a chunk each
            long used = s.instructionsUsed();
            assertTrue(used <= 50_000 && used > 50_000 - 5 * 4096, "used " + used);
        }
    }

    @Test
    void aBudgetMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> LimnRuntime.builder().instructionBudget(0));
    }
}
