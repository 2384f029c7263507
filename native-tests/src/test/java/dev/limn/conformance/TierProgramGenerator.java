package dev.limn.conformance;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Writes random sequential Limn programs aimed at what a compiler of Limn functions and loops to
 * JVM bytecode gets wrong, for {@link TierDifferentialTest}, which runs each in several tier
 * modes and requires the same output: the interpreter is the reference, so no model of the
 * output is needed. A program is a sequence of segments, each one of:
 * <ul>
 *   <li>{@link #arithmeticLoop}: int and float accumulators updated in a while, for or iter
 *       loop (nested at times) with continue and break, counted under comparisons that mix
 *       ints and floats, and at times a <em>fuse</em> that goes off at one iteration: an int
 *       counting up to the end of the 64-bit range (Overflow), a division or modulo by
 *       {@code i - K} (DivisionByZero, an infinity for a float, Overflow for the least int
 *       divided by -1), a product that overflows unless reset, an accumulator that turns float,
 *       string, bool, nil or list, a comparison with a string;</li>
 *   <li>{@link #edgeMatrix}: one call site of a function applying an operator to every pair of
 *       edge values (the ends of the int range, 2^53 + 1, -0.0, NaN, infinities, a string);</li>
 *   <li>{@link #polymorphicCallSite}: one call site of a small function that receives ints,
 *       then floats, then strings, bools, lists or nil, so a type guard fails mid-loop;</li>
 *   <li>{@link #recursion}: bounded linear, double (fib) and mutual recursion, with ints and
 *       then floats, at times raising at a given depth;</li>
 *   <li>{@link #closures}: closures that capture and write outer variables from inside loops,
 *       closures made in a loop over a variable the loop writes after, counter factories;</li>
 *   <li>{@link #errorsInLoop}: attempt/handle and {@code ?else} inside loops around calls that
 *       raise (user kinds, DivisionByZero), handlers in callees, re-raising, break and
 *       continue inside attempt;</li>
 *   <li>{@link #collections}: lists (index, index write, push, pop, length) and dicts
 *       (get, has, keys, iteration) in loops, with out-of-bounds and missing-key fuses;</li>
 *   <li>{@link #strings}: concatenation of every kind of value, interpolation, comparisons
 *       and methods in loops;</li>
 *   <li>{@link #nestedLoops}: three loops of mixed kinds with break and continue at each.</li>
 * </ul>
 * Most segments sit in attempt/handle and print what they caught, so a program goes on after
 * an error; the rest end the program with the error's diagnostic, which every tier must write
 * alike. Some loop segments live in a function called first with an int and then with a float.
 *
 * <p>Bounded: loops have literal bounds, recursion has a literal depth, strings, lists and
 * dicts that grow in a loop are capped or reset, so a program runs in milliseconds. A segment
 * is hot with probability {@link #HOT_CHANCE} (one a program at most): its loop runs at least
 * {@link #HOT_ITERATIONS} times, or its function is called that often, so that the compiled
 * tier takes it over in mode auto too; other loops run at most {@link #COLD_ITERATIONS} times.
 *
 * <p>Prefix-stable like {@link WholeLanguageGenerator}: segments are drawn one after another
 * from one {@link Random}, so {@code (seed, n)} is a prefix of {@code (seed, n + 1)}, and a
 * failing program shrinks to its shortest failing prefix.
 */
final class TierProgramGenerator {
    /** One generated program; {@code hot} when one of its segments runs hot. */
    record Program(String text, boolean hot, int segments) {}

    /** How many iterations or calls make a loop or a function hot (the compiled tier's threshold, with room). */
    static final int HOT_ITERATIONS = 20_000;
    /** A hot segment runs between {@link #HOT_ITERATIONS} and this many more. */
    private static final int HOT_SPREAD = 10_000;
    static final int COLD_ITERATIONS = 200;
    static final double HOT_CHANCE = 0.12;

    private static final String MAX = "9223372036854775807";
    /** The least int, which has no literal: {@code -9223372036854775808} does not fit before the minus. */
    private static final String MIN = "(-9223372036854775807 - 1)";
    private static final String[] FLOATS = {"0.5", "0.25", "1.5", "2.0", "0.1", "3.75", "-1.5", "1e3", "2.5e-3", "-0.0"};
    private static final String[] BIG = {MAX, "-9223372036854775807", MIN, "4611686018427387904", "9007199254740993",
            "3037000500", "9.223372036854776E18", "1e300"};
    private static final String[] EDGE_VALUES = {MAX, MIN, "-1", "0", "1", "2", "7", "3037000500", "9007199254740993",
            "9007199254740992.0", "9.223372036854776E18", "-9.223372036854776E18", "0.1", "-0.0", "0.0", "2.5", "1e300",
            "(0.0 / 0.0)", "(1.0 / 0.0)", "(-1.0 / 0.0)"};
    private static final String[] ODD_VALUES = {"\"a\"", "\"10\"", "true", "nil", "[1]"};
    private static final String[] EDGE_OPERATORS = {"+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "**"};
    private static final String[] USER_KINDS = {"Bad", "Odd", "Nope"};

    private final Random random;
    private final StringBuilder out = new StringBuilder();
    private int names;
    private boolean hot;
    /** Two-parameter functions of earlier segments, called again from new call sites. */
    private final List<String> binaryFunctions = new ArrayList<>();

    private TierProgramGenerator(long seed) {
        random = new Random(seed);
    }

    /** The program of {@code segments} segments drawn from {@code seed}. */
    static Program generate(long seed, int segments) {
        TierProgramGenerator g = new TierProgramGenerator(seed);
        for (int i = 0; i < segments; i++) {
            g.segment();
        }
        return new Program(g.out.toString(), g.hot, segments);
    }

    // ------------------------------------------------------------------ segments

    private static final int ARITHMETIC = 0, EDGE = 1, POLYMORPHIC = 2, RECURSION = 3, CLOSURES = 4, ERRORS = 5,
            COLLECTIONS = 6, STRINGS = 7, NESTED = 8;

    private void segment() {
        boolean makeHot = !hot && chance(HOT_CHANCE);
        hot |= makeHot;
        int times = makeHot ? HOT_ITERATIONS + random.nextInt(HOT_SPREAD) : 1 + random.nextInt(COLD_ITERATIONS);
        int kind = Choices.pick(random, new int[] {5, 2, 4, 3, 3, 4, 3, 2, 2});
        String label = fresh("s");
        Code decls = new Code();
        Code body = new Code();
        boolean inFunction = (kind == ARITHMETIC || kind == COLLECTIONS || kind == NESTED) && chance(0.3);
        Code work = inFunction ? new Code() : body;
        String init = inFunction ? "start" : numberLiteral(true);
        List<String> results = switch (kind) {
            case ARITHMETIC -> arithmeticLoop(work, times, init, makeHot);
            case EDGE -> edgeMatrix(decls, work, times, makeHot);
            case POLYMORPHIC -> polymorphicCallSite(decls, work, times, makeHot);
            case RECURSION -> recursion(decls, work, times, makeHot);
            case CLOSURES -> closures(decls, work, times, makeHot);
            case ERRORS -> errorsInLoop(decls, work, times, makeHot);
            case COLLECTIONS -> collections(work, times, init, makeHot);
            case STRINGS -> strings(work, times, makeHot);
            case NESTED -> nestedLoops(work, times, init);
            default -> throw new IllegalStateException("segment kind " + kind);
        };
        if (inFunction) {
            // called with an int and then, at times, a float: one function body, two types
            String fn = "run_" + label;
            decls.open("fn " + fn + "(start) {");
            decls.append(work);
            decls.line("return [" + String.join(", ", results) + "];");
            decls.close("}");
            body.line("print(\"" + label + "\", " + fn + "(" + intLiteral() + "));");
            if (chance(0.5)) {
                body.line("print(\"" + label + "\", " + fn + "(" + floatLiteral() + "));");
            }
        } else {
            body.line("print(\"" + label + "\", " + String.join(", ", results) + ");");
        }
        out.append(decls.text());
        if (chance(0.85)) {
            String e = fresh("e");
            Code wrapped = new Code();
            wrapped.open("attempt {");
            wrapped.append(body);
            wrapped.close("} handle (" + e + ") {");
            wrapped.indent++;
            wrapped.line("print(\"" + label + " caught\", " + e + ".kind, " + e + ".message);");
            wrapped.close("}");
            out.append(wrapped.text());
        } else {
            out.append(body.text());
        }
    }

    /**
     * Accumulators {@code a} (starting at {@code init}) and {@code b} and a counter, updated in
     * a loop of {@code times} iterations (split over an inner loop at times), with continue,
     * break and a fuse.
     */
    private List<String> arithmeticLoop(Code c, int times, String init, boolean hotLoop) {
        String a = fresh("a");
        String b = fresh("b");
        String count = fresh("n");
        c.line("var " + a + " = " + init + ";");
        c.line("var " + b + " = " + numberLiteral(true) + ";");
        c.line("var " + count + " = 0;");
        List<String> results = new ArrayList<>(List.of(a, b, count));
        Fuse fuse = chance(0.65) ? fuse(c, a, count, times, hotLoop) : null;
        if (fuse != null && fuse.variable != null) {
            results.add(fuse.variable);
        }
        boolean nested = chance(0.3);
        int inner = nested ? 2 + random.nextInt(4) : 1;
        String i = openLoop(c, Math.max(1, times / inner));
        List<String> leaves = List.of(a, b, i);
        boolean safe = hotLoop || chance(0.6);
        List<Runnable> steps = new ArrayList<>();
        // an accumulator that may turn into a string is never one that only grows: its string would grow each iteration
        steps.add(() -> update(c, a, leaves, safe, fuse == null || !fuse.retypes));
        steps.add(() -> update(c, b, leaves, safe, true));
        steps.add(() -> {
            if (chance(0.5)) {
                c.line("if (" + condition(leaves, i, safe) + ") " + count + " += 1;");
            } else {
                c.open("if (" + condition(leaves, i, safe) + ") {");
                c.line(count + " += 1;");
                c.close("} elif (" + condition(leaves, i, safe) + ") {");
                c.indent++;
                c.line(count + " -= 2;");
                c.close("}");
            }
        });
        if (chance(0.3)) {
            steps.add(() -> c.line("if (" + condition(leaves, i, true) + ") continue;"));
        }
        if (fuse != null) {
            steps.add(() -> fuse.lines.forEach(line -> c.line(line.replace("$i", i))));
        }
        if (nested) {
            steps.add(() -> {
                String j = openLoop(c, inner);
                update(c, b, List.of(a, b, j), safe, true);
                if (chance(0.5)) {
                    c.line("if (" + condition(List.of(b, j), j, true) + ") " + pickOf("break;", "continue;"));
                }
                c.close("}");
            });
        }
        Collections.shuffle(steps, random);
        steps.forEach(Runnable::run);
        if (chance(0.2)) {
            c.line("if (" + i + " == " + fuseAt(times / inner, hotLoop) + ") break;");
        }
        c.close("}");
        return results;
    }

    /** A fuse: lines to put in a loop over {@code $i} (declared before it when it has a variable). */
    private record Fuse(String variable, List<String> lines, boolean retypes) {}

    private Fuse fuse(Code c, String a, String count, int times, boolean hotLoop) {
        int at = fuseAt(times, hotLoop);
        String f = fresh("f");
        switch (random.nextInt(8)) {
            case 0 -> {
                String step = pickOf("1", "3", "1000");
                c.line("var " + f + " = " + MAX + " - " + at + " * " + step + ";");
                return new Fuse(f, List.of(f + " += " + step + ";"), false);
            }
            case 1 -> {
                String step = pickOf("1", "7");
                c.line("var " + f + " = " + MIN + " + " + at + " * " + step + ";");
                return new Fuse(f, List.of(f + " -= " + step + ";"), false);
            }
            case 2 -> {
                // overflows past the 63rd doubling unless reset in time
                c.line("var " + f + " = 1;");
                String period = pickOf("20", "39", "41", "62", "64", "70");
                return new Fuse(f, List.of("if ($i % " + period + " == 0) " + f + " = 1;",
                        f + " = " + f + " * " + pickOf("2", "-2", "3", "10") + ";"), false);
            }
            case 3 -> {
                // the least int divided by -1 overflows one iteration before the division by zero
                c.line("var " + f + " = 0;");
                String dividend = pickOf("1000", "-7", "2.5", "-0.0", MIN, "1e300");
                return new Fuse(f, List.of(f + " = " + dividend + " " + pickOf("/", "/", "%") + " ($i - " + at + ");"), false);
            }
            case 4 -> {
                String value = pickOf(a + " + 0.5", a + " * 1.0", "\"s\"", "true", "nil", "[1]", "\"{" + a + "}\"");
                return new Fuse(null, List.of("if ($i == " + at + ") " + a + " = " + value + ";"), true);
            }
            case 5 -> {
                return new Fuse(null, List.of("if ($i == " + at + " and " + a + " < \"x\") " + count + " += 1;"), false);
            }
            case 6 -> {
                // counts up to the end of the range, unless it turns float first
                c.line("var " + f + " = " + MAX + " - " + at + ";");
                return new Fuse(f, List.of("if ($i == " + fuseAt(times, hotLoop) + ") " + f + " = " + f + " * 1.0;",
                        f + " += 1;"), false);
            }
            default -> {
                c.line("var " + f + " = 0;");
                return new Fuse(f, List.of(f + " = " + f + " + 1 / ($i - " + at + ") * 0 + abs($i - " + at + ");"), false);
            }
        }
    }

    /**
     * Where a fuse goes off: in a hot loop mostly after it got hot, or never; in a cold one
     * anywhere, or never.
     */
    private int fuseAt(int times, boolean hotLoop) {
        if (hotLoop) {
            return switch (random.nextInt(4)) {
                case 0 -> HOT_ITERATIONS + random.nextInt(50);
                case 1 -> HOT_ITERATIONS + random.nextInt(Math.max(1, times - HOT_ITERATIONS));
                case 2 -> random.nextInt(50);
                default -> times + 5;
            };
        }
        return random.nextInt(times + 10);
    }

    /** One update of accumulator {@code v} that keeps it bounded unless {@code safe} is false. */
    private void update(Code c, String v, List<String> leaves, boolean safe, boolean mayGrow) {
        List<String> others = leaves.stream().filter(x -> !x.equals(v)).toList();
        switch (random.nextInt(mayGrow ? 5 : 3)) {
            case 0 -> c.line(v + " = " + paren(number(2, leaves, safe)) + " % " + pickOf("97", "1009", "10007", "65536", "1000003", "7.5") + ";");
            case 1 -> c.line(v + " = " + v + " * " + pickOf("0.5", "0.25", "-0.5") + " + " + paren(number(1, others, safe)) + ";");
            case 2 -> c.line(v + " = " + v + " - " + v + " / " + pickOf("2", "3", "4", "2.0") + " + " + paren(number(1, others, safe)) + ";");
            case 3 -> c.line(v + " " + pickOf("+=", "-=") + " " + number(1, others, safe) + ";");
            default -> c.line("if (" + condition(leaves, leaves.get(leaves.size() - 1), true) + ") " + v + " *= -1;");
        }
    }

    /** An operator applied to every pair of edge values, through one call site, {@code times} times in all when hot. */
    private List<String> edgeMatrix(Code decls, Code c, int times, boolean hotLoop) {
        String fn = fresh("edge");
        String op = pickOf(EDGE_OPERATORS);
        decls.line("fn " + fn + "(x, y) { return " + (chance(0.15) ? pickOf("min", "max") + "(x, y)" : "x " + op + " y") + "; }");
        List<String> values = new ArrayList<>();
        int n = 4 + random.nextInt(5);
        for (int k = 0; k < n; k++) {
            values.add(chance(0.1) ? pickOf(ODD_VALUES) : pickOf(EDGE_VALUES));
        }
        String vals = fresh("vals");
        String line = fresh("line");
        String trues = fresh("t");
        String errors = fresh("errs");
        String rep = fresh("rep");
        String x = fresh("x");
        String y = fresh("y");
        String r = fresh("r");
        String e = fresh("e");
        c.line("var " + vals + " = [" + String.join(", ", values) + "];");
        c.line("var " + line + " = \"\";");
        c.line("var " + trues + " = 0;");
        c.line("var " + errors + " = 0;");
        int reps = hotLoop ? times / (n * n) + 1 : 1;
        c.open("iter (" + rep + " in 0..<" + reps + ") {");
        c.open("iter (" + x + " in " + vals + ") {");
        c.open("iter (" + y + " in " + vals + ") {");
        c.line("var " + r + " = " + fn + "(" + x + ", " + y + ") ?else (" + e + ") { " + errors + " += 1; " + e + ".kind; };");
        c.line("if (" + rep + " == 0) " + line + " = " + line + " + " + r + " + \" \";");
        c.line("if (" + r + " == true) " + trues + " += 1;");
        c.close("}");
        c.close("}");
        c.close("}");
        binaryFunctions.add(fn);
        return List.of(line, trues, errors);
    }

    /** One call site of a two-parameter function whose first argument is an int, then a float, then something else. */
    private List<String> polymorphicCallSite(Code decls, Code c, int times, boolean hotLoop) {
        String fn;
        boolean defaulted = false;
        if (!binaryFunctions.isEmpty() && chance(0.3)) {
            fn = pickOf(binaryFunctions.toArray(new String[0]));
        } else {
            fn = fresh("op");
            defaulted = chance(0.2);
            String params = defaulted ? "(x, y = " + numberLiteral(true) + ")" : "(x, y)";
            switch (random.nextInt(4)) {
                case 0 -> {
                    decls.open("fn " + fn + params + " {");
                    decls.line("if (x " + pickOf("<", ">", "==", ">=") + " y) return " + pickOf("x - y", "x", "y * 2") + ";");
                    decls.line("return " + pickOf("x + y", "y - x", "x * 0.5") + ";");
                    decls.close("}");
                }
                default -> decls.line("fn " + fn + params + " { return " + pickOf("x + y", "x - y", "x * y", "x + y * 2",
                        "(x + 1) * (y - 1)", "x / (y + 3)", "x % (y + 3)", "\"{x}|{y}\"", "x < y", "x == y", "min(x, y)",
                        "max(x, y) + 1", "abs(x - y)", "x * 0.5 + y", "str(x) + y", "-x + y") + "; }");
            }
            binaryFunctions.add(fn);
        }
        String r = fresh("r");
        String h = fresh("h");
        String f = fresh("fs");
        String other = fresh("o");
        String x = fresh("x");
        c.line("var " + r + " = nil;");
        c.line("var " + h + " = 0;");
        c.line("var " + f + " = 0.0;");
        c.line("var " + other + " = 0;");
        String i = openLoop(c, times);
        int floatsFrom = hotLoop ? HOT_ITERATIONS + random.nextInt(Math.max(1, times - HOT_ITERATIONS)) : random.nextInt(times + 1);
        int othersFrom = floatsFrom + random.nextInt(Math.max(1, times - floatsFrom + 20));
        c.line("var " + x + " = " + pickOf(i + " % 50", i + " - 7", i + " * 3", "-" + i) + ";");
        c.line("if (" + i + " >= " + floatsFrom + ") " + x + " = " + pickOf(i + " * 0.5", i + " / 4.0", "0.1 * " + i, "float(" + i + ")") + ";");
        c.line("if (" + i + " >= " + othersFrom + ") " + x + " = " + pickOf("\"s{" + i + " % 10}\"", "str(" + i + " % 3)", "true",
                "[" + i + " % 3]", "nil", MAX, "9.5e18") + ";");
        String second = pickOf(intLiteral(), floatLiteral(), i, x, "\"k\"", i + " % 3");
        c.line(r + " = " + fn + "(" + x + (defaulted && chance(0.5) ? "" : ", " + second) + ");");
        c.line("if (type_of(" + r + ") == \"int\") " + h + " = (" + h + " + " + r + ") % 1000003;");
        c.line("elif (type_of(" + r + ") == \"float\") " + f + " = " + f + " * 0.5 + " + r + ";");
        c.line("else " + other + " += 1;");
        c.close("}");
        return List.of(r, h, f, other);
    }

    private List<String> recursion(Code decls, Code c, int times, boolean hotLoop) {
        String fn = fresh("rec");
        switch (random.nextInt(3)) {
            case 0 -> {
                int depth = 2 + random.nextInt(hotLoop ? 30 : 70);
                String kind = pickOf(USER_KINDS);
                decls.open("fn " + fn + "(n, acc) {");
                decls.line("if (n <= 0) return acc;");
                if (chance(0.3)) {
                    decls.line("if (n == " + random.nextInt(depth + 1) + " and acc " + pickOf(">", "<") + " " + random.nextInt(500)
                            + ") return err(" + kind + "(\"depth {n}\"));");
                }
                decls.line("return " + fn + "(n - 1, " + pickOf("acc + n * " + numberLiteral(true), "acc * 2 + n", "acc - n",
                        "acc + 0.5", "(acc + n) % 1009") + ");");
                decls.close("}");
                String s = fresh("sum");
                String bad = fresh("bad");
                String e = fresh("e");
                c.line("var " + s + " = 0;");
                c.line("var " + bad + " = 0;");
                // about `times` calls in all: each iteration recurses depth / 2 deep on average
                String i = openLoop(c, Math.max(1, times * 2 / (depth + 2)));
                c.open("attempt {");
                c.line(s + " = (" + s + " + " + fn + "(" + i + " % " + depth + ", " + numberLiteral(true) + ")) % 1000003;");
                c.close("} handle " + kind + "(" + e + ") {");
                c.indent++;
                c.line(bad + " += 1;");
                c.close("}");
                c.close("}");
                return List.of(s, bad, fn + "(" + depth + ", " + floatLiteral() + ")");
            }
            case 1 -> {
                decls.open("fn " + fn + "(n) {");
                decls.line("if (n < 2) return n;");
                decls.line("return " + fn + "(n - 1) + " + fn + "(n - 2);");
                decls.close("}");
                // fib(20) makes 21,891 calls
                int n = hotLoop ? 20 + random.nextInt(2) : 2 + random.nextInt(11);
                return List.of(fn + "(" + n + ")", fn + "(" + (n - (hotLoop ? 6 : 0)) + ".5)", fn + "(float(" + Math.min(n, 12) + "))");
            }
            default -> {
                String odd = fresh("odd");
                decls.line("fn " + fn + "(n) { if (n <= 0) { return true; } return " + odd + "(n - 1); }");
                decls.line("fn " + odd + "(n) { if (n <= 0) { return false; } return " + fn + "(n - 1); }");
                int depth = 2 + random.nextInt(40);
                String evens = fresh("ev");
                c.line("var " + evens + " = 0;");
                String i = openLoop(c, Math.max(1, times * 2 / (depth + 2)));
                c.line("if (" + fn + "(" + i + " % " + depth + ")) " + evens + " += 1;");
                c.close("}");
                return List.of(evens, fn + "(" + floatLiteral() + ")", odd + "(" + depth + ".5)");
            }
        }
    }

    private List<String> closures(Code decls, Code c, int times, boolean hotLoop) {
        switch (random.nextInt(4)) {
            case 0 -> {
                // a closure writing two captured variables, called from a loop with ints and then floats
                String count = fresh("cnt");
                String total = fresh("tot");
                String bump = fresh("bump");
                String d = fresh("d");
                c.line("var " + count + " = 0;");
                c.line("var " + total + " = " + pickOf("0", "0.0", "100") + ";");
                c.line("var " + bump + " = fn (" + d + ") { " + count + " += 1; " + total + " = " + total + " + " + d + "; return " + count + "; };");
                String i = openLoop(c, times);
                String step = fresh("st");
                int floatsFrom = hotLoop ? HOT_ITERATIONS + random.nextInt(Math.max(1, times - HOT_ITERATIONS)) : random.nextInt(times + 5);
                c.line("var " + step + " = " + i + " % 7;");
                c.line("if (" + i + " >= " + floatsFrom + ") " + step + " = " + i + " * 0.25;");
                if (chance(0.4)) {
                    c.line("if (" + condition(List.of(count, i), i, true) + ") continue;");
                }
                c.line("var " + fresh("got") + " = " + bump + "(" + step + ");");
                if (chance(0.3)) {
                    c.line("if (" + count + " > " + fuseAt(times, hotLoop) + ") break;");
                }
                c.close("}");
                return List.of(count, total);
            }
            case 1 -> {
                // closures made in a loop over a variable of the iteration that the loop writes after
                String fns = fresh("fns");
                String local = fresh("loc");
                String k = fresh("k");
                String s = fresh("sum");
                int made = 1 + random.nextInt(30);
                c.line("var " + fns + " = [];");
                String i = openLoop(c, made);
                c.line("var " + local + " = " + i + " * " + numberLiteral(true) + ";");
                c.line(fns + ".push(fn (" + k + ") { " + local + " = " + local + " + " + k + "; return " + local + " * 2; });");
                c.line("if (" + condition(List.of(local, i), i, true) + ") " + local + " = " + local + " + 0.5;");
                c.close("}");
                c.line("var " + s + " = 0;");
                String j = openLoop(c, times);
                c.line(s + " = (" + s + " + " + fns + "[" + j + " % len(" + fns + ")](" + j + " % 3)) % 1000003;");
                c.close("}");
                return List.of("len(" + fns + ")", s, fns + "[0](0)");
            }
            case 2 -> {
                // two counters from one factory, one stepped with ints, the other with floats and, once, a bool
                String make = fresh("make");
                decls.line("fn " + make + "(start) { var n = start; return fn (step) { n = n + step; return n; }; }");
                String p = fresh("p");
                String q = fresh("q");
                String v = fresh("v");
                c.line("var " + p + " = " + make + "(0);");
                c.line("var " + q + " = " + make + "(" + floatLiteral() + ");");
                c.line("var " + v + " = 0;");
                String i = openLoop(c, times);
                c.line(v + " = " + p + "(1) + " + q + "(" + i + " % 3);");
                if (chance(0.4)) {
                    c.line("if (" + i + " == " + fuseAt(times, hotLoop) + ") " + v + " = " + q + "(true);");
                }
                c.close("}");
                return List.of(v, p + "(0)", q + "(0)");
            }
            default -> {
                // the loop writes a variable that a closure reads, and the closure writes one the loop reads
                String total = fresh("tot");
                String seen = fresh("seen");
                String get = fresh("get");
                String odd = fresh("odd");
                c.line("var " + total + " = 0;");
                c.line("var " + seen + " = 0;");
                c.line("var " + odd + " = 0;");
                c.line("var " + get + " = fn () { " + seen + " += 1; return " + total + "; };");
                String i = openLoop(c, times);
                c.line(total + " += " + pickOf(i, i + " * 0.5", i + " % 5") + ";");
                c.line("if (" + get + "() != " + total + ") " + odd + " += 1;");
                c.line("if (" + seen + " % " + (2 + random.nextInt(9)) + " == 0) " + total + " = " + total + " / 2;");
                c.close("}");
                return List.of(total, seen, odd);
            }
        }
    }

    private List<String> errorsInLoop(Code decls, Code c, int times, boolean hotLoop) {
        String kind = pickOf(USER_KINDS);
        String check = fresh("chk");
        int period = 3 + random.nextInt(hotLoop ? 2000 : 20);
        int zeroPeriod = 5 + random.nextInt(hotLoop ? 5000 : 40);
        decls.open("fn " + check + "(x) {");
        decls.line("if (x % " + period + " == " + random.nextInt(period) + ") return err(" + kind + "(\"x={x}\"));");
        decls.line("if (x % " + zeroPeriod + " == " + random.nextInt(zeroPeriod) + ") return x / (x - x);");
        decls.line("return x * " + pickOf("2", "3", "0.5", "1000") + " + 1;");
        decls.close("}");
        String callee = check;
        switch (random.nextInt(3)) {
            case 0 -> {
                callee = fresh("mid");
                decls.line("fn " + callee + "(x) { return " + check + "(x) + 1; }");
            }
            case 1 -> {
                callee = fresh("guard");
                String e = fresh("e");
                decls.open("fn " + callee + "(x) {");
                decls.open("attempt {");
                decls.line("return " + check + "(x);");
                decls.close("} handle " + kind + "(" + e + ") {");
                decls.indent++;
                decls.line("return -1;");
                decls.close("}");
                decls.close("}");
            }
            default -> { }
        }
        String ok = fresh("ok");
        String bad = fresh("bad");
        String last = fresh("last");
        String x = fresh("x");
        c.line("var " + ok + " = 0;");
        c.line("var " + bad + " = 0;");
        c.line("var " + last + " = \"\";");
        String i = openLoop(c, times);
        int floatsFrom = hotLoop ? HOT_ITERATIONS + random.nextInt(Math.max(1, times - HOT_ITERATIONS)) : random.nextInt(times + 5);
        c.line("var " + x + " = " + i + ";");
        c.line("if (" + i + " >= " + floatsFrom + ") " + x + " = " + i + " + 0.5;");
        String e = fresh("e");
        switch (random.nextInt(4)) {
            case 0 -> c.line(ok + " += " + callee + "(" + x + ") ?else " + pickOf("-1", "0.5", "0") + ";");
            case 1 -> c.line(ok + " += " + callee + "(" + x + ") ?else (" + e + ") { " + bad + " += 1; " + last + " = " + e + ".kind; 0; };");
            default -> {
                c.open("attempt {");
                if (chance(0.3)) {
                    c.line("if (" + i + " % " + (3 + random.nextInt(20)) + " == 1) continue;");
                }
                c.line(ok + " += " + callee + "(" + x + ");");
                if (chance(0.3)) {
                    c.line("if (" + i + " == " + fuseAt(times, hotLoop) + ") break;");
                }
                c.close("} handle " + kind + "(" + e + ") {");
                c.indent++;
                if (chance(0.2)) {
                    // re-raised once: the segment's attempt catches it, or it ends the program
                    c.line("if (" + bad + " == " + random.nextInt(5) + ") return err(" + e + ");");
                }
                c.line(bad + " += 1;");
                c.line(last + " = " + e + ".message;");
                c.close("} handle DivisionByZero(" + e + ") {");
                c.indent++;
                c.line(bad + " += 1000;");
                if (chance(0.5)) {
                    c.close("} handle (" + e + ") {");
                    c.indent++;
                    c.line(last + " = " + e + ".kind;");
                }
                c.close("}");
            }
        }
        c.close("}");
        return List.of(ok, bad, last);
    }

    private List<String> collections(Code c, int times, String init, boolean hotLoop) {
        String xs = fresh("xs");
        String d = fresh("d");
        String hits = fresh("hits");
        String key = fresh("key");
        c.line("var " + xs + " = [" + init + ", " + numberLiteral(true) + "];");
        c.line("var " + d + " = {};");
        c.line("var " + hits + " = 0;");
        String i = openLoop(c, times);
        int cap = 3 + random.nextInt(40);
        c.line(xs + ".push(" + pickOf(i, i + " * 0.5", i + " % 7", "-" + i, i + " * 3037000500") + ");");
        c.line("if (len(" + xs + ") > " + cap + ") " + pickOf(xs + " = [" + xs + "[len(" + xs + ") - 1], " + xs + "[0]];",
                xs + ".pop();", xs + " = [];") + "");
        c.line("var " + key + " = " + pickOf("\"k\" + " + i + " % 5", i + " % 7", "\"{" + i + " % 3}\"", "(" + i + " % 4) * 0.5") + ";");
        c.line(d + "[" + key + "] = " + d + ".get(" + key + ", 0) + " + pickOf(xs + "[" + i + " % len(" + xs + ")]", "len(" + xs + ")", "1")
                + (chance(0.3) ? " ?else 0" : "") + ";");
        if (chance(0.4)) {
            c.line(xs + "[" + i + " % len(" + xs + ")] " + pickOf("=", "+=", "-=") + " " + pickOf(xs + "[0] + 1", "0.5", i) + ";");
        }
        if (chance(0.3)) {
            String k = fresh("k");
            String v = fresh("v");
            c.line("iter (" + k + ", " + v + " in " + d + ") " + hits + " += 1;");
        }
        if (chance(0.3)) {
            c.line("if (" + d + ".has(" + pickOf("\"k1\"", "1", "\"2\"") + ")) " + hits + " += 2;");
        }
        if (chance(0.3)) {
            c.line("if (" + xs + ".contains(" + pickOf("1", "3", "0.5") + ")) " + hits + " += 4;");
        }
        if (chance(0.35)) {
            c.line("if (" + i + " == " + fuseAt(times, hotLoop) + ") " + hits + " += " + pickOf(xs + "[len(" + xs + ") + " + random.nextInt(3) + "]",
                    xs + "[-1]", d + "[\"missing\"]", d + ".keys()[" + random.nextInt(9) + "]") + ";");
        }
        if (chance(0.3)) {
            c.line("if (" + i + " % " + (10 + random.nextInt(90)) + " == 0) " + d + " = {};");
        }
        c.close("}");
        return List.of("len(" + xs + ")", xs, d, hits);
    }

    private List<String> strings(Code c, int times, boolean hotLoop) {
        String s = fresh("str");
        String total = fresh("tot");
        String seen = fresh("seen");
        c.line("var " + s + " = " + pickOf("\"\"", "\"x\"", "\"{1.5}\"") + ";");
        c.line("var " + total + " = 0;");
        c.line("var " + seen + " = 0;");
        String i = openLoop(c, times);
        c.line(s + " = " + s + " + " + pickOf(i + " % 10", "\"ab\"", i + " * 0.5", "(" + i + " % 2 == 0)", "nil", "[" + i + " % 3]",
                "\"{" + i + "}-{" + i + " * 0.25}\"", "-" + i) + ";");
        int cap = 10 + random.nextInt(50);
        c.line("if (len(" + s + ") > " + cap + ") { " + total + " += len(" + s + "); " + s + " = "
                + pickOf("\"\"", s + ".upper().replace(\"A\", \"\").trim()", "\"{" + i + "}\"") + "; }");
        if (chance(0.5)) {
            c.line("if (" + s + ".contains(\"" + random.nextInt(10) + "\")) " + seen + " += 1;");
        }
        if (chance(0.5)) {
            c.line("if (" + s + " " + pickOf("<", ">=", "==") + " \"" + random.nextInt(10) + "\") " + seen + " += 2;");
        }
        if (chance(0.3)) {
            c.line(total + " += len(\"{" + i + "}:{" + s + ".len()}\") + len(" + s + ".split(\"" + random.nextInt(10) + "\"));");
        }
        if (chance(0.2)) {
            c.line("if (" + i + " == " + fuseAt(times, hotLoop) + ") " + s + " = " + s + " + 1 - 1;");
        }
        c.close("}");
        return List.of(s, total, seen);
    }

    /** Three loops of mixed kinds, {@code times} iterations of the innermost in all, with break and continue at each level. */
    private List<String> nestedLoops(Code c, int times, String init) {
        String hits = fresh("hits");
        String skips = fresh("skips");
        c.line("var " + hits + " = " + init + ";");
        c.line("var " + skips + " = 0;");
        int innermost = 2 + random.nextInt(10);
        int middle = 2 + random.nextInt(10);
        int outer = Math.max(1, times / (innermost * middle));
        String i = openLoop(c, outer);
        if (chance(0.5)) {
            c.line("if (" + i + " % " + (2 + random.nextInt(9)) + " == 0) continue;");
        }
        String j = openLoop(c, middle);
        c.line("if ((" + i + " + " + j + ") % " + (2 + random.nextInt(7)) + " == 0) { " + skips + " += 1; continue; }");
        if (chance(0.5)) {
            c.line("if (" + j + " > " + random.nextInt(middle + 1) + ") break;");
        }
        String k = openLoop(c, innermost);
        c.line("if (" + k + " " + pickOf(">", "==") + " " + random.nextInt(innermost + 1) + ") " + pickOf("break;", "continue;"));
        c.line(hits + " = " + paren(number(1, List.of(hits, i, j, k), true)) + " % 100003;");
        c.close("}");
        c.close("}");
        c.close("}");
        return List.of(hits, skips);
    }

    // ------------------------------------------------------------------ loops and expressions

    /** Opens a loop that runs {@code times} times, of one of the loop kinds; returns its counter. */
    private String openLoop(Code c, int times) {
        String i = fresh("i");
        switch (random.nextInt(5)) {
            case 0, 1 -> c.open("iter (" + i + " in 0..<" + times + ") {");
            case 2 -> c.open("iter (" + i + " in 1.." + times + ") {");
            case 3 -> c.open("for (var " + i + " = 0; " + i + " < " + times + "; " + i + " += 1) {");
            default -> {
                c.line("var " + i + " = 0;");
                c.open("while (" + i + " < " + times + ") {");
                // the counter moves first, so a continue cannot skip it
                c.line(i + " += 1;");
            }
        }
        return i;
    }

    /**
     * A number over {@code leaves}: ints and floats mixed. When {@code safe} it has no big
     * literal, no power and no divisor that can be 0, so a loop of it runs to its end.
     */
    private String number(int depth, List<String> leaves, boolean safe) {
        if (depth == 0 || chance(0.3)) {
            return !leaves.isEmpty() && chance(0.65) ? pickOf(leaves.toArray(new String[0])) : numberLiteral(safe);
        }
        return switch (random.nextInt(13)) {
            case 0, 1, 2 -> paren(number(depth - 1, leaves, safe)) + " + " + paren(number(depth - 1, leaves, safe));
            case 3, 4 -> paren(number(depth - 1, leaves, safe)) + " - " + paren(number(depth - 1, leaves, safe));
            case 5, 6 -> paren(number(depth - 1, leaves, safe)) + " * " + paren(number(depth - 1, leaves, safe));
            case 7, 8 -> paren(number(depth - 1, leaves, safe)) + " " + pickOf("/", "%") + " "
                    + (safe ? pickOf("3", "7", "2.0", "0.5", "16") : paren(number(depth - 1, leaves, false)));
            case 9 -> "-" + paren(number(depth - 1, leaves, safe));
            case 10 -> pickOf("abs", "float", "floor") + "(" + number(depth - 1, leaves, safe) + ")";
            case 11 -> pickOf("min", "max") + "(" + number(depth - 1, leaves, safe) + ", " + number(depth - 1, leaves, safe) + ")";
            default -> safe ? "int(" + number(depth - 1, leaves, true) + ")" : paren(number(depth - 1, leaves, false)) + " ** " + pickOf("2", "3", "0.5", "-1");
        };
    }

    /** A bool that is true some of the time: periodic in {@code i}, or a comparison that mixes ints and floats. */
    private String condition(List<String> leaves, String i, boolean safe) {
        return switch (random.nextInt(10)) {
            case 0, 1, 2, 3 -> i + " % " + (2 + random.nextInt(12)) + " " + pickOf("==", "<", "!=") + " " + random.nextInt(3);
            case 4 -> "(" + condition(leaves, i, safe) + ") " + pickOf("and", "or", "&&", "||") + " (" + condition(leaves, i, safe) + ")";
            case 5 -> "!(" + condition(leaves, i, safe) + ")";
            default -> number(1, leaves, safe) + " " + pickOf("<", "<=", ">", ">=", "==", "!=") + " " + number(1, leaves, safe);
        };
    }

    private String numberLiteral(boolean safe) {
        int roll = random.nextInt(20);
        if (roll < 11) {
            return intLiteral();
        }
        return roll < 18 || safe ? floatLiteral() : pickOf(BIG);
    }

    private String intLiteral() {
        int roll = random.nextInt(10);
        return roll < 6 ? Integer.toString(random.nextInt(10)) : roll < 9 ? Integer.toString(10 + random.nextInt(990))
                : Integer.toString(-1 - random.nextInt(9));
    }

    private String floatLiteral() {
        return pickOf(FLOATS);
    }

    /** Every composition is parenthesised unless it is a name or a literal without a sign. */
    private static String paren(String expr) {
        return expr.matches("[A-Za-z_][A-Za-z0-9_]*|[0-9][0-9.e]*") ? expr : "(" + expr + ")";
    }

    // ------------------------------------------------------------------ output

    /** Lines of code at an indentation, spliced into others. */
    private static final class Code {
        private final StringBuilder text = new StringBuilder();
        int indent;

        void line(String s) {
            text.append("    ".repeat(indent)).append(s).append('\n');
        }

        void open(String s) {
            line(s);
            indent++;
        }

        void close(String s) {
            indent--;
            line(s);
        }

        /** Appends {@code other}'s lines at this code's indentation. */
        void append(Code other) {
            other.text().lines().forEach(this::line);
        }

        String text() {
            return text.toString();
        }
    }

    private String fresh(String prefix) {
        return prefix + (++names);
    }

    private boolean chance(double p) {
        return Choices.chance(random, p);
    }

    @SafeVarargs
    private <T> T pickOf(T... options) {
        return Choices.pickOf(random, options);
    }
}
