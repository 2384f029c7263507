package dev.limn.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.api.HostFunction;
import dev.limn.api.Instance;
import dev.limn.api.LimnException;
import dev.limn.api.LimnFunction;
import dev.limn.api.LimnRuntime;
import dev.limn.api.Program;
import dev.limn.cli.Main;
import dev.limn.lang.CompileException;
import dev.limn.run.Limn;
import dev.limn.run.LimnProgram;
import dev.limn.run.RunOptions;
import dev.limn.vm.Opcode.Op;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

/**
 * The compiled tier's mechanics ({@link Tier}, {@link TierCompiler}): each test runs a program
 * or a host's calls with the tier off and on, and checks what would break if a mechanism did —
 * the same results and errors at the same places, guard exits and recompilation with wider
 * guesses, the budget counted instruction for instruction, traps and suspension reaching
 * compiled loops, calls nested past {@link Tier#MAX_STACK_SLOTS} of compiled frames.
 */
class TierTest {
    @TempDir
    Path dir;

    /** What a whole-program run left: its exit status, stdout, its diagnostics, and the tier's stats line. */
    private record Ran(int status, String out, String diagnostics, String tierLine) {
        long stat(String name) {
            Matcher m = Pattern.compile(name + " (\\d+)").matcher(tierLine);
            assertTrue(m.find(), "no '" + name + "' in " + tierLine);
            return Long.parseLong(m.group(1));
        }

        long compiled() {
            return stat("functions compiled");
        }

        long guardExits() {
            return stat("guard exits");
        }

        /** Everything a user sees of the run but the statistics, which differ between tiers by design. */
        String seen() {
            return status + "\n" + out + diagnostics;
        }
    }

    private static LimnProgram compile(String source) {
        try {
            return Limn.compile("tier.lm", source, false, List.of());
        } catch (CompileException e) {
            throw new AssertionError(e);
        }
    }

    private static Ran run(LimnProgram program, Tier.Mode mode) {
        return run(program, mode, RunOptions.DEFAULT_MAX_DEPTH);
    }

    /** Runs {@code program} on 2 carriers with {@code --stats}; the statistics are split from the diagnostics. */
    private static Ran run(LimnProgram program, Tier.Mode mode, int maxDepth) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        RunOptions options = new RunOptions(2, false, true, 1L, maxDepth, null, mode);
        int status = Limn.run(program, options, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        StringBuilder diagnostics = new StringBuilder();
        String tierLine = null;
        for (String line : err.toString(StandardCharsets.UTF_8).split("\n", -1)) {
            if (line.startsWith("stats: tier ")) {
                tierLine = line;
            } else if (!line.startsWith("stats: ") && !line.isEmpty()) {
                diagnostics.append(line).append('\n');
            }
        }
        assertNotNull(tierLine, "no tier line in " + err);
        assertTrue(tierLine.startsWith("stats: tier " + mode + ","), tierLine);
        Ran r = new Ran(status, out.toString(StandardCharsets.UTF_8), diagnostics.toString(), tierLine);
        assertFalse(r.diagnostics.contains("\tat ") || r.diagnostics.contains("InternalError"), "a defect reached the user: " + r);
        return r;
    }

    /** Runs {@code source} in every mode; each must be seen exactly as with the tier off. Returns off, auto, always. */
    private static Ran[] runAll(String source) {
        Ran interpreted = run(compile(source), Tier.Mode.OFF);
        Ran auto = run(compile(source), Tier.Mode.AUTO);
        Ran always = run(compile(source), Tier.Mode.ALWAYS);
        assertEquals(interpreted.seen(), auto.seen(), "auto differs from off");
        assertEquals(interpreted.seen(), always.seen(), "always differs from off");
        assertEquals(0, interpreted.compiled(), interpreted.tierLine);
        assertEquals(0, interpreted.guardExits(), interpreted.tierLine);
        assertTrue(always.compiled() > 0, always.tierLine);
        return new Ran[] {interpreted, auto, always};
    }

