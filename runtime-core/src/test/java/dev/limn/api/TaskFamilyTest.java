package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.run.RunOptions;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code task(v in e)} over a range or list runs as a task family (chunk tasks that call the
 * body once per task, {@code ParallelLoops.startFamily}). These programs check what must not
 * change with it, on one carrier (where every task of a chunk runs behind the previous one
 * unless a suspension detaches the rest) and on two.
 */
class TaskFamilyTest {
    private static LimnRunner.Result run(String text, int carriers, long seed, boolean stats) {
        return LimnRunner.run("family.lm", text, RunOptions.defaults().withCores(carriers).withSeed(seed).withStats(stats));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aTaskWaitingForALaterTaskOfItsFamilyDoesNotHoldItBack(int carriers) {
        LimnRunner.Result r = run("""
                var ch = channel();
                var got: atomic = 0;
                concurrent {
                    task(i in 0..<50) {
                        if (i == 0) { got = ch.recv(); }
                        if (i == 49) { ch.send(42); }
                    }
                }
                print(got);
                """, carriers, 1, false);
        assertEquals(0, r.status(), r.err());
        assertEquals("42\n", r.out());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aBusyTaskYieldsToTheRestOfItsFamilyAtTheEndOfItsTimeSlice(int carriers) {
        LimnRunner.Result r = run("""
                var flag: atomic = 0;
                var spins: atomic = 0;
                concurrent {
                    task(i in 0..<4) {
                        if (i == 0) { while (flag == 0) { spins += 1; } }
                        if (i == 3) { flag = 1; }
                    }
                }
                print("released", flag);
                """, carriers, 1, false);
        assertEquals(0, r.status(), r.err());
        assertEquals("released 1\n", r.out());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void statisticsCountEveryTaskOfAFamily(int carriers) {
        LimnRunner.Result r = run("""
                var n: atomic = 0;
                concurrent {
                    task(i in 0..<1000) {
                        if (i % 100 == 0) { sleep(1ms); }
                        n += 1;
                    }
                    task { n += 1; }
                }
                print(n);
                """, carriers, 1, true);
        assertEquals(0, r.status(), r.err());
        assertEquals("1001\n", r.out());
        assertTrue(r.err().contains("tasks started 1002, completed 1002, failed 0, retried 0, cancelled 0"), r.err());
        assertTrue(r.err().contains("parallel loops 0, chunks 0"), r.err());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void eachTaskHasItsOwnRandomGeneratorDerivedFromTheSeed(int carriers) {
        String program = """
                var d = {};
                concurrent {
                    task(i in 0..<20) {
                        if (i % 3 == 0) { sleep(1ms); }
                        d[i] = randint(0, 1_000_000);
                    }
                }
                var s = "";
                iter (i in 0..<20) { s = s + str(d[i]) + " "; }
                print(s);
                """;
        LimnRunner.Result one = run(program, 1, 7, false);
        LimnRunner.Result other = run(program, carriers, 7, false);
        assertEquals(0, one.status(), one.err());
        assertEquals(one.out(), other.out(), "the same seed gives every task the same numbers on any carriers");
        assertTrue(!one.out().equals(run(program, carriers, 8, false).out()), "another seed, other numbers");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aFailingTaskIsNamedByItsNumberAndItemAfterEarlierTasksDetached(int carriers) {
        LimnRunner.Result r = run("""
                var ch = channel();
                concurrent {
                    task { ch.recv(); }
                    task(i in 10..30) {
                        if (i < 20) { ch.recv(); }
                        if (i == 25) { var z = [][i]; }
                    }
                }
                """, carriers, 1, true);
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("error[IndexOutOfBounds]"), r.err());
        assertTrue(r.err().contains("in task 17 (i = 25) of concurrent block at family.lm:2:1"), r.err());
        if (carriers == 1) {
            // one carrier: main, task 1 and tasks i = 10..25 start; 26..30 never do (on two carriers a split
            // may start some of them before the stop); main fails with the block's error
            assertTrue(r.err().contains("tasks started 18, completed 5, failed 2, retried 0, cancelled 11"), r.err());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aListIsSnapshottedAndOtherSourcesSpawnTaskByTask(int carriers) {
        LimnRunner.Result r = run("""
                var xs = [1, 2, 3];
                var total: atomic = 0;
                concurrent {
                    task(x in xs) { xs.push(x); total += x; }
                }
                var d = {"a": 1, "b": 2};
                var keys: atomic = 0;
                concurrent(cores=1) {
                    task(i in 0..<3) { keys += 1; }
                }
                concurrent {
                    task(k in d) { keys += 1; }
                }
                print(len(xs), total, keys);
                """, carriers, 1, false);
        assertEquals(0, r.status(), r.err());
        assertEquals("6 6 5\n", r.out());
    }
}
