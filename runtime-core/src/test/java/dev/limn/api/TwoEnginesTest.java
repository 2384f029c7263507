package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.run.CompiledProgram;
import dev.limn.run.Limn;
import dev.limn.run.RunOptions;
import dev.limn.vm.Engine;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Two engines in one JVM share nothing: each runs programs from its own thread at the same
 * time, each one's live counts are exact and its own, and closing one leaves the other running.
 */
class TwoEnginesTest {
    private static final RunOptions OPTIONS = RunOptions.defaults().withSeed(7L).withCores(2);

    /** Tasks, a bounded channel, atomics and a parallel loop: every kind of live resource. */
    private static final String BUSY = """
            var total: atomic = 0;
            concurrent(ch=squares) {
                task(i in 1..200) { total += i; return i * i; }
            }
            var sum = 0;
            iter (v in squares) sum += v;
            var c = channel(4);
            concurrent {
                task { iter (i in 1..100) c.send(i); c.close(); }
                worker(x from c) { total += x; }
            }
            var hits: atomic = 0;
            parallel { iter (i in 0..<10000) { hits += 1; } }
            print(total, sum, hits);
            """;

    @Test
    void twoEnginesRunProgramsAtTheSameTimeEachWithExactCounts() throws Exception {
        CompiledProgram busy = Limn.compile("busy.lm", BUSY);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (Engine first = Limn.engine(OPTIONS); Engine second = Limn.engine(OPTIONS)) {
            List<Future<Integer>> runs = new ArrayList<>();
            for (Engine engine : List.of(first, second)) {
                runs.add(threads.submit(() -> {
                    for (int round = 0; round < 25; round++) {
                        assertEquals("25150 2686700 10000\n", run(engine, busy));
                        engine.liveCounts().forEach((name, count) -> assertEquals(0L, count, name + " after a run"));
                    }
                    return 25;
                }));
            }
            for (Future<Integer> run : runs) {
                assertEquals(25, run.get(120, TimeUnit.SECONDS));
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void liveCountsBelongToTheirEngineAndClosingOneLeavesTheOtherRunning() throws Exception {
        CompiledProgram sleepers = Limn.compile("sleepers.lm", """
                concurrent { iter (i in 1..20) { task { sleep(400ms); } } }
                print("done");
                """);
        CompiledProgram hello = Limn.compile("hello.lm", "print(\"hello\");");
        Engine running = Limn.engine(OPTIONS);
        Engine idle = Limn.engine(OPTIONS);
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<String> sleeping = thread.submit(() -> run(running, sleepers));
            // the main task and its 20 sleeping tasks, counted on their engine only
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (running.liveCounts().get("tasks.live") < 21 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            Map<String, Long> busyCounts = running.liveCounts();
            assertEquals(21L, busyCounts.get("tasks.live"), "all 21 tasks are alive together");
            assertTrue(busyCounts.get("slab.blocks.live") > 0, "the sleeping tasks hold registers");
            idle.liveCounts().forEach((name, count) -> assertEquals(0L, count, name + " of the idle engine"));

            idle.close();
            assertEquals("done\n", sleeping.get(30, TimeUnit.SECONDS), "closing one engine leaves the other's program running");
            running.liveCounts().forEach((name, count) -> assertEquals(0L, count, name + " after the run"));
            assertEquals("hello\n", run(running, hello), "the open engine runs the next program");
            assertThrows(IllegalStateException.class, () -> run(idle, hello), "a closed engine runs nothing");
        } finally {
            thread.shutdownNow();
            running.close();
            idle.close();
        }
    }

    private static String run(Engine engine, CompiledProgram program) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = Limn.run(engine, program, OPTIONS, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(OutputStream.nullOutputStream()));
        assertEquals(0, status);
        return out.toString(StandardCharsets.UTF_8);
    }
}