    /** The function named {@code name} in {@code p} or the functions nested in it. */
    private static Proto proto(Proto p, String name) {
        if (p.name.equals(name)) {
            return p;
        }
        for (Proto q : p.protos) {
            Proto found = proto(q, name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static Proto proto(LimnProgram program, String name) {
        Proto p = proto(program.main(), name);
        assertNotNull(p, "no function " + name);
        return p;
    }

    /** The top-level proto of a host's program (a field the API keeps to itself). */
    private static Proto proto(Program program, String name) {
        try {
            Field main = Program.class.getDeclaredField("main");
            main.setAccessible(true);
            Proto p = proto((Proto) main.get(program), name);
            assertNotNull(p, "no function " + name);
            return p;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** The pc of the only instruction {@code op} of {@code p}. */
    private static int pcOf(Proto p, int op) {
        int found = -1;
        for (int pc = 0; pc < p.code.length; pc++) {
            if (Instr.op(p.code[pc]) == op) {
                assertEquals(-1, found, "two " + Opcode.of(op) + " in " + p.name);
                found = pc;
            }
        }
        assertTrue(found >= 0, "no " + Opcode.of(op) + " in " + p.name);
        return found;
    }

    private static LimnRuntime runtime(String tier) {
        return LimnRuntime.builder().carriers(2).seed(1L).tier(tier).out(new PrintStream(OutputStream.nullOutputStream())).build();
    }

    private static LimnRuntime runtime(String tier, long budget) {
        return LimnRuntime.builder().carriers(2).seed(1L).tier(tier).instructionBudget(budget)
                .out(new PrintStream(OutputStream.nullOutputStream())).build();
    }

    private static void assertNothingLive(LimnRuntime rt) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Map<String, Long> counts = rt.liveCounts();
        while (counts.get("tasks.live") != 0 && System.nanoTime() < end) {
            Thread.sleep(5);
            counts = rt.liveCounts();
        }
        assertEquals(0L, counts.get("tasks.live"), counts.toString());
    }

    // ------------------------------------------------------------------ results

    @Test
    void compiledArithmeticGivesTheInterpretersResults() throws IOException {
        String source = """
                fn ints(n) {
                    var s = 0;
                    var i = 0;
                    while (i < n) { s = s + i * 3 - i % 7 + i / 5; i += 1; }
                    return s;
                }
                fn floats(n) {
                    var x = 0.5;
                    iter (i in 0..<n) { x = x * 1.0001 + 0.25 - x / 8.0; }
                    return x;
                }
                fn bools(n) {
                    var c = 0;
                    var flag = false;
                    iter (i in 0..<n) {
                        flag = !flag;
                        if (flag && i % 3 == 0 || i >= n - 2) { c += 1; }
                    }
                    return c;
                }
                fn mixed(n) {
                    var t = 0;
                    iter (i in 1..n) { t = t + i / 2.0; if (i % 4 == 0) { t = t - i; } }
                    return t;
                }
                fn cmp(a, b) { return [a < b, a <= b, a > b, a >= b, a == b, a != b]; }
                fn consts(x) { return [x < 2, x <= 2, x > 2, x >= 2, x == 2, x < 2.5, x >= 2.5]; }
                print(ints(10000), floats(1000), bools(1000), mixed(1000));
                print(-7 / 2, -7 % 2, 7.5 / 2, 1.0 / 0.0);
                print(cmp(1, 2), cmp(2.5, 2.5), cmp(3, 2.5), cmp(0.0 / 0.0, 1.0));
                print(consts(2), consts(2.0), consts(3.5), consts(0.0 / 0.0));
                """;
        long s = 0;
        for (long i = 0; i < 10000; i++) {
            s = s + i * 3 - i % 7 + i / 5;
        }
        double x = 0.5;
        for (int i = 0; i < 1000; i++) {
            x = x * 1.0001 + 0.25 - x / 8.0;
        }
        int c = 0;
        boolean flag = false;
        for (int i = 0; i < 1000; i++) {
            flag = !flag;
            if (flag && i % 3 == 0 || i >= 998) {
                c++;
            }
        }
        double t = 0;
        for (int i = 1; i <= 1000; i++) {
            t = t + i / 2.0;
            if (i % 4 == 0) {
                t = t - i;
            }
        }
        Ran[] ran = runAll(source);
        assertEquals(0, ran[0].status, ran[0].diagnostics);
        String[] lines = ran[0].out.split("\n");
        assertEquals(4, lines.length, ran[0].out);
        assertEquals(s + " " + x + " " + c + " " + t, lines[0]);
        assertEquals("-3 -1 3.75 Infinity", lines[1]);
        assertEquals("[true, true, false, false, false, true] [false, true, false, true, true, false] "
                + "[false, false, true, true, false, true] [false, false, false, false, false, true]", lines[2]);

        // the command line's --stats line
        Path file = dir.resolve("arith.lm");
        Files.writeString(file, source);
        for (String mode : List.of("off", "always")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Main.execute(new String[] {"run", "--stats", "--tier", mode, file.toString()},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
            assertEquals(ran[0].out, out.toString(StandardCharsets.UTF_8));
            Matcher m = Pattern.compile("stats: tier " + mode + ", functions compiled (\\d+), not compilable (\\d+), guard exits (\\d+), "
                    + "compile time \\d+\\.\\d ms[^\n]*\n").matcher(err.toString(StandardCharsets.UTF_8));
            assertTrue(m.find(), err.toString(StandardCharsets.UTF_8));
            long compiled = Long.parseLong(m.group(1));
            assertTrue(mode.equals("off") ? compiled == 0 : compiled >= 6, mode + ": " + m.group());
        }
    }

    /**
     * A loop's temporary, written before anything reads it on every path from the loop head, is
     * not written back on the back edge. Where a handler covers the loop the analysis must not
     * count it dead: a raise continues at the handler, which reads the value of the iteration
     * before. And a top-level variable a host keeps is read by the return.
     */
    @Test
    void aLoopTemporaryThatAHandlerOrTheHostReadsIsWrittenBack() throws Exception {
        Ran[] ran = runAll("""
                fn caught(n) {
                    var t = 0;
                    var i = 0;
                    var big = 9223372036854775000;
                    attempt {
                        while (i < n) { var x = big + i * 100; t = i; i += 1; }
                    } handle Overflow(e) {
                        return t;
                    }
                    return -1;
                }
                fn kernel(n) {
                    var s = 0;
                    var i = 0;
                    while (i < n) { s += (i * i) % 7; i += 1; }
                    return s;
                }
                var total = 0;
                iter (k in 0..<300) { total += caught(10); }
                print(total, kernel(100000));
                """);
        assertEquals("2400 199999\n", ran[0].out());
        for (String tier : new String[] {"auto", "always"}) {
            try (LimnRuntime rt = runtime(tier)) {
                Instance in = rt.load(rt.compile("kept.lm", """
                        var last = 0;
                        var i = 0;
                        while (i < 50000) { last = i * 2; i += 1; }
                        """));
                assertEquals(99998L, in.get("last"), tier);
            }
        }
    }

    @Test
    void compiledFloatComparisonsTreatNaNAsTheInterpreterDoes() {
        Ran[] ran = runAll("""
                fn fcmp(n) {
                    var nan = 0.0 / 0.0;
                    var lt = 0; var le = 0; var gt = 0; var ge = 0; var eq = 0; var any = 0; var neg = 0;
                    iter (i in 0..<n) {
                        var x = i * 0.5;
                        var y = 100.0 - i * 0.25;
                        if (i % 3 == 0) { x = nan; }
                        if (x < 100.0) { lt += 1; }
                        if (x <= 100.0) { le += 1; }
                        if (x > 100.0) { gt += 1; }
                        if (x >= 100.0) { ge += 1; }
                        if (x == 100.0) { eq += 1; }
                        if (x < y || x <= y || y < x || y <= x) { any += 1; }
                        if (!(x < y)) { neg += 1; }
                        if (!(x >= 100.0)) { neg += 1; }
                    }
                    return [lt, le, gt, ge, eq, any, neg];
                }
                print(fcmp(3000));
                """);
        int lt = 0;
        int le = 0;
        int gt = 0;
        int ge = 0;
        int eq = 0;
        int any = 0;
        int neg = 0;
        for (int i = 0; i < 3000; i++) {
            double x = i * 0.5;
            double y = 100.0 - i * 0.25;
            if (i % 3 == 0) {
                x = Double.NaN;
            }
            lt += x < 100.0 ? 1 : 0;
            le += x <= 100.0 ? 1 : 0;
            gt += x > 100.0 ? 1 : 0;
            ge += x >= 100.0 ? 1 : 0;
            eq += x == 100.0 ? 1 : 0;
            any += x < y || x <= y || y < x || y <= x ? 1 : 0;
            neg += !(x < y) ? 1 : 0;
            neg += !(x >= 100.0) ? 1 : 0;
        }
        assertEquals(List.of(lt, le, gt, ge, eq, any, neg).toString() + "\n", ran[0].out);
    }

    // ------------------------------------------------------------------ guard exits, recompilation

    @Test
    void aCallSiteThatChangesTypesExitsAndIsRecompiledWithWiderGuesses() {
        String source = """
                fn add(a, b) { return a + b; }
                var s = 0;
                iter (i in 0..<3000) { s = add(s, i); }
                var f = 0.0;
                iter (i in 0..<3000) { f = add(f, 0.5); }
                var t = "";
                iter (i in 0..<3000) { t = add(t, "ab"); }
                print(s, f, len(t), t[0] + t[5999]);
                """;
        String expected = "4498500 1500.0 6000 ab\n";
        LimnProgram interpretedProgram = compile(source);
        Ran interpreted = run(interpretedProgram, Tier.Mode.OFF);
        assertEquals(expected, interpreted.out);
        assertNull(proto(interpretedProgram, "add").tier.code, "the tier is off");
        for (Tier.Mode mode : List.of(Tier.Mode.AUTO, Tier.Mode.ALWAYS)) {
            LimnProgram program = compile(source);
            Ran ran = run(program, mode);
            assertEquals(interpreted.seen(), ran.seen(), mode.toString());
            assertTrue(ran.guardExits() >= 2L * Tier.EXITS_BEFORE_RECOMPILE, mode + ": " + ran.tierLine);
            Proto add = proto(program, "add");
            Tier.Info info = add.tier;
            assertNotNull(info.guesses, mode + ": the guesses were never widened");
            assertEquals(TierCompiler.GUESS_NONE, info.guesses[pcOf(add, Op.ADD)], mode.toString());
            assertEquals(3, info.compiles, mode + ": compiled for ints, floats, then anything");
            assertNotNull(info.code, mode + ": compiled again after the last widening");
            assertNull(info.whyNot);
        }
    }

    /** A guard that fails mid-loop leaves the frame to the interpreter with every local it changed written back. */
    @Test
    void aGuardExitHandsTheInterpreterEveryLocalItChanged() {
        Ran[] ran = runAll("""
                fn g(n, v) {
                    var s = 0;
                    var k = 0;
                    var f = 0.0;
                    var b = false;
                    iter (i in 0..<n) {
                        k += 2;
                        f = f + 0.25;
                        s = s + v;
                        k = k + 1;
                        b = !b;
                    }
                    return [s, k, f, b];
                }
                iter (r in 0..<3) { print(g(1001, 1), g(1001, 0.5), g(3, "x"), g(2, true) ?else (e) { e.kind; }); }
                """);
        assertEquals("[1001, 3003, 250.25, true] [500.5, 3003, 250.25, true] [\"0xxx\", 9, 0.75, true] TypeMismatch\n".repeat(3), ran[0].out);
        assertTrue(ran[2].guardExits() > 0, ran[2].tierLine);
    }

    @Test
    void aHostsCallsWidenTheGuessOneStepAtATime() {
        try (LimnRuntime rt = runtime("always")) {
            Program program = rt.compile("add.lm", "fn add(a, b) { return a + b; }\n");
            Instance s = rt.load(program);
            LimnFunction add = s.function("add");
            Proto p = proto(program, "add");
            int at = pcOf(p, Op.ADD);
            for (long i = 0; i < 100; i++) {
                assertEquals(2 * i + 1, add.call(i, i + 1));
            }
            assertNotNull(p.tier.code);
            assertTrue(p.tier.guesses == null || p.tier.guesses[at] == TierCompiler.GUESS_INT);
            for (int i = 0; i < 100; i++) {
                assertEquals(i + 0.25, add.call((double) i, 0.25));
            }
            assertEquals(TierCompiler.GUESS_FLOAT, p.tier.guesses[at], "floats widened the int guess to float");
            assertEquals(2, p.tier.compiles);
            for (int i = 0; i < 100; i++) {
                assertEquals("x" + i, add.call("x", (long) i));
            }
            assertEquals(TierCompiler.GUESS_NONE, p.tier.guesses[at], "strings widened the float guess to none");
            assertEquals(3, p.tier.compiles);
            // with no guess left at the instruction, every type goes through the compiled code without an exit
            int[] exits = p.tier.exits;
            assertEquals(7L, add.call(3L, 4L));
            assertEquals(1.5, add.call(1L, 0.5));
            assertEquals("ab", add.call("a", "b"));
            assertEquals(3, p.tier.compiles);
            assertTrue(exits == p.tier.exits && exits[at] == 0, "an exit at " + at);
        }
    }

    // ------------------------------------------------------------------ lists and mixed numbers

    /** Every list fast path (index load and store, push, len) with items of every kind, and the results the interpreter gives. */
    @Test
    void listFastPathsGiveTheInterpretersResults() {
        Ran[] ran = runAll("""
                fn build(n) {
                    var xs = [];
                    iter (i in 0..<n) { xs.push(i * 3); }
                    return xs;
                }
                fn floats(n) {
                    var xs = [];
                    iter (i in 0..<n) { xs.push(i * 0.5); }
                    var s = 0.0;
                    iter (i in 0..<len(xs)) { s += xs[i]; }
                    return s;
                }
                fn ints(xs) {
                    var s = 0;
                    iter (i in 0..<xs.len()) { s += xs[i]; }
                    return s;
                }
                fn store(xs) {
                    iter (i in 0..<len(xs)) { xs[i] = xs[i] + 1; }
                    return xs[0] + xs[len(xs) - 1];
                }
                fn kinds(n) {
                    var xs = [];
                    iter (i in 0..<n) { xs.push(i % 2 == 0); xs.push("s" + str(i)); xs.push(nil); xs.push(i / 4.0); }
                    var t = 0;
                    iter (i in 0..<len(xs)) { if (xs[i] == true) { t += 1; } if (xs[i] == nil) { t += 2; } }
                    var copy = [];
                    iter (i in 0..<len(xs)) { copy.push(xs[i]); }
                    iter (i in 0..<len(copy)) { copy[i] = copy[len(copy) - 1 - i]; }
                    return [t, len(copy), copy[0], copy[5], copy[len(copy) - 2]];
                }
                iter (r in 0..<3) {
                    var xs = build(3000);
                    print(ints(xs), store(xs), ints(xs), floats(3000), kinds(1000));
                }
                """);
        assertEquals(0, ran[0].status, ran[0].diagnostics);
        assertEquals("13495500 8999 13498500 2249250.0 [2500, 4000, 249.75, nil, nil]\n".repeat(3), ran[0].out);
    }

    /** Each list fast path's guards exit to the interpreter, which raises (or goes on) as it would have, at the same place. */
    @Test
    void listGuardsExitWhereTheInterpreterRaisesOrGoesOn() {
        Ran[] ran = runAll("""
                fn at(xs, i) { return xs[i]; }
                fn put(xs, i, v) { xs[i] = v; return v; }
                fn count(xs) { var n = 0; iter (i in 0..<3000) { n += len(xs); } return n; }
                fn grow(xs) { iter (i in 0..<3000) { xs.push(i); } return 0; }
                var l = [1, 2, 3];
                var d = {"a": 10, 2: 20};
                var t = 0;
                iter (i in 0..<3000) { t += at(l, i % 3); }
                print("ints", t);
                iter (i in 0..<20) { t += at(d, 2); }
                print("a dict", t, at("xyz", 1), at(0..<10, 4));
                print("too large", at(l, 3) ?else (e) { e.kind + ": " + e.message; });
                print("negative", at(l, -1) ?else (e) { e.kind + ": " + e.message; });
                print("a float index", at(l, 1.0) ?else (e) { e.kind + ": " + e.message; });
                print("not indexable", at(5, 0) ?else (e) { e.kind + ": " + e.message; });
                iter (i in 0..<3000) { put(l, i % 3, i); }
                print("stored", l, put(d, "b", 1), d["b"]);
                print("store out of range", put(l, 7, 0) ?else (e) { e.kind + ": " + e.message; });
                print("store to a str", put("abc", 0, "x") ?else (e) { e.kind + ": " + e.message; });
                print("lengths", count(l), count("abcd"), count({"k": 1}), count(0..<5));
                print("len of an int", count(3) ?else (e) { e.kind + ": " + e.message; });
                var big = [];
                grow(big);
                print("pushed", len(big), big[2999]);
                print("push to a dict", grow(d) ?else (e) { e.kind + ": " + e.message; });
                at(l, 5);
                """);
        assertEquals(1, ran[0].status);
        assertEquals("""
                ints 6000
                a dict 6400 y 4
                too large IndexOutOfBounds: index 3 out of bounds for length 3
                negative IndexOutOfBounds: index -1 out of bounds for length 3
                a float index TypeMismatch: index must be int, got float
                not indexable TypeMismatch: cannot index int
                stored [2997, 2998, 2999] 1 1
                store out of range IndexOutOfBounds: index 7 out of bounds for length 3
                store to a str TypeMismatch: cannot assign to an index of str
                lengths 9000 12000 3000 15000
                len of an int TypeMismatch: len expects a str, list, dict or range, got int
                pushed 3000 2999
                push to a dict TypeMismatch: dict has no method 'push'
                """, ran[0].out);
        assertTrue(ran[0].diagnostics.startsWith("error[IndexOutOfBounds]: index 5 out of bounds for length 3\n --> tier.lm:1:23\n"),
                ran[0].diagnostics);
        assertTrue(ran[2].guardExits() > 0, ran[2].tierLine);
    }

    /** A list that shrinks under a compiled loop: the index guard, checked at every access, exits where the interpreter raises. */
    @Test
    void aListMutatedDuringACompiledLoopRaisesWhereTheInterpreterDoes() {
        Ran[] ran = runAll("""
                fn drain(n) {
                    var xs = [];
                    iter (i in 0..<n) { xs.push(i); }
                    var s = 0;
                    var caught = "";
                    attempt {
                        iter (i in 0..<n) { s += xs[i]; if (i % 2 == 0) { xs.pop(); } }
                    } handle IndexOutOfBounds(e) { caught = e.message; }
                    xs.push(-1);
                    iter (i in 0..<len(xs)) { xs[i] = xs[i] * 2; if (i == 10) { xs.pop(); xs.pop(); } }
                    return [s, caught, len(xs)];
                }
                print(drain(4000), drain(5));
                """);
        assertEquals(1, ran[0].status);
        assertTrue(ran[0].diagnostics.startsWith("error[IndexOutOfBounds]:"), ran[0].diagnostics);
        assertTrue(ran[0].diagnostics.contains(" --> tier.lm:10:39\n"), ran[0].diagnostics);
    }

    /** An item of another kind than the guess exits once per call until the guess is widened: int to float, then any kind in the window. */
    @Test
    void anItemOfAnotherKindWidensTheIndexGuess() {
        try (LimnRuntime rt = runtime("always")) {
            Program program = rt.compile("items.lm", "fn sum(xs) { var s = 0.0; iter (i in 0..<len(xs)) { s = s + xs[i]; } return s; }\n");
            Instance instance = rt.load(program);
            LimnFunction sum = instance.function("sum");
            Proto p = proto(program, "sum");
            int at = pcOf(p, Op.GETINDEX);
            List<Object> ints = new ArrayList<>(List.of(1L, 2L, 3L));
            for (int i = 0; i < 20; i++) {
                assertEquals(6.0, sum.call(ints));
            }
            assertTrue(p.tier.guesses == null || p.tier.guesses[at] == TierCompiler.GUESS_INT);
            List<Object> floats = new ArrayList<>(List.of(0.5, 1.5));
            for (int i = 0; i < 20; i++) {
                assertEquals(2.0, sum.call(floats));
            }
            assertEquals(TierCompiler.GUESS_FLOAT, p.tier.guesses[at], "float items widened the int guess to float");
            for (int i = 0; i < 20; i++) {
                assertEquals(3.5, sum.call(new ArrayList<>(List.of(1L, 2.5))));
            }
            assertEquals(TierCompiler.GUESS_MIXED, p.tier.guesses[at], "an int item after floats: the item goes to the window");
            int[] exits = p.tier.exits;
            assertEquals(6.0, sum.call(ints));
            assertEquals(2.0, sum.call(floats));
            assertTrue(exits == p.tier.exits && exits[at] == 0, "an exit at " + at);
            LimnException e = assertThrows(LimnException.class, () -> sum.call(5L));
            assertEquals("TypeMismatch", e.kind());
        }
    }

    /** An operand seen both int and float: after the exits the instruction is compiled for ints mixed with floats, and no longer exits. */
    @Test
    void anIntMixedWithAFloatIsCompiledMixedAfterRepeatedExits() {
        try (LimnRuntime rt = runtime("always")) {
            Program program = rt.compile("mixed.lm", """
                    fn scale(x, k) { return x * k + 0.5; }
                    fn less(x, y) { return x < y; }
                    """);
            Instance instance = rt.load(program);
            LimnFunction scale = instance.function("scale");
            LimnFunction less = instance.function("less");
            Proto p = proto(program, "scale");
            Proto q = proto(program, "less");
            int mul = pcOf(p, Op.MUL);
            for (long i = 0; i < 40; i++) {
                assertEquals(i * 0.25 + 0.5, scale.call(i, 0.25));
                assertEquals(i < 20.5, less.call(i, 20.5));
                assertEquals(i * 0.5 < 7, less.call(i * 0.5, 7L));
            }
            assertEquals(TierCompiler.GUESS_MIXED, p.tier.guesses[mul], "an int times a float");
            assertEquals(TierCompiler.GUESS_MIXED, q.tier.guesses[pcOf(q, Op.LT)], "an int compared with a float");
            assertNotNull(p.tier.code);
            int[] exits = p.tier.exits;
            assertEquals(2.0, scale.call(3L, 0.5));
            assertEquals(1.75, scale.call(0.5, 2.5));
            assertEquals(1.5, scale.call(2.0, 0.5));
            assertTrue(exits == p.tier.exits && exits[mul] == 0, "an exit at " + mul);
            // two ints are the interpreter's: exact, overflow checked
            assertEquals((Object) 6.5, scale.call(3L, 2L));
            LimnException e = assertThrows(LimnException.class, () -> scale.call(Long.MAX_VALUE, 2L));
            assertEquals("Overflow", e.kind());
            e = assertThrows(LimnException.class, () -> scale.call("a", 0.5));
            assertEquals("TypeMismatch", e.kind());
        }
    }

    /** A variable that starts an int and becomes a float in a compiled loop, in every mode. */
    @Test
    void aVariableThatBecomesAFloatMidLoopGivesTheInterpretersResults() {
        Ran[] ran = runAll("""
                fn f(n) {
                    var s = 0;
                    var xs = [];
                    iter (i in 0..<n) { xs.push(i); xs.push(i + 0.5); }
                    iter (i in 0..<len(xs)) { s = s + xs[i]; if (s > 1000000.0) { s = s - 1000000; } }
                    return s;
                }
                iter (r in 0..<4) { print(f(3000)); }
                """);
        assertEquals(0, ran[0].status, ran[0].diagnostics);
    }

    // ------------------------------------------------------------------ errors in compiled loops

    @Test
    void overflowInACompiledLoopIsRaisedWhereTheInterpreterRaisesIt() {
        Ran[] ran = runAll("""
                fn grow(step) {
                    var x = 0;
                    iter (i in 0..<20000) {
                        x = x + step;
                    }
                    return x;
                }
                fn shrink() {
                    var x = 0;
                    var i = 0;
                    while (i < 20000) {
                        x = x - 922337203685477; i += 1;
                    }
                    return x;
                }
                fn square(n) { var x = 2; iter (i in 0..<n) { x = x * x; } return x; }
                fn outer() {
                    var caught = 0;
                    iter (k in 0..<3000) {
                        attempt { square(k % 8); } handle Overflow(e) { caught += 1; }
                    }
                    return caught;
                }
                attempt { grow(922337203685477); } handle Overflow(e) { print("grow:", e.kind, e.message); }
                attempt { shrink(); } handle Overflow(e) { print("shrink:", e.kind, e.message); }
                print("outer:", outer());
                print(grow(922337203685477));
                """);
        assertEquals(1, ran[0].status);
        assertEquals("grow: Overflow integer overflow\nshrink: Overflow integer overflow\nouter: 750\n", ran[0].out);
        assertTrue(ran[0].diagnostics.startsWith("error[Overflow]: integer overflow\n --> tier.lm:4:13\n"), ran[0].diagnostics);
    }

    @Test
    void divisionByZeroInACompiledLoopIsRaisedWhereTheInterpreterRaisesIt() {
        String body = """
                fn rem(n) {
                    var s = 0;
                    iter (i in 0..<n) {
                        var d = 5000 - i;
                        s = s + i % d;
                    }
                    return s;
                }
                fn quot(n) {
                    var s = 0;
                    var i = 0;
                    while (i < n) {
                        var d = 5000 - i;
                        s = s + 100000 / d; i += 1;
                    }
                    return s;
                }
                fn frac(n) {
                    var s = 0.0;
                    iter (i in 0..<n) { var d = 5000.0 - i; s = s + 1.0 / d; }
                    return s;
                }
                print(rem(5000), quot(5000));
                print(frac(6000));
                print(rem(4999) ?else -1, rem(5001) ?else (e) { e.kind; });
                attempt { quot(6000); } handle DivisionByZero(e) { print("caught", e.message); }
                """;
        long rem = 0;
        long rem4999 = 0;
        long quot = 0;
        for (long i = 0; i < 5000; i++) {
            rem += i % (5000 - i);
            rem4999 += i < 4999 ? i % (5000 - i) : 0;
            quot += 100000 / (5000 - i);
        }
        Ran[] ran = runAll(body + "print(rem(6000));\n");
        assertEquals(1, ran[0].status);
        assertEquals(rem + " " + quot + "\nInfinity\n" + rem4999 + " DivisionByZero\ncaught division by zero\n", ran[0].out);
        assertTrue(ran[0].diagnostics.startsWith("error[DivisionByZero]: division by zero\n --> tier.lm:5:17\n"), ran[0].diagnostics);
        Ran[] quotient = runAll(body + "print(quot(6000));\n");
        assertTrue(quotient[0].diagnostics.startsWith("error[DivisionByZero]: division by zero\n  --> tier.lm:14:17\n"), quotient[0].diagnostics);
    }

    // ------------------------------------------------------------------ recursion

    @Test
    void recursionDeeperThanTheCompiledNestingReturnsTheRightSum() {
        assertTrue(5_000L * (TierCompiler.FRAME_OVERHEAD_SLOTS + 12) > Tier.MAX_STACK_SLOTS);
        Ran[] ran = runAll("""
                fn sum(n) { if (n == 0) { return 0; } return n + sum(n - 1); }
                fn fsum(n) { if (n <= 0) { return 0.0; } return 0.5 + fsum(n - 1); }
                print(sum(5000), fsum(5000), sum(50000));
                var total = 0;
                iter (i in 0..<20) { total += sum(5000 - i); }
                print(total);
                """);
        long total = 0;
        for (long i = 0; i < 20; i++) {
            total += (5000 - i) * (5001 - i) / 2;
        }
        assertEquals("12502500 2500.0 1250025000\n" + total + "\n", ran[0].out);
    }

    @Test
    void anErrorFarBelowTheCompiledNestingIsHandledMidway() {
        Ran[] ran = runAll("""
                fn dive(n, catchAt) {
                    if (n == 0) { return err(Deep("bottom")); }
                    if (n == catchAt) {
                        attempt { return dive(n - 1, catchAt); } handle Deep(e) { return n * 1000; }
                    }
                    return 1 + dive(n - 1, catchAt);
                }
                var total = 0;
                iter (i in 0..<30) { total += dive(3000, 1500 - i * 40); }
                print(total);
                print(dive(300, 1), dive(300, -1) ?else (e) { e.kind + " " + e.message; });
                """);
        long total = 0;
        for (long i = 0; i < 30; i++) {
            long catchAt = 1500 - i * 40;
            total += (3000 - catchAt) + catchAt * 1000;
        }
        assertEquals(total + "\n1299 Deep bottom\n", ran[0].out);
    }

    @Test
    void recursionPastMaxDepthRaisesStackOverflowAsTheInterpreterDoes() {
        String source = """
                fn down(n) {
                    if (n == 0) { return 0; }
                    return 1 + down(n - 1);
                }
                fn guarded(n) { attempt { return down(n); } handle StackOverflow(e) { return e.kind + ": " + e.message; } }
                print(down(900));
                iter (i in 0..<50) { guarded(2000); }
                print(guarded(2000));
                print(down(5000));
                """;
        Ran interpreted = run(compile(source), Tier.Mode.OFF, 1000);
        assertEquals(1, interpreted.status);
        assertTrue(interpreted.out.startsWith("900\nStackOverflow: "), interpreted.out);
        assertTrue(interpreted.diagnostics.startsWith("error[StackOverflow]: "), interpreted.diagnostics);
        assertTrue(interpreted.diagnostics.contains(" --> tier.lm:3:"), interpreted.diagnostics);
        for (Tier.Mode mode : List.of(Tier.Mode.AUTO, Tier.Mode.ALWAYS)) {
            Ran ran = run(compile(source), mode, 1000);
            assertEquals(interpreted.seen(), ran.seen(), mode.toString());
            assertTrue(ran.compiled() > 0, ran.tierLine);
        }
        // a host's calls, with the builder's maxDepth
        String seen = null;
        for (String mode : List.of("off", "auto", "always")) {
            try (LimnRuntime rt = LimnRuntime.builder().carriers(2).tier(mode).maxDepth(1000)
                    .out(new PrintStream(OutputStream.nullOutputStream())).build()) {
                Instance s = rt.load(rt.compile("tier.lm", source.substring(0, source.indexOf("print("))));
                StringBuilder now = new StringBuilder();
                for (int k = 0; k < 20; k++) {
                    assertEquals(900L, s.call("down", 900L));
                    LimnException e = assertThrows(LimnException.class, () -> s.call("down", 2000L));
                    now.append(e.getMessage()).append('\n');
                }
                assertTrue(now.toString().startsWith("StackOverflow: "), now.toString());
                if (seen == null) {
                    seen = now.toString();
                } else {
                    assertEquals(seen, now.toString(), mode);
                }
            }
        }
    }

    /** {@code fn wide(n)}: a list literal of {@code width} ints (as many registers), then a recursion {@code n} deep. */
    private static String wide(int width) {
        StringBuilder src = new StringBuilder("fn wide(n) {\n    var xs = [0");
        for (int i = 1; i < width; i++) {
            src.append(", ").append(i);
        }
        src.append("];\n    if (n == 0) { return len(xs); }\n    return 1 + wide(n - 1);\n}\n");
        return src.toString();
    }

    /** {@code wide(1000)} of {@link #wide}{@code (width)}, called three times by a host thread with a stack of {@code stackBytes}: its result or what it threw. */
    private static Object wideOnAHostThread(String mode, int width, long stackBytes) throws InterruptedException {
        try (LimnRuntime rt = runtime(mode)) {
            Program program = rt.compile("wide.lm", wide(width));
            Instance s = rt.load(program);
            AtomicReference<Object> outcome = new AtomicReference<>();
            Thread host = new Thread(null, () -> {
                try {
                    for (int k = 0; k < 3; k++) {
                        outcome.set(s.call("wide", 1000L));
                    }
                } catch (Throwable e) {
                    outcome.set(e);
                }
            }, "host", stackBytes);
            host.start();
            host.join(20_000);
            assertFalse(host.isAlive(), "the call did not return");
            if (!mode.equals("off")) {
                assertNotNull(proto(program, "wide").tier.code, "wide was compiled: " + proto(program, "wide").tier.whyNot);
            }
            Object r = outcome.get();
            return r instanceof Throwable e ? e.toString() : r;
        }
    }

    /**
     * A host's thread has the JVM's default stack (1 MiB), not the 16 MiB Limn's own JVMs get
     * (-Xss16m): the compiled frames one call nests (up to {@link Tier#MAX_STACK_SLOTS}) must fit in
     * it, as the interpreter, which does not recurse on the JVM stack, does.
     */
    @Test
    void recursionPastTheCompiledNestingFitsAHostsDefaultStack() throws Exception {
        for (String mode : List.of("off", "auto", "always")) {
            assertEquals(1060L, wideOnAHostThread(mode, 60, 1L << 20), mode);
        }
    }

    /**
     * Nested compiled frames are counted by their size ({@link Compiled#slots}): a function of
     * 250 registers (an interpreted JVM frame of about 8 KiB) nests less deep than a small one,
     * and fits a host thread's default 1 MiB stack, where counting frames overflowed it.
     */
    @Test
    void recursionOfAFunctionWithManyRegistersFitsAHostsDefaultStack() throws Exception {
        for (String mode : List.of("off", "auto", "always")) {
            assertEquals(1250L, wideOnAHostThread(mode, 250, 1L << 20), mode);
        }
    }

    // ------------------------------------------------------------------ fast calls

    /** Whether {@code limn disasm --tier} says that the calls of {@code name} itself take its fast entry. */
    private static boolean hasFastEntry(String source, String name) {
        return TierCompiler.describe(proto(compile(source), name)).contains("calls of itself take its fast entry");
    }

    @Test
    void selfCallsPassIntsFloatsAndBoolsInTheJvmAndGiveTheInterpretersResults() {
        String source = """
                fn fib(n) { if (n < 2) { return n; } return fib(n - 1) + fib(n - 2); }
                fn walk(x, up, n) {
                    if (n == 0) { return x; }
                    if (up) { return walk(x + 0.5, false, n - 1); }
                    return walk(x * 1.5, true, n - 1);
                }
                fn label(n) { if (n == 0) { return "end"; } return label(n - 1); }
                fn three(a, b, c) { if (a == 0) { return b + c; } return three(a - 1, c, b + 1); }
                fn apart(n) { return n + 1; }
                var t = 0;
                iter (i in 0..<300) { t += fib(i % 15) + three(i % 7, i, 2); }
                print(t, fib(20), walk(1.0, true, 40), label(30));
                """;
        Ran[] ran = runAll(source);
        assertEquals(0, ran[0].status, ran[0].diagnostics);
        assertEquals(0, ran[2].guardExits(), ran[2].tierLine);
        for (String fn : List.of("fib", "walk", "label", "three")) {
            assertTrue(hasFastEntry(source, fn), fn);
        }
        assertFalse(hasFastEntry(source, "apart"), "apart calls nothing");
        assertTrue(TierCompiler.describe(proto(compile(source), "walk")).contains("(arguments r0 float, r1 bool, r2 int; result float)"),
                TierCompiler.describe(proto(compile(source), "walk")));
        assertTrue(TierCompiler.describe(proto(compile(source), "label")).contains("result in the window"),
                TierCompiler.describe(proto(compile(source), "label")));
    }

    @Test
    void aSelfCallWhoseResultChangesKindExitsAfterTheCallAndIsRecompiled() {
        Ran[] ran = runAll("""
                fn f(n, k) {
                    if (n == 0) { if (k > 2000) { return 0.5; } return 1; }
                    return f(n - 1, k) + 1;
                }
                var t = 0;
                iter (i in 0..<4000) { t += f(i % 4, i); }
                print(t);
                """);
        assertEquals(0, ran[0].status, ran[0].diagnostics);
        assertTrue(ran[2].guardExits() > 0, ran[2].tierLine);
    }

    @Test
    void anErrorThreeFastCallsDeepIsRaisedAndHandledAsTheInterpreterDoes() {
        String source = """
                fn dig(n, d) {
                    if (d == 0) { return 10 / n; }
                    return dig(n, d - 1) + 1;
                }
                fn over(n, d) {
                    if (d == 0) { var x = n * 4611686018427387904; return x % 5; }
                    return over(n, d - 1) + 1;
                }
                var t = 0;
                iter (i in 0..<3000) { t += dig(i % 5 + 1, 3) + over(i % 2, 3); }
                print(t);
                print(dig(0, 3) ?else (e) { e.kind + " " + e.message; });
                print(over(3, 3) ?else (e) { e.kind + " " + e.message; });
                print(dig(0, 3));
                """;
        Ran[] ran = runAll(source);
        assertTrue(hasFastEntry(source, "dig"));
        assertEquals("37200\nDivisionByZero division by zero\nOverflow integer overflow\n", ran[0].out);
        assertTrue(ran[0].diagnostics.startsWith("error[DivisionByZero]: division by zero\n --> tier.lm:2:26\n"), ran[0].diagnostics);
    }

    /**
     * A fast call records its callee's frame only when the callee does not return in the JVM:
     * a handler in a frame between the raise and the top, and the interpreter going on in the
     * innermost frame after a guard exit, must find every record written.
     */
    @Test
    void lazilyRecordedFramesAreCompleteForAHandlerAndAfterAGuardExit() {
        String source = """
                fn dig(n, d) {
                    if (d == 0) { return 10 / n; }
                    if (d == 2) {
                        attempt { return dig(n, d - 1) + 1; } handle DivisionByZero(e) { return -100; }
                    }
                    return dig(n, d - 1) + 1;
                }
                fn pass(x, d) { if (d == 0) { return x * 2; } return pass(x, d - 1) + 1; }
                var t = 0;
                iter (i in 0..<3000) { t += dig(i % 3, 5); }
                print(t);
                var u = 0;
                iter (i in 0..<3000) { u += pass(i, 6); }
                print(u, pass(0.25, 6), pass(3, 6));
                iter (i in 0..<40) { pass(0.5, 6); }
                print(pass(7, 6), pass(1.5, 3));
                """;
        assertTrue(hasFastEntry(source, "dig"));
        assertTrue(hasFastEntry(source, "pass"));
        Ran[] ran = runAll(source);
        assertEquals(0, ran[0].status, ran[0].diagnostics);
        assertTrue(ran[2].guardExits() > 0, ran[2].tierLine);
        long t = 0;
        for (long i = 0; i < 3000; i++) {
            t += i % 3 == 0 ? -100 + 3 : 10 / (i % 3) + 5;
        }
        long u = 0;
        for (long i = 0; i < 3000; i++) {
            u += i * 2 + 6;
        }
        assertEquals(t + "\n" + u + " 6.5 12\n20 6.0\n", ran[0].out);
    }

    @Test
    void recursionPastMaxDepthThroughTheFastEntryRaisesStackOverflow() {
        String source = """
                fn down(n, x) { if (n == 0) { return x; } return down(n - 1, x + 0.25) + 0.0; }
                fn guarded(n) { attempt { return down(n, 0.0); } handle StackOverflow(e) { return e.kind + ": " + e.message; } }
                print(down(5000, 0.0));
                iter (i in 0..<20) { guarded(200000); }
                print(guarded(200000));
                print(down(200000, 1.0));
                """;
        assertTrue(hasFastEntry(source, "down"));
        Ran interpreted = run(compile(source), Tier.Mode.OFF, 100000);
        assertEquals(1, interpreted.status);
        assertEquals("1250.0\nStackOverflow: call depth exceeded 100000\n", interpreted.out);
        assertTrue(interpreted.diagnostics.startsWith("error[StackOverflow]: call depth exceeded 100000\n"), interpreted.diagnostics);
        for (Tier.Mode mode : List.of(Tier.Mode.AUTO, Tier.Mode.ALWAYS)) {
            Ran ran = run(compile(source), mode, 100000);
            assertEquals(interpreted.seen(), ran.seen(), mode.toString());
        }
    }

    @Test
    void aFastCalledFunctionThatSleepsOrReceivesSuspendsAndResumes() {
        String source = """
                fn nap(n) { if (n == 0) { sleep(1ms); return 1; } return nap(n - 1) + 1; }
                fn take(c, n) { if (n == 0) { return c.recv(); } return take(c, n - 1) + 1; }
                fn main() {
                    var c = channel();
                    concurrent(ch=results) {
                        task { iter (i in 0..<200) { c.send(i); } }
                        task { var s = 0; iter (i in 0..<200) { s += take(c, 3); } return s; }
                        task { var s = 0; iter (i in 0..<50) { s += nap(4); } return s; }
                    }
                    var got = [];
                    iter (r in results) { got.push(str(r)); }
                    print(got.sort());
                }
                main();
                """;
        assertTrue(hasFastEntry(source, "nap"));
        assertTrue(hasFastEntry(source, "take"));
        Ran[] ran = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> runAll(source));
        assertEquals(0, ran[0].status, ran[0].diagnostics);
        assertEquals("[\"20500\", \"250\"]\n", ran[0].out);
    }

    @Test
    void localsKeptInTheJvmAcrossAFastCallReachTheWindowWhenTheCalleeThrowsOrSuspends() {
        // k is computed before each self call and read after it: a compiled caller keeps it in
        // a JVM local across the call, and writes it to the window only when the callee throws
        // (the handler in this frame runs in the interpreter) or suspends (the rest of this
        // frame runs in the interpreter after the task resumes)
        String source = """
                fn keep(n, d) {
                    var k = n * 3 + d;
                    if (d == 0) {
                        if (n % 5 == 0) { return 10 / (n - n); }
                        return k;
                    }
                    attempt { return keep(n, d - 1) + k; } handle DivisionByZero(e) { return k * 100; }
                }
                fn doze(n, d) {
                    var k = n * 7 + d;
                    if (d == 0) {
                        if (n % 50 == 0) { sleep(1ms); }
                        return k;
                    }
                    return doze(n, d - 1) + k;
                }
                var t = 0;
                iter (i in 0..<3000) { t += keep(i, 3); }
                var u = 0;
                iter (i in 0..<3000) { u += doze(i, 3); }
                print(t, u);
                """;
        assertTrue(hasFastEntry(source, "keep"));
        assertTrue(hasFastEntry(source, "doze"));
        Ran[] ran = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> runAll(source));
        assertEquals(0, ran[0].status, ran[0].diagnostics);
        long t = 0;
        long u = 0;
        for (long i = 0; i < 3000; i++) {
            t += i % 5 == 0 ? (i * 3 + 1) * 100 + (i * 3 + 2) + (i * 3 + 3) : 4 * i * 3 + 6;
            u += 4 * i * 7 + 6;
        }
        assertEquals(t + " " + u + "\n", ran[0].out);
    }

    @Test
    void aLongLoopOfTheOutermostFrameComesBackThroughTierEnterWithItsLocals() {
        // the top level's loop returns AGAIN every few thousand back edges and is entered again
        // at its head: its int, float and bool locals go through the window each time, a guard
        // exit and a budget count included
        String source = """
                var s = 0;
                var f = 0.5;
                var b = true;
                var n = 0;
                iter (i in 0..<60000) {
                    s += i;
                    f = f * 1.0000001;
                    b = !b;
                    if (i == 40000) { n = 0.5; }
                    n = n + 1;
                }
                print(s, f > 0.5, b, n);
                fn inner(k) { var t = 0; var j = 0; while (j < k) { t += j % 7; j += 1; } return t; }
                print(inner(100000));
                """;
        Ran[] ran = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> runAll(source));
        assertEquals(0, ran[0].status, ran[0].diagnostics);
        long inner = 0;
        for (long j = 0; j < 100000; j++) {
            inner += j % 7;
        }
        assertEquals(59999L * 60000 / 2 + " true true 20000.5\n" + inner + "\n", ran[0].out);
    }

    @Test
    void aCalleeLoadedLazilyIsInTheWindowWhenAGuardExitsBeforeTheCall() {
        // the fast entry's GETUPVAL of walk writes nothing; the call reads the captured variable
        // itself. m * 0 sits between them: when m turns float three calls deep (in the fast
        // entry) its guard exits there, and the interpreter's CALL must find walk in its register
        String source = """
                fn walk(n, d) {
                    if (n <= 0) { return 0; }
                    var m = d[n];
                    return walk(n - 1 + m * 0, d) + 1;
                }
                var a = {5: 1, 4: 1, 3: 1, 2: 1, 1: 1};
                var t = 0;
                iter (i in 0..<3000) { t += walk(5, a); }
                var b = {5: 1, 4: 1, 3: 0.5, 2: 1, 1: 1};
                var u = 0;
                iter (i in 0..<3000) { u += walk(5, b); }
                print(t, u);
                """;
        assertTrue(hasFastEntry(source, "walk"));
        Ran[] ran = runAll(source);
        assertEquals(0, ran[0].status, ran[0].diagnostics);
        assertEquals("15000 15000\n", ran[0].out);
        assertTrue(ran[2].guardExits() > 0, ran[2].tierLine);
    }

    /**
     * {@code run} loads a callee lazily too: a loop's GETUPVAL of {@code g} writes nothing and
     * the call reads the captured variable. The loop leaves to the interpreter when {@code m}
     * turns float (at the dict read, and after the call when {@code g} returns a float) and
     * comes back at its head; the CALL is an entry of {@code run} too (a task resumes there after
     * a call safepoint), where the call reads the variable, as the interpreter would have had
     * the task stopped just before the GETUPVAL. Two tasks run the loop at once.
     */
    @Test
    void aLoopsCalleeLoadedLazilyGivesTheInterpretersResultsThroughExitsAndEntries() {
        String source = """
                fn g(x) { return x + 1; }
                fn loop(n, d) {
                    var t = 0;
                    iter (i in 0..<n) {
                        var m = d[i % 4];
                        t = g(t + m * 0);
                    }
                    return t;
                }
                var ints = {0: 1, 1: 1, 2: 1, 3: 1};
                print(loop(4000, {0: 1, 1: 1, 2: 0.5, 3: 1}), loop(4000, ints));
                concurrent {
                    task(k in 0..<2) { print(loop(300000, ints)); }
                }
                """;
        Ran[] ran = runAll(source);
        assertEquals(0, ran[0].status, ran[0].diagnostics);
        assertEquals("4000.0 4000\n300000\n300000\n", ran[0].out);
        assertTrue(ran[2].guardExits() > 0, ran[2].tierLine);
    }

    /**
     * A fast entry that takes an int in the JVM, called with the argument in the caller's
     * window (a parameter of the caller): the call site loads it and checks its tag first. An
     * int takes the fast entry; a float or a bool takes the generic path, and the callee runs
     * as the interpreter would: a float result, a TypeMismatch.
     */
    @Test
    void aFastEntrysArgumentInTheCallersWindowIsCheckedBeforeTheCall() {
        String source = """
                fn fib(n) { if (n < 2) { return n; } return fib(n - 1) + fib(n - 2); }
                fn viaWindow(x) { return fib(x); }
                var t = 0;
                iter (i in 0..<2000) { t += viaWindow(i % 12); }
                print(t, viaWindow(10.0), viaWindow(true) ?else (e) { e.kind; });
                iter (i in 0..<2000) { t += viaWindow(i % 12 + 0.5); }
                print(t, viaWindow(12));
                """;
        assertTrue(hasFastEntry(source, "fib"));
        Ran[] ran = runAll(source);
        long[] fib = new long[13];
        for (int i = 0; i < 13; i++) {
            fib[i] = i < 2 ? i : fib[i - 1] + fib[i - 2];
        }
        long t = 0;
        for (int i = 0; i < 2000; i++) {
            t += fib[i % 12];
        }
        assertTrue(ran[0].out.startsWith(t + " 55.0 TypeMismatch\n"), ran[0].out);
        assertTrue(ran[0].out.endsWith(" 144\n"), ran[0].out);
    }

    /**
     * A compiled send to a channel with room, and a compiled loop over a channel holding a
     * value, take their fast paths ({@link TierOps#send}, {@link TierOps#iterNext}); a full
     * channel (room for 4), an empty one and the end of stream are stepped and park or end the
     * loop as in the interpreter. Ints, nil and strings pass; the loop's index counts; a send's
     * result is nil; a send after the close raises ChannelClosed.
     */
    @Test
    void sendsAndReceivesOfCompiledCodeGiveTheInterpretersResults() {
        String source = """
                var q = channel(4);
                concurrent {
                    task {
                        iter (i in 0..<3000) {
                            var r = nil;
                            if (i % 7 == 0) { r = q.send(nil); } else if (i % 5 == 0) { r = q.send("x"); } else { r = q.send(i); }
                            if (r != nil) { print("send gave", r); }
                        }
                        q.close();
                    }
                    task {
                        var last = -1; var sum = 0; var nils = 0; var strs = 0;
                        iter (k, v in q) {
                            if (v == nil) { nils += 1; } else if (v == "x") { strs += 1; } else { sum += v; }
                            last = k;
                        }
                        print(last, sum, nils, strs);
                    }
                }
                attempt { q.send(1); } handle ChannelClosed(e) { print("closed:", e.message); }
                """;
        Ran[] ran = runAll(source);
        long sum = 0;
        int nils = 0;
        int strs = 0;
        for (int i = 0; i < 3000; i++) {
            if (i % 7 == 0) {
                nils++;
            } else if (i % 5 == 0) {
                strs++;
            } else {
                sum += i;
            }
        }
        assertEquals("2999 " + sum + " " + nils + " " + strs + "\nclosed: send on closed channel\n", ran[0].out);
    }

    /**
     * A compiled int send and a compiled loop over a channel keep the locals below the call in
     * the JVM on their fast paths (TierCompiler.windowFastPath); every slow path must hand them
     * over intact: a send that waits for room (capacity 2), a receive that waits for a value, the
     * end of the loop taken by a step, and a send that raises ChannelClosed, whose handler reads
     * the sums the loop kept in locals. The sender's sums must agree with each other whenever
     * the close comes, and the receiver's with what it got.
     */
    @Test
    void localsKeptAcrossCompiledSendsAndReceivesReachEverySlowPath() {
        Ran[] ran = runAll("""
                fn produce(c) {
                    var sum = 0;
                    var count = 0;
                    attempt {
                        iter (i in 0..<100000) {
                            sum += i;
                            count += 1;
                            c.send(i);
                        }
                    } handle ChannelClosed(e) {
                        return [count > 3000, sum == count * (count - 1) / 2];
                    }
                    return "never closed";
                }
                fn consume(c, stop) {
                    var sum = 0;
                    var count = 0;
                    var inOrder = true;
                    iter (v in c) {
                        if (v != count) { inOrder = false; }
                        sum += v;
                        count += 1;
                        if (count == stop) { c.close(); }
                    }
                    return [count >= stop, sum == count * (count - 1) / 2, inOrder];
                }
                var c = channel(2);
                concurrent(ch=results) {
                    task { return ["produce", produce(c)]; }
                    task { return ["consume", consume(c, 3000)]; }
                }
                var got = [];
                iter (r in results) { got.push(str(r)); }
                print(got.sort());
                """);
        assertEquals("[\"[\\\"consume\\\", [true, true, true]]\", \"[\\\"produce\\\", [true, true]]\"]\n", ran[0].out,
                ran[0].diagnostics);
    }

    /**
     * The slow steps of compiled sends and channel loops ({@link TierOps#sendStep},
     * {@link TierOps#iterStep}) keep the interpreter's results: a send that waits for room
     * leaves nil as its value, a loop compiled over a channel also iterates a list, and a send
     * on a list in code whose sends met only channels raises the interpreter's error.
     */
    @Test
    void compiledSendAndLoopSlowStepsKeepTheInterpretersResults() {
        Ran[] ran = runAll("""
                fn fill(c, n) {
                    var nils = 0;
                    iter (i in 0..<n) {
                        var r = c.send(i);
                        if (r == nil) { nils += 1; }
                    }
                    return nils;
                }
                fn total(xs) {
                    var t = 0;
                    iter (v in xs) { t += v; }
                    return t;
                }
                var c = channel(4);
                concurrent(ch=results) {
                    task { var n = fill(c, 20000); c.close(); return ["fill", n]; }
                    task { return ["total", total(c)]; }
                }
                var got = [];
                iter (r in results) { got.push(str(r)); }
                print(got.sort());
                print(total([1, 2, 3]));
                attempt { fill([1], 1); } handle TypeMismatch(e) { print(e.message); }
                """);
        assertEquals("[\"[\\\"fill\\\", 20000]\", \"[\\\"total\\\", 199990000]\"]\n6\nlist has no method 'send'\n",
                ran[0].out, ran[0].diagnostics);
    }

    /**
     * A top-level loop's callee is read from its variable's box in a register (GETBOX), left to
     * the call ({@link TaskContext#enterFastFromBox}): the callee itself points the variable at
     * another function halfway, and the next call takes it; a builtin in the variable takes the
     * generic path, which loads the register from the box.
     */
    @Test
    void aTopLevelCalleeReadFromItsBoxAtTheCallSeesTheVariableChange() {
        String source = """
                var f = nil;
                fn other(x) { return x * 10; }
                fn first(x) { if (x == 500) { f = other; } return x + 1; }
                f = first;
                var t = 0;
                iter (i in 0..<1000) { t += f(i); }
                print(t, f == other);
                f = len;
                var u = 0;
                iter (i in 0..<1000) { u += f([i, i]); }
                print(u);
                """;
        Ran[] ran = runAll(source);
        long t = 0;
        for (long i = 0; i < 1000; i++) {
            t += i <= 500 ? i + 1 : i * 10;
        }
        assertEquals(t + " true\n2000\n", ran[0].out);
    }

    /**
     * A fast call leaves the task's depth, base and closure to its callee, which does not write
     * them back: the caller makes its frame current again before anything reads them
     * ({@code TierCompiler.syncFrame}). After a fast call returns: a step on the window (a
     * dict), an error handled in the same frame, a sleep (a suspension), an error unhandled,
     * whose place and frames are the caller's.
     */
    @Test
    void aCallersFrameIsCurrentAgainWhereAnythingReadsItAfterAFastCall() {
        String source = """
                fn sq(x) { return x * x; }
                fn after(n) {
                    var s = sq(n);
                    var d = {"k": s};
                    return d["k"] + sq(n + 1);
                }
                fn caught(n) {
                    var s = sq(n);
                    attempt { return s / (n - n); } handle DivisionByZero(e) { return -s; }
                }
                fn napping(n) {
                    var s = sq(n);
                    if (n % 100 == 0) { sleep(1ms); }
                    return s + sq(2);
                }
                fn fails(n) {
                    var s = sq(n);
                    return s / (n - 7);
                }
                var t = 0;
                iter (i in 0..<3000) { t += after(i % 50) + caught(i % 9 + 1) + napping(i); }
                print(t);
                iter (i in 0..<3000) { t += fails(i % 7); }
                print(t);
                print(fails(7));
                """;
        Ran[] ran = runAll(source);
        long t = 0;
        for (long i = 0; i < 3000; i++) {
            long a = i % 50;
            long c = i % 9 + 1;
            t += a * a + (a + 1) * (a + 1) - c * c + i * i + 4;
        }
        long u = t;
        for (long i = 0; i < 3000; i++) {
            long n = i % 7;
            u += n * n / (n - 7); // an int division truncates
        }
        assertEquals(1, ran[0].status);
        assertEquals(t + "\n" + u + "\n", ran[0].out);
        assertTrue(ran[0].diagnostics.startsWith("error[DivisionByZero]: division by zero\n  --> tier.lm:18:12\n"), ran[0].diagnostics);
    }

    // ------------------------------------------------------------------ fast calls of known small functions

    /** The code of the function compiled for the CALL at {@code pc} of {@code caller}'s code, or null. */
    /** The pc of the first CALL in {@code p}'s code, or -1. */
    private static int firstCall(Proto p) {
        for (int pc = 0; pc < p.code.length; pc++) {
            if (Instr.op(p.code[pc]) == Op.CALL) {
                return pc;
            }
        }
        return -1;
    }

    private static Compiled knownCallee(Proto caller, int pc) {
        Compiled cc = caller.tier.code;
        assertNotNull(cc, caller.name + " is compiled");
        return cc.callees == null ? null : cc.callees[pc];
    }

    /** A compiled loop calls a small function's fast entry: results, a raise inside it, a return err and a suspension as in the interpreter. */
    @Test
    void aCompiledCallerCallsAKnownSmallFunctionsFastEntry() {
        String source = """
                fn scale(x, k) { return x * k + 0.5; }
                fn half(x) { if (x % 2 == 0) { return x / 2; } return x * 0.5; }
                fn check(x) { if (x > 2500) { return err(Invalid("too big: " + str(x))); } return x; }
                fn pick(x) { if (x % 3 == 0) { return "three"; } if (x % 3 == 1) { return true; } return nil; }
                fn nap(x) { if (x % 500 == 0) { sleep(1ms); } return x; }
                fn at(xs, i) { return xs[i]; }
                fn run(n) {
                    var xs = [];
                    var t = 0.0;
                    var strs = 0;
                    iter (i in 0..<n) {
                        xs.push(scale(i % 1000, 0.25));
                        t = t + half(i);
                        if (pick(i) == "three") { strs += 1; }
                        t += nap(i);
                    }
                    var s = 0.0;
                    iter (i in 0..<len(xs)) { s += at(xs, i); }
                    var caught = "";
                    attempt { iter (i in 0..<n) { check(i); } } handle Invalid(e) { caught = e.message; }
                    return [s, t, strs, caught];
                }
                iter (r in 0..<3) { print(run(3000)); }
                print(at([1], 4));
                """;
        Ran[] ran = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> runAll(source));
        assertEquals(1, ran[0].status);
        assertEquals("[376125.0, 6747750.0, 1000, \"too big: 2501\"]\n".repeat(3), ran[0].out);
        assertTrue(ran[0].diagnostics.startsWith("error[IndexOutOfBounds]: index 4 out of bounds for length 1\n --> tier.lm:6:23\n"),
                ran[0].diagnostics);
        LimnProgram program = compile(source);
        run(program, Tier.Mode.ALWAYS);
        Proto run = proto(program, "run");
        Proto scale = proto(program, "scale");
        assertSame(scale.tier.code, knownCallee(run, firstCall(run)), "run calls scale's fast entry directly");
    }

    /**
     * The top level's loop calls top-level functions through their boxes (GETBOX): the call
     * sites are known too, and a variable reassigned mid-loop to another function, a builtin
     * and back takes the generic call with the new callee's results.
     */
    @Test
    void aTopLevelLoopCallsATopLevelFunctionsFastEntry() {
        String source = """
                fn scale(x, k) { return x * k + 0.5; }
                fn twice(x) { return x * 2; }
                fn thrice(x) { return x * 3; }
                fn nap(x) { if (x % 500 == 0) { sleep(1ms); } return x; }
                var op = twice;
                var t = 0.0;
                var u = 0;
                iter (i in 0..<6000) {
                    t = t + scale(i % 1000, 0.25);
                    if (i == 3000) { op = thrice; }
                    if (i == 4000) { op = str; }
                    if (i == 4001) { op = twice; }
                    var v = op(i);
                    if (i != 4000) { u += v + nap(1); }
                }
                print(t, u);
                """;
        Ran[] ran = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> runAll(source));
        assertEquals(0, ran[0].status, ran[0].diagnostics);
        double t = 0;
        long u = 0;
        for (long i = 0; i < 6000; i++) {
            t += (i % 1000) * 0.25 + 0.5;
            if (i != 4000) {
                u += (i >= 3000 && i < 4000 ? i * 3 : i * 2) + 1;
            }
        }
        assertEquals(t + " " + u + "\n", ran[0].out);
        LimnProgram program = compile(source);
        run(program, Tier.Mode.AUTO); // compiled when its loop is hot, after the definitions ran (always compiles it before)
        Proto main = proto(program, "main");
        Proto scale = proto(program, "scale");
        assertSame(scale.tier.code, knownCallee(main, firstCall(main)), "the top level calls scale's fast entry directly");
    }

