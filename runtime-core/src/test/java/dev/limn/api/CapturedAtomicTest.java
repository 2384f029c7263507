package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.run.Limn;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Atomic variables that closures capture (SPEC §6.1): a captured variable lives as long as any
 * closure that holds it, whichever task calls it and whenever, and holding it costs no cell
 * that outlives the call (regressions: a closure's atomic was freed with the task that declared
 * it, and every call of a function whose closure captured an atomic kept a cell until the
 * calling task ended).
 */
class CapturedAtomicTest {
    @Test
    void aClosureReturnedByATaskUpdatesItsAtomicFromConcurrentCallersAfterTheTaskEnded() {
        String text = """
                fn counter() {
                    var n: atomic = 0;
                    return [fn () { n += 1; }, fn (d) { return n.add(d); }, fn () { return n; }];
                }
                concurrent(ch=made) { task { return counter(); } }
                var fns = made.recv();
                var inc = fns[0];
                var add = fns[1];
                var get = fns[2];
                var calls: atomic = 0;
                var total: atomic = 0;
                concurrent {
                    task(i in 1..30) { iter (j in 1..1000) { inc(); calls += 1; } }
                    task(i in 1..30) { iter (j in 1..1000) { total += add(1); calls += 1; } }
                }
                print(calls, get(), total > 0);
                """;
        // LimnRunner also asserts that every live count of the engine is 0 after the run
        assertEquals("60000 60000 true\n", LimnRunner.out(text));
    }

    @Test
    void eachAddThroughAClosureReturnsAValueNoOtherCallSaw() {
        String text = """
                concurrent(ch=made) { task { var n: atomic = 0; return fn () { return n.add(1); }; } }
                var bump = made.recv();
                var total: atomic = 0;
                concurrent { task(i in 1..60) { iter (j in 1..1000) { total += bump(); } } }
                print(total, bump());
                """;
        assertEquals("1800030000 60001\n", LimnRunner.out(text));
    }

    @Test
    void aFunctionWhoseClosureCapturesAnAtomicHoldsNoCellAcrossCalls() {
        List<Map<String, Long>> seen = new ArrayList<>();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (LimnRuntime rt = LimnRuntime.builder().carriers(2).seed(42L)
                .out(new PrintStream(printed, true, StandardCharsets.UTF_8)).build()) {
            rt.define("probe", args -> {
                seen.add(rt.liveCounts());
                return null;
            });
            Instance s = rt.load(rt.compile("leak.lm", """
                    fn f(i) { var a: atomic = i; var g = fn () { return a + 1; }; return g(); }
                    fn calls(n) {
                        var s = 0;
                        iter (i in 0..<n) {
                            s += f(i);
                            if (i % 20000 == 0) probe();
                        }
                        probe();
                        return s;
                    }
                    """));
            assertEquals(0L, rt.liveCounts().get("atomic.cells.live"));
            assertEquals(20000100000L, s.call("calls", 200000L));
            assertEquals(11, seen.size());
            for (Map<String, Long> counts : seen) {
                assertEquals(seen.getFirst(), counts, "live counts during the calls: " + seen);
            }
            assertEquals(0L, seen.getFirst().get("atomic.cells.live"), seen.toString());
            assertEquals(0L, rt.liveCounts().get("atomic.cells.live"));
            assertEquals(0L, rt.liveCounts().get("tasks.live"));
        }
    }

    @Test
    void onlyAtomicsThatAFunctionCapturesLiveOnTheHeap() throws Exception {
        String listing = Limn.disassemble(Limn.compile("homes.lm", """
                fn count(n) {
                    var tasks_only: atomic = 0;
                    concurrent { task(i in 1..n) { tasks_only += 1; } }
                    return tasks_only;
                }
                fn counter() {
                    var by_fn: atomic = 0;
                    concurrent { task { by_fn += 1; } }
                    return fn () { by_fn += 1; return by_fn; };
                }
                """));
        String count = listing.substring(listing.indexOf("fn count ("), listing.indexOf("fn counter ("));
        String counter = listing.substring(listing.indexOf("fn counter ("));
        assertTrue(count.contains("NEWATOMIC") && !count.contains("heap"), count);
        assertTrue(count.contains("ARELEASE"), count);
        assertTrue(counter.contains("NEWATOMIC    r1 r1 heap"), counter);
        assertFalse(counter.contains("ARELEASE"), counter);
    }

    @Test
    void anInstanceKeepsTheOffHeapAtomicsOfItsTopLevelAndNotTheHeapOnes() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (LimnRuntime rt = LimnRuntime.builder().carriers(2).seed(42L)
                .out(new PrintStream(printed, true, StandardCharsets.UTF_8)).build()) {
            Instance s = rt.load(rt.compile("kept.lm", """
                    var plain: atomic = 5;
                    concurrent { task(i in 1..4) { plain += 1; } }
                    var hits: atomic = 0;
                    fn hit() { hits += 1; return hits; }
                    """));
            assertEquals(9L, s.get("plain"));
            assertEquals(1L, s.call("hit"));
            assertEquals(2L, s.call("hit"));
            assertEquals(2L, s.get("hits"));
            assertEquals(1L, rt.liveCounts().get("atomic.cells.live"), "plain's cell, kept for the host");
        }
    }
}
