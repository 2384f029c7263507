package dev.limn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.api.HostFunction;
import dev.limn.api.Instance;
import dev.limn.api.LimnRuntime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code limn run --deterministic} and {@code limn explore}: seeded schedules on virtual time. */
class DeterministicTest {
    @TempDir
    Path dir;

    private String file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p.toString();
    }

    /** Four tasks add to a dict entry with a read, a yield and a write: updates are lost in some schedules. */
    private static final String LOST_UPDATE = """
            var d = {"n": 0};
            concurrent {
                iter (i in 0..<4) {
                    task {
                        var v = d["n"];
                        sleep(0);
                        d["n"] = v + 1;
                    }
                }
            }
            print(d["n"]);
            """;

    /** Tasks that sleep, talk over a channel, compute and race: everything a schedule decides. */
    private static final String BUSY = """
            var c = channel(2);
            var log = [];
            concurrent {
                task(i in 1..4) {
                    sleep(i * 10ms);
                    c.send(i);
                    log.push("sent " + str(i));
                }
                task {
                    var s = 0;
                    iter (v in c) { s += v; log.push("got " + str(v)); if (s == 10) break; }
                    print("sum", s);
                }
                task { var x = 0; iter (k in 0..<20000) { x += k % 7; } log.push("computed " + str(x)); }
            }
            print(log);
            print("virtual ms", now() / 1000000);
            """;

    @Test
    void oneSeedGivesByteIdenticalOutputStatsAndTrace() throws IOException {
        String f = file("busy.lm", BUSY);
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path trace = dir.resolve("trace" + i + ".json");
            CliRun.Result r = CliRun.limn("run", "--deterministic", "--seed", "7", "--stats", "--trace", trace.toString(), f);
            assertEquals(0, r.status(), r.err());
            assertTrue(r.err().contains("stats: deterministic, seed 7, scheduling choices "), r.err());
            assertTrue(r.err().contains("stats: carriers 1,"), r.err());
            runs.add(r.out() + "\n--\n" + r.err() + "\n--\n" + Files.readString(trace));
        }
        assertEquals(runs.get(0), runs.get(1));
        assertEquals(runs.get(0), runs.get(2));
        assertTrue(runs.get(0).contains("sum 10"), runs.get(0));
    }

    @Test
    void differentSeedsGiveDifferentSchedules() throws IOException {
        String f = file("race.lm", LOST_UPDATE);
        Set<String> outputs = new HashSet<>();
        for (long seed = 0; seed < 30; seed++) {
            CliRun.Result r = CliRun.limn("run", "--deterministic", "--seed", Long.toString(seed), f);
            assertEquals(0, r.status(), r.err());
            outputs.add(r.out());
        }
        assertTrue(outputs.size() > 1, "thirty seeds, one schedule: " + outputs);
        assertTrue(outputs.contains("4\n"), outputs.toString());
    }

    @Test
    void theSeedChoosesWhereAParallelLoopSplits() throws IOException {
        // one carrier is never idle: without the drawn splits the loop would run in order for every seed
        String f = file("par.lm", """
                var c = channel(64);
                parallel {
                    iter(i in 0..<32) {
                        var x = 0;
                        iter (k in 0..<300) { x += k; }
                        c.send(i);
                    }
                }
                c.close();
                var order = [];
                iter (v in c) order.push(v);
                print(order);
                """);
        Set<String> orders = new HashSet<>();
        for (long seed = 0; seed < 10; seed++) {
            CliRun.Result r = CliRun.limn("run", "--deterministic", "--seed", Long.toString(seed), f);
            assertEquals(0, r.status(), r.err());
            assertEquals(r.out(), CliRun.limn("run", "--deterministic", "--seed", Long.toString(seed), f).out());
            orders.add(r.out());
        }
        assertTrue(orders.size() > 1, "ten seeds, one order: " + orders);
    }

    @Test
    void sleepsAndTimeoutsRunOnVirtualTime() throws IOException {
        String f = file("sleepy.lm", """
                var t0 = now();
                concurrent {
                    task { sleep(10s); print("ten"); }
                    task { sleep(3s); print("three"); }
                }
                print("elapsed s", (now() - t0) / 1000000000);
                print("epoch", time() >= 1704067210.0 and time() < 1704067211.0);
                """);
        CliRun.Result r = CliRun.limn("run", "--deterministic", f);
        assertEquals(0, r.status(), r.err());
        assertEquals("three\nten\nelapsed s 10\nepoch true\n", r.out());
    }

    @Test
    void aSpinnerIsStoppedByItsBlocksTimeoutInVirtualTime() throws IOException {
        // nothing ever blocks: virtual time moves by the instructions the spinner runs
        String f = file("spin.lm", """
                attempt {
                    concurrent(timeout=200ms, on_timeout=error) {
                        task { var i = 0; while (true) { i += 1; } }
                        task { sleep(100ms); print("slept"); }
                    }
                } handle Timeout(e) {
                    print(e.message);
                }
                """);
        CliRun.Result r = CliRun.limn("run", "--deterministic", f);
        assertEquals(0, r.status(), r.err());
        assertEquals("slept\nconcurrent block at " + f + ":2:5 timed out after 200ms: 1 units finished, 1 cancelled, 0 terminated\n", r.out());
    }

    @Test
    void exploreFindsTheLostUpdateAndItsSeedReplaysIt() throws IOException {
        String f = file("race.lm", LOST_UPDATE);
        CliRun.Result r = CliRun.limn("explore", f, "--runs", "200");
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.out().startsWith("explore: 200 runs of " + f + ", seeds 0 to 199, deterministic\n"), r.out());
        assertTrue(r.out().contains("the program is nondeterministic"), r.out());
        // every outcome's replay command gives that outcome
        Matcher m = Pattern.compile("(?s)outcome \\d+: \\d+ runs?, exit 0, first with seed (\\d+)\n  output:\n    \\| (\\d+)\n"
                + "  replay: limn run --deterministic --seed (\\d+) ").matcher(r.out());
        int outcomes = 0;
        boolean lost = false;
        while (m.find()) {
            outcomes++;
            assertEquals(m.group(1), m.group(3));
            CliRun.Result replay = CliRun.limn("run", "--deterministic", "--seed", m.group(1), f);
            assertEquals(m.group(2) + "\n", replay.out(), "seed " + m.group(1));
            lost |= !m.group(2).equals("4");
        }
        assertTrue(outcomes > 1 && lost, r.out());
    }

    @Test
    void exploreOfTheAtomicVersionShowsOneOutcomeInAThousandRuns() throws IOException {
        String f = file("atomic.lm", """
                var n: atomic = 0;
                concurrent {
                    iter (i in 0..<4) {
                        task {
                            var v = n;
                            sleep(0);
                            n += 1;
                        }
                    }
                }
                print(n);
                """);
        CliRun.Result r = CliRun.limn("explore", f, "--runs", "1000", "--seed", "5");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("outcome 1: 1000 runs, exit 0, first with seed 5\n  output:\n    | 4\n"), r.out());
        assertTrue(r.out().contains("explore: one outcome in every run"), r.out());
    }

    @Test
    void exploreAcceptsDifferentOutcomesWhenTheProgramExpectsThem() throws IOException {
        String f = file("expected.lm", "// limn: expect nondeterminism\n" + LOST_UPDATE);
        CliRun.Result r = CliRun.limn("explore", f, "--runs", "50");
        assertEquals(0, r.status(), r.out());
        assertTrue(r.out().contains("(the program expects nondeterminism)"), r.out());
    }

    @Test
    void exploreReportsFailingRunsWithTheirErrorKind() throws IOException {
        String f = file("fails.lm", """
                var d = {"n": 0};
                concurrent {
                    task { var v = d["n"]; sleep(0); d["n"] = v + 1; }
                    task { var v = d["n"]; sleep(0); d["n"] = v + 1; }
                }
                if (d["n"] == 1) { var boom = 1 / 0; }
                print(d["n"]);
                """);
        CliRun.Result r = CliRun.limn("explore", f, "--runs", "100");
        assertEquals(1, r.status(), r.out());
        assertTrue(r.out().contains(", exit 1, error DivisionByZero, first with seed "), r.out());
        assertTrue(r.out().contains("    | error[DivisionByZero]: division by zero"), r.out());
        assertTrue(r.out().contains("explore: some runs failed"), r.out());
        // a program that fails in every run the same way: one outcome, still a failure
        String always = file("always.lm", "print(\"before\");\nvar x = [1][3];\n");
        CliRun.Result one = CliRun.limn("explore", always, "--runs", "3");
        assertEquals(1, one.status(), one.out());
        assertTrue(one.out().contains("explore: one outcome in every run\nexplore: some runs failed\n"), one.out());
    }

    @Test
    void exploreUsageErrors() throws IOException {
        String f = file("ok.lm", "print(1);\n");
        CliRun.Result none = CliRun.limn("explore", f, "--runs", "0");
        assertEquals(2, none.status());
        assertTrue(none.err().contains("error: --runs must be >= 1, got 0"), none.err());
        CliRun.Result bad = CliRun.limn("explore", file("bad.lm", "print(;\n"), "--runs", "3");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("bad.lm:1:7"), bad.err());
        assertEquals("", bad.out());
        CliRun.Result missing = CliRun.limn("explore", dir.resolve("nope.lm").toString());
        assertEquals(2, missing.status());
        assertNotEquals("", missing.err());
    }

    @Test
    void aDeterministicRuntimeRunsBlockingHostFunctionsAsOneStep() {
        try (LimnRuntime rt = LimnRuntime.builder().deterministic(true).seed(3).build()) {
            rt.define("slow", args -> (Long) args[0] * 2, HostFunction.Mode.BLOCKING);
            Instance s = rt.load(rt.compile("host.lm", """
                    fn go() {
                        var out = [];
                        concurrent {
                            task(i in 1..3) { sleep(1s); out.push(slow(i)); }
                        }
                        out.sort();
                        return out;
                    }
                    """));
            assertEquals(List.of(2L, 4L, 6L), s.call("go"));
        }
    }
}