    /** A variable that held the small function a compiled caller was compiled against now holds another: the generic call, the new function's results. */
    @Test
    void aRedefinedCalleeTakesTheGenericCallAndGivesTheNewFunctionsResults() {
        Ran[] ran = runAll("""
                fn twice(x) { return x * 2; }
                fn thrice(x) { return x * 3; }
                var f = twice;
                fn run(n) { var t = 0; iter (i in 0..<n) { t += f(i); if (i == n / 2) { f = thrice; } } return t; }
                print(run(4000));
                f = twice;
                print(run(4000));
                f = print;
                print(run(2) ?else (e) { e.kind; });
                f = 5;
                print(run(2) ?else (e) { e.kind + ": " + e.message; });
                """);
        assertEquals(0, ran[0].status, ran[0].diagnostics);
        assertEquals("21993000\n21993000\n0\nTypeMismatch\nTypeMismatch: cannot call int\n", ran[0].out);
    }

    /** The small function a caller was compiled against is compiled again (its guess widened): the caller's calls take the generic path, then the caller is compiled again against the new code. */
    @Test
    void aCalleeCompiledAgainHasItsCallerCompiledAgainstTheNewCode() {
        try (LimnRuntime rt = runtime("always")) {
            Program program = rt.compile("callee.lm", """
                    fn inc(x) { return x + 1; }
                    fn run(n, v) { var t = v; iter (i in 0..<n) { t = inc(t); } return t; }
                    """);
            Instance instance = rt.load(program);
            LimnFunction run = instance.function("run");
            Proto caller = proto(program, "run");
            Proto inc = proto(program, "inc");
            int call = pcOf(caller, Op.CALL);
            assertEquals(100L, run.call(100L, 0L));
            Compiled first = inc.tier.code;
            assertSame(first, knownCallee(caller, call));
            assertEquals(1, caller.tier.compiles);
            for (int i = 0; i < 40; i++) {
                assertEquals(100.5, run.call(100L, 0.5));
            }
            assertEquals(2, inc.tier.compiles, "inc compiled again for floats");
            assertNotSame(first, inc.tier.code);
            assertSame(inc.tier.code, knownCallee(caller, call), "run compiled again against inc's new code");
            assertEquals(1, caller.tier.compiles, "a callee's change is not counted against its caller");
            assertEquals(7.5, run.call(7L, 0.5));
            assertEquals(7L, run.call(7L, 0L));
        }
    }

