package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.run.CompiledProgram;
import dev.limn.run.Limn;
import dev.limn.run.RunOptions;
import dev.limn.vm.Box;
import dev.limn.vm.Engine;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Tasks as fibers, blocks, shared writes, atomics and statistics, end to end (SPEC §5, §6, §8). */
class ConcurrencyTest {
    @Test
    void statsCountRerunsAsRetriedAndAbsorbedFailuresAsFailed() throws Exception {
        CompiledProgram p = Limn.compile("retry_stats.lm", """
                concurrent(on_error=Retry, retries=2, backoff=0ms) {
                    task { if (task_attempt() < 3) return err(Flaky("again")); }
                }
                concurrent(on_error=Auto, errors=e) {
                    task { return err(Nope("no")); }
                }
                """);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Limn.run(p, RunOptions.defaults().withStats(true).withCores(2),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status);
        String stats = err.toString(StandardCharsets.UTF_8);
        // main + 2 tasks; the first ran 3 times (2 reruns); the second's failure was absorbed
        assertTrue(stats.contains("tasks started 3, completed 3, failed 1, retried 2, cancelled 0"), stats);
        assertTrue(stats.contains("channels open 0"), stats);
    }

    @Test
    void statsCountTasksBlocksAndLiveResources() throws Exception {
        CompiledProgram p = Limn.compile("stats.lm", """
                var hits: atomic = 0;
                concurrent(ch=out) { task(i in 1..5) { hits += 1; return i; } }
                print(hits);
                """);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        RunOptions options = RunOptions.defaults().withStats(true).withCores(2);
        int status;
        try (Engine engine = Limn.engine(options)) {
            status = Limn.run(engine, p, options,
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            engine.liveCounts().forEach((name, count) -> assertEquals(0L, count, name));
        }
        assertEquals(0, status);
        assertEquals("5\n", out.toString(StandardCharsets.UTF_8));
        String stats = err.toString(StandardCharsets.UTF_8);
        assertTrue(stats.contains("tasks started 6, completed 6, failed 0, retried 0, cancelled 0, terminated 0\n"), stats);
        assertTrue(stats.contains("blocks 1"), stats);
        assertTrue(stats.contains("live tasks 0"), stats);
        assertTrue(stats.contains("slab blocks live 0"), stats);
        assertTrue(stats.contains("atomic cells live 0"), stats);
        assertTrue(stats.contains("channels open 0"), stats);
    }

    @Test
    void everyLiveCountIsZeroAfterFailuresDeadlocksAndLeftOpenChannels() {
        LimnRunner.run("var c = channel(1); c.send(1); c.send(2);");
        LimnRunner.run("var a: atomic = 1; concurrent { task(i in 1..3) { a += 1; var z = 1 / 0; } }");
        LimnRunner.run("var c = channel(); concurrent { task { while (true) sleep(1ms); } task { c.recv(); } task { return err(X); } }");
        assertEquals("open\n", LimnRunner.out("var c = channel(); print(\"open\");"));
    }

    @Test
    void aBodyTerminatedInADeadlockEndsItsBlockWhichLetsGoOfItsCells() {
        // Regression: the body of a block, terminated by a deadlock while it waited for a
        // cores=N permit (or for anything else), never ended its block, which then never
        // completed and kept the atomic cells its units capture (atomic cells live 1).
        LimnRunner.Result permit = LimnRunner.run("""
                var c = channel(1);
                c.send(0);
                concurrent(cores=1) {
                    var hits: atomic = 0;
                    task { hits += 1; c.send(1); }
                    task { hits += 1; c.send(2); }
                }
                """);
        assertEquals(1, permit.status(), permit.err());
        assertTrue(permit.err().startsWith("error[Deadlock]"), permit.err());
        assertTrue(permit.err().contains("main at test.lm:6 waits on permit of concurrent block at test.lm:3:1"), permit.err());
        LimnRunner.Result send = LimnRunner.run("""
                var c = channel(1);
                c.send(0);
                var hits: atomic = 0;
                concurrent { task(i in 0..<3) { hits += 1; c.send(i); } c.send(9); }
                """);
        assertEquals(1, send.status(), send.err());
        assertTrue(send.err().contains("main at test.lm:4 waits on send to"), send.err());
    }

    @Test
    void aCancelledTaskRunsItsHandlerAndTheBlockRaisesTheFirstError() {
        LimnRunner.Result r = LimnRunner.run("""
                var seen: atomic = 0;
                concurrent {
                    task { attempt { while (true) sleep(1ms); } handle Cancelled(e) { seen = 1; } }
                    task { sleep(2ms); var q = [][3]; }
                }
                """);
        assertEquals(1, r.status());
        assertTrue(r.err().contains("error[IndexOutOfBounds]"), r.err());
        assertTrue(r.err().contains("= in task 2 of concurrent block at test.lm:2:1"), r.err());
        assertTrue(r.err().contains("= 0 other units failed, 0 cancelled"), r.err());
    }

    @Test
    void sharedWritesCompileToAtomicUpdatesOrAreRejected() throws Exception {
        String listing = Limn.disassemble(Limn.compile("rmw.lm", """
                var x = 0; var last = 0;
                concurrent { task(i in 1..3) { x = x + i; last = i; } }
                """));
        assertTrue(listing.contains("UPCAS"), listing);
        assertTrue(listing.contains("UPSTORE"), listing);
        LimnRunner.Result r = LimnRunner.run("var x = 0; concurrent { task { x = len([x]); } }");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("'x' is shared with other tasks"), r.err());
        assertTrue(r.err().contains("atomic"), r.err());
        // the unit's own variables and writes outside concurrent code are ordinary
        assertEquals("3\n", LimnRunner.out("var x = 1; x = len([x]) + 2; concurrent { task { var y = 0; y = len([y]); } } print(x);"));
    }