    /**
     * A self call whose captured variable now holds another closure of the same function: the
     * fast call checks the closure itself, not only its function ({@link TaskContext#enterFastFromUpval}
     * takes a shortcut only for the caller's own closure), so the callee runs with its own
     * captured variables. At {@code n == 3}, {@code hop} points its variable at the other closure.
     */
    /**
     * A self call through a function's own variable skips the variable's box only when nothing
     * in the program assigns that variable ({@link Proto#selfUpval}); closures of one declaration
     * made in successive iterations each call themselves.
     */
    @Test
    void aSelfCallSkipsTheBoxOnlyWhereNothingAssignsTheFunctionsVariable() {
        String source = """
                fn fib(n) { if (n < 2) { return n; } return fib(n - 1) + fib(n - 2); }
                fn hop(n) { if (n == 0) { return 0; } return hop(n - 1) + 1; }
                fn other(n) { return -1; }
                var keep = [];
                iter (j in 0..<3) {
                    fn g(n) { if (n == 0) { return j; } return g(n - 1); }
                    keep.push(g);
                }
                var t = 0;
                iter (r in 0..<3000) { t += fib(r % 12) + keep[0](15) + keep[1](15) + keep[2](15); }
                var h = hop(50);
                hop = other;
                print(t, h, hop(3));
                """;
        LimnProgram program = compile(source);
        assertTrue(proto(program, "fib").selfUpval >= 0, "fib is never assigned");
        assertTrue(proto(program, "g").selfUpval >= 0, "g is never assigned");
        assertEquals(-1, proto(program, "hop").selfUpval, "hop is assigned");
        assertEquals(-1, proto(program, "other").selfUpval, "other does not call itself");
        Ran[] ran = runAll(source);
        long t = 0;
        for (int r = 0; r < 3000; r++) {
            t += fib(r % 12) + 3;
        }
        assertEquals(t + " 50 -1\n", ran[0].out);
    }

    private static long fib(int n) {
        return n < 2 ? n : fib(n - 1) + fib(n - 2);
    }

    @Test
    void aSelfCallOfAnotherClosureOfTheSameFunctionRunsWithThatClosure() {
        String source = """
                fn make(k) {
                    var other = nil;
                    fn hop(n) {
                        if (n == 3 && other != nil) { hop = other; }
                        if (n == 0) { return k; }
                        return hop(n - 1) + 1;
                    }
                    fn setOther(o) { other = o; }
                    return [hop, setOther];
                }
                var t = 0;
                iter (i in 0..<2000) {
                    var a = make(1000);
                    var b = make(2000);
                    t += a[0](i % 10);
                    a[1](b[0]);
                    t += a[0](i % 10);
                }
                print(t);
                """;
        assertTrue(hasFastEntry(source, "hop"));
        Ran[] ran = runAll(source);
        long t = 0;
        for (long i = 0; i < 2000; i++) {
            long n = i % 10;
            t += 1000 + n;
            t += n >= 3 ? 2000 + n : 1000 + n; // from n == 3 down, b's closure: its k
        }
        assertEquals(t + "\n", ran[0].out);
    }

    /**
     * A known call site of {@code g0}, compiled in {@code a}, whose variable is then pointed at
     * {@code a} itself: the call must run {@code a}, not {@code g0}'s fast entry with {@code a}'s
     * closure (the recursion shortcut of {@link TaskContext#enterFastFromUpval} applies only to
     * the function the site was compiled for).
     */
    @Test
    void aKnownSiteWhoseVariableNowHoldsTheCallerCallsTheCaller() {
        String source = """
                var g = nil;
                fn g0(x) { return x + 1; }
                fn a(n) { if (n == 0) { return 100; } return g(n - 1); }
                g = g0;
                var t = 0;
                iter (i in 0..<3000) { t += a(i % 5 + 1); }
                g = a;
                print(t, a(5));
                """;
        Ran[] ran = runAll(source);
        assertEquals("9000 100\n", ran[0].out);
    }