    @Test
    void atomicCellsAreReleasedWhenTheirScopeEndsUnlessAFunctionCapturedThem() throws Exception {
        String text = """
                fn count(n) {
                    var c: atomic = 0;
                    concurrent { task(i in 1..n) { c += 1; } }
                    return c;
                }
                var total = 0;
                iter (k in 1..50) total += count(3);
                fn counter() {
                    var c: atomic = 0;
                    return fn() { c += 1; return c; };
                }
                var next = counter();
                next();
                print(total, next());
                """;
        assertEquals("150 2\n", LimnRunner.out(text));
        String listing = Limn.disassemble(Limn.compile("release.lm", text));
        assertTrue(listing.contains("ARELEASE"), listing);
    }

    @Test
    void aBoxCompareAndSetNeedsTheSameValueAndIdentity() {
        Box b = Box.of(5L);
        assertFalse(b.compareAndSet(4L, 6L));
        assertTrue(b.compareAndSet(5L, 6L));
        assertEquals(6L, b.get());
        String s = "a";
        b.store(s);
        assertFalse(b.compareAndSet(new String("a"), "b"), "references compare by identity");
        assertTrue(b.compareAndSet(s, 1.5));
        assertEquals(1.5, b.get());
    }

    @Test
    void aLongLoopYieldsToOthersOnOneCarrier() throws Exception {
        CompiledProgram p = Limn.compile("slice.lm", """
                var flag: atomic = 0;
                concurrent {
                    task { var n = 0; while (flag == 0) { n += 1; } }
                    task { flag = 1; }
                }
                print("both ran");
                """);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = Limn.run(p, RunOptions.defaults().withCores(1), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(0, status);
        assertEquals("both ran\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void deepRecursionInATaskChainsFullBlocksAndReturnsThem() {
        assertEquals("[3000, 50000]\n", LimnRunner.out("""
                fn depth(n) { if (n == 0) return 0; return 1 + depth(n - 1); }
                concurrent(ch=out) { task(n in [3000, 50000]) { return depth(n); } }
                var got = [];
                iter (v in out) got.push(v);
                print(got.sort());
                """));
    }
}