    /** Mutual recursion through fast calls of small functions meets max depth as the interpreter does: StackOverflow at the same place, handled or not. */
    @Test
    void recursionThroughFastCallsOfSmallFunctionsHitsMaxDepthAsTheInterpreterDoes() {
        String source = """
                fn even(n) { if (n == 0) { return true; } return odd(n - 1); }
                fn odd(n) { if (n == 0) { return false; } return even(n - 1); }
                fn guarded(n) { attempt { return even(n); } handle StackOverflow(e) { return e.kind; } }
                iter (i in 0..<3000) { even(i % 20); }
                print(even(900), odd(901));
                iter (i in 0..<20) { guarded(5000); }
                print(guarded(5000));
                print(even(5000));
                """;
        Ran interpreted = run(compile(source), Tier.Mode.OFF, 1000);
        assertEquals(1, interpreted.status);
        assertEquals("true true\nStackOverflow\n", interpreted.out);
        assertTrue(interpreted.diagnostics.startsWith("error[StackOverflow]: "), interpreted.diagnostics);
        for (Tier.Mode mode : List.of(Tier.Mode.AUTO, Tier.Mode.ALWAYS)) {
            LimnProgram program = compile(source);
            Ran ran = run(program, mode, 1000);
            assertEquals(interpreted.seen(), ran.seen(), mode.toString());
            Proto even = proto(program, "even");
            assertSame(proto(program, "odd").tier.code, knownCallee(even, pcOf(even, Op.CALL)), mode + ": even calls odd's fast entry");
        }
    }

    private static final String RECURSE = """
            var stopped = "";
            fn fib(n) { if (n < 2) { return n; } return fib(n - 1) + fib(n - 2); }
            fn careful() { attempt { return fib(60); } handle (e) { stopped = e.kind; return -1; } }
            fn quick(n) { return n + 1; }
            """;

    @Test
    void aTimeoutOrCancellationStopsARecursiveCompiledFunction() throws Exception {
        try (LimnRuntime rt = runtime("always")) {
            Program program = rt.compile("fib.lm", RECURSE);
            Instance s = rt.load(program);
            long start = System.nanoTime();
            Object r = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> s.call(Duration.ofMillis(100), "careful"));
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(-1L, r);
            assertEquals("Cancelled", s.get("stopped"));
            assertTrue(took < 2_000, "careful stopped after " + took + " ms");
            LimnException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> assertThrows(LimnException.class, () -> s.call(Duration.ofMillis(100), "fib", 60L)));
            assertEquals("Timeout", e.kind(), e.getMessage());
            CompletableFuture<Object> later = s.callAsync("fib", 60L);
            Thread.sleep(100);
            assertTrue(later.cancel(true));
            assertThrows(CancellationException.class, later::join);
            assertEquals(6L, s.callAsync("quick", 5L).get(5, TimeUnit.SECONDS));
            assertNotNull(proto(program, "fib").tier.code, "fib ran compiled");
            assertTrue(TierCompiler.describe(proto(program, "fib")).contains("fast entry"));
            assertNothingLive(rt);
        }
    }

    // ------------------------------------------------------------------ the instruction budget

    private static final String WORK = """
            fn helper(x) { if (x % 2 == 0) { return x; } return 1; }
            fn work(n) { var s = 0; iter (i in 0..<n) { s += helper(i); } return s; }
            fn loop(n) { var s = 0.0; var i = 0; while (i < n) { s = s + i * 0.5; i += 1; } return s; }
            fn fib(n) { if (n < 2) { return n; } return fib(n - 1) + fib(n - 2); }
            fn spin() {
                var n = 0;
                while (true) {
                    n += 1;
                }
            }
            fn mix(n) { var t = 0; iter (i in 0..<n) { t = t + helper(i) * 2 + fib(i % 10); } return t; }
            """;

    @Test
    void theBudgetCountsTheSameInstructionsInEveryMode() {
        long[] reference = null;
        for (String mode : List.of("off", "auto", "always")) {
            try (LimnRuntime rt = runtime(mode, 10_000_000L)) {
                Program program = rt.compile("work.lm", WORK);
                Instance s = rt.load(program);
                List<Long> counts = new ArrayList<>();
                counts.add(s.instructionsUsed());
                assertEquals(24_995_000L + 5_000L, s.call("work", 10_000L));
                counts.add(s.instructionsUsed());
                assertEquals(24_997_500.0, s.call("loop", 10_000L));
                counts.add(s.instructionsUsed());
                assertEquals(6765L, s.call("fib", 20L));
                counts.add(s.instructionsUsed());
                s.call("mix", 5_000L);
                counts.add(s.instructionsUsed());
                long[] now = counts.stream().mapToLong(Long::longValue).toArray();
                if (reference == null) {
                    reference = now;
                } else {
                    assertEquals(Arrays.toString(reference), Arrays.toString(now), mode);
                    assertNotNull(proto(program, "work").tier.code, mode + ": work was compiled");
                    assertNotNull(proto(program, "fib").tier.code, mode + ": fib was compiled");
                }
            }
        }
    }

    @Test
    void budgetExceededIsRaisedAtTheSameLineAndCountInEveryMode() {
        String seen = null;
        for (String mode : List.of("off", "auto", "always")) {
            try (LimnRuntime rt = runtime(mode, 100_000L)) {
                Program program = rt.compile("work.lm", WORK);
                Instance s = rt.load(program);
                StringBuilder now = new StringBuilder();
                for (String fn : List.of("spin", "work", "mix")) {
                    s.resetInstructionsUsed();
                    Object[] args = fn.equals("spin") ? new Object[0] : new Object[] {1_000_000L};
                    LimnException e = assertThrows(LimnException.class, () -> s.call(fn, args));
                    now.append(fn).append(": ").append(e.kind()).append(' ').append(e.line()).append(':').append(e.column())
                            .append(' ').append(s.instructionsUsed()).append('\n');
                }
                if (seen == null) {
                    seen = now.toString();
                    assertTrue(seen.startsWith("spin: BudgetExceeded ") && seen.contains("work: BudgetExceeded ")
                            && seen.contains("mix: BudgetExceeded "), seen);
                } else {
                    assertEquals(seen, now.toString(), mode);
                    assertNotNull(proto(program, "spin").tier.code, mode + ": spin was compiled");
                }
            }
        }
    }

    // ------------------------------------------------------------------ cancellation

    private static final String SPIN = """
            var stopped = "";
            var spun = 0;
            fn spin() {
                var n = 0;
                attempt {
                    while (true) { n += 1; spun = n; }
                } handle (e) {
                    stopped = e.kind;
                }
                return n;
            }
            fn bare() { var n = 0; while (true) { n += 1; } }
            fn quick(n) { return n + 1; }
            """;

    /**
     * A host's calls run with a budget (unlimited, drawn in chunks), so a compiled loop also
     * reaches a safepoint when its chunk of fuel is spent; the program test below has none.
     */
    @Test
    void cancellingAnAsyncCallStopsItsCompiledLoop() throws Exception {
        try (LimnRuntime rt = runtime("always")) {
            Program program = rt.compile("spin.lm", SPIN);
            Instance s = rt.load(program);
            for (String fn : List.of("spin", "bare")) {
                CompletableFuture<Object> later = s.callAsync(fn);
                Thread.sleep(100);
                assertNotNull(proto(program, fn).tier.code, fn + " runs compiled");
                long cancelledAt = System.nanoTime();
                assertTrue(later.cancel(true));
                assertThrows(CancellationException.class, later::join);
                // the instance runs one call at a time: this one starts once the loop has stopped
                assertEquals(6L, s.callAsync("quick", 5L).get(5, TimeUnit.SECONDS));
                long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelledAt);
                assertTrue(took < 2_000, fn + " stopped after " + took + " ms");
            }
            assertEquals("Cancelled", s.get("stopped"), "the compiled back edge raised Cancelled");
            assertTrue((Long) s.get("spun") > 1_000, "spun " + s.get("spun"));
            assertNothingLive(rt);
        }
    }

    @Test
    void aTimeoutStopsACompiledLoop() throws Exception {
        try (LimnRuntime rt = runtime("always")) {
            Program program = rt.compile("spin.lm", SPIN);
            Instance s = rt.load(program);
            // spin handles the stop (Cancelled, raised at its compiled back edge) and returns; bare ends in Timeout
            long start = System.nanoTime();
            Object n = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> s.call(Duration.ofMillis(100), "spin"));
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(took < 2_000, "spin stopped after " + took + " ms");
            assertTrue((Long) n > 1_000, "spun " + n);
            start = System.nanoTime();
            LimnException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> assertThrows(LimnException.class, () -> s.call(Duration.ofMillis(100), "bare")));
            took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("Timeout", e.kind(), e.getMessage());
            assertTrue(took < 2_000, "bare stopped after " + took + " ms");
            assertNotNull(proto(program, "spin").tier.code, "spin ran compiled");
            assertNotNull(proto(program, "bare").tier.code, "bare ran compiled");
            assertEquals("Cancelled", s.get("stopped"), "the compiled back edge raised the stop");
            assertEquals(6L, s.call("quick", 5L));
            assertNothingLive(rt);
        }
    }

    /**
     * A whole program's tasks have no budget, so only the trap word read at a compiled back
     * edge lets a spinning loop give its carrier up (the sleeper below gets a carrier only
     * through a time slice), and see a sibling's failure or its block's timeout. Without it the
     * program never ends: not even termination after the grace reaches the loop.
     */
    @Test
    void aSiblingsFailureAndABlockTimeoutStopCompiledLoopsOfAProgram() {
        Ran[] ran = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> runAll("""
                fn spin() { var n = 0; while (true) { n += 1; } }
                fn careful(c) { var n = 0; attempt { while (true) { n += 1; } } handle Cancelled(e) { c.send("careful: " + e.kind); } }
                var c = channel();
                attempt {
                    concurrent {
                        task { spin(); }
                        task { careful(c); }
                        task { sleep(20ms); return err(Stop("enough")); }
                    }
                } handle Stop(e) { print("stopped:", e.message); }
                print(c.recv());
                attempt {
                    concurrent(timeout=50ms, on_timeout=error) { task { spin(); } task { spin(); } }
                } handle Timeout(e) { print(e.message); }
                """));
        assertEquals("stopped: enough\ncareful: Cancelled\n"
                + "concurrent block at tier.lm:13:5 timed out after 50ms: 0 units finished, 2 cancelled, 0 terminated\n", ran[0].out);
    }

    // ------------------------------------------------------------------ suspension

    @Test
    void aCompiledSenderThatSuspendsEveryIterationDeliversEverythingInOrder() {
        Ran[] ran = runAll("""
                fn produce(c, n) {
                    iter (i in 0..<n) { c.send(i * 2); }
                    c.close();
                }
                fn consume(c) {
                    var expect = 0;
                    var count = 0;
                    var wrong = -1;
                    iter (v in c) {
                        if (v != expect && wrong < 0) { wrong = count; }
                        expect += 2;
                        count += 1;
                    }
                    return [count, wrong];
                }
                fn pace(n) {
                    var s = 0;
                    iter (i in 0..<n) { s += i; if (i % 100 == 0) { sleep(0ms); } }
                    return s;
                }
                fn main() {
                    var c = channel(1);
                    var d = channel();
                    concurrent(ch=results) {
                        task { produce(c, 20000); }
                        task { return consume(c); }
                        task { produce(d, 30000); }
                        task { return consume(d); }
                        task { return pace(30000); }
                    }
                    var got = [];
                    iter (r in results) { got.push(str(r)); }
                    print(got.sort());
                }
                main();
                """);
        assertEquals("[\"449985000\", \"[20000, -1]\", \"[30000, -1]\"]\n", ran[0].out);
        assertEquals(0, ran[0].status, ran[0].diagnostics);
    }

    @Test
    void aParallelLoopsCompiledBodyCountsExactly() {
        Ran[] ran = runAll("""
                fn collatz(n) { var x = n; var steps = 0; while (x != 1) { if (x % 2 == 0) { x = x / 2; } else { x = 3 * x + 1; } steps += 1; } return steps; }
                var hits: atomic = 0;
                var steps: atomic = 0;
                parallel {
                    iter (i in 1..200000) {
                        if (i % 7 == 3) { hits += 1; }
                        if (i % 1000 == 0) { steps += collatz(i); }
                    }
                }
                print(hits, steps);
                """);
        long hits = LongStream.rangeClosed(1, 200_000).filter(i -> i % 7 == 3).count();
        long steps = 0;
        for (long i = 1000; i <= 200_000; i += 1000) {
            long x = i;
            while (x != 1) {
                x = x % 2 == 0 ? x / 2 : 3 * x + 1;
                steps++;
            }
        }
        assertEquals(hits + " " + steps + "\n", ran[0].out);
    }

    // ------------------------------------------------------------------ closures

    @Test
    void aClosureWritingItsUpvalueInAHotLoopCountsExactly() {
        Ran[] ran = runAll("""
                fn count(n) {
                    var c = 0;
                    var inc = fn () { c += 1; };
                    iter (i in 0..<n) { inc(); }
                    return c;
                }
                fn inner(n) {
                    var c = 0;
                    var add = fn (k) { iter (i in 0..<k) { c += i; } };
                    add(n);
                    add(n);
                    return c;
                }
                fn boxed(n) {
                    var c = 0.0;
                    var get = fn () { return c; };
                    iter (i in 0..<n) { c = c + 0.5; }
                    return get();
                }
                print(count(30000), inner(30000), boxed(30000));
                """);
        assertEquals("30000 899970000 15000.0\n", ran[0].out);
    }

    // ------------------------------------------------------------------ a host's calls

    @Test
    void aHostsManyCallsOfACompiledFunctionStayRightAcrossATypeChange() {
        for (String mode : List.of("off", "auto", "always")) {
            try (LimnRuntime rt = runtime(mode)) {
                Program program = rt.compile("add.lm", "fn add(a, b) { return a + b; }\n");
                Instance s = rt.load(program);
                LimnFunction add = s.function("add");
                long ints = 0;
                double floats = 0;
                for (int i = 0; i < 10_000; i++) {
                    if (i < 5_000) {
                        Object r = add.call((long) i, 7L);
                        assertEquals((long) i + 7, r, mode);
                        ints += (Long) r;
                    } else {
                        Object r = add.call(i + 0.5, 0.25);
                        assertEquals(i + 0.75, r, mode);
                        floats += (Double) r;
                    }
                }
                assertEquals(12_532_500L, ints);
                assertTrue(floats > 0);
                assertEquals(Long.MAX_VALUE, add.call(Long.MAX_VALUE - 1, 1L));
                LimnException overflow = assertThrows(LimnException.class, () -> add.call(Long.MAX_VALUE, 1L));
                assertEquals("Overflow", overflow.kind());
                assertEquals(1, overflow.line());
                if (!mode.equals("off")) {
                    assertNotNull(proto(program, "add").tier.code, mode);
                }
            }
        }
    }

    /** Host functions called from a compiled loop: a plain one returns inline, a blocking one suspends the task, a failing one raises HostError. */
    @Test
    void hostFunctionsCalledFromACompiledLoop() {
        String source = """
                fn total(n) {
                    var s = 0;
                    var failed = 0;
                    iter (i in 0..<n) {
                        s += twice(i);
                        if (i % 500 == 0) { s += slow(i); }
                        if (i % 1000 == 7) { attempt { boom(i); } handle HostError(e) { failed += 1; } }
                    }
                    return [s, failed];
                }
                """;
        long s = 0;
        for (long i = 0; i < 5000; i++) {
            s += 2 * i + (i % 500 == 0 ? i + 1 : 0);
        }
        for (String mode : List.of("off", "auto", "always")) {
            try (LimnRuntime rt = runtime(mode)) {
                rt.define("twice", args -> 2 * (Long) args[0]);
                rt.define("slow", args -> (Long) args[0] + 1, HostFunction.Mode.BLOCKING);
                rt.define("boom", args -> {
                    throw new IllegalStateException("boom " + args[0]);
                });
                Program program = rt.compile("host.lm", source);
                Instance instance = rt.load(program);
                for (int k = 0; k < 3; k++) {
                    assertEquals(List.of(s, 5L), instance.call("total", 5000L), mode);
                }
                if (!mode.equals("off")) {
                    assertNotNull(proto(program, "total").tier.code, mode);
                }
            }
        }
    }

    // ------------------------------------------------------------------ the mode's spelling

    @Test
    void anUnknownTierIsAUsageError() throws IOException {
        Path file = dir.resolve("t.lm");
        Files.writeString(file, "print(1);\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.execute(new String[] {"run", "--tier", "bogus", file.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        assertEquals("", out.toString(StandardCharsets.UTF_8), "the program did not run");
        assertEquals("error: --tier: the tier is off, auto or always, got \"bogus\"\n", err.toString(StandardCharsets.UTF_8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LimnRuntime.builder().tier("bogus"));
        assertTrue(e.getMessage().contains("off, auto or always"), e.getMessage());
        assertEquals(Tier.Mode.ALWAYS, Tier.Mode.parse(" Always "));
    }
}
