package dev.limn.conformance;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Writes random Limn programs over the whole language: every operator on every kind of value,
 * declarations and (compound) assignment, if/elif/else, while, for and iter, functions with
 * defaults and linear recursion, closures, attempt/handle, {@code ?else} and
 * {@code err(Kind("msg"))}, concurrent blocks with task families, single tasks and workers and
 * every block parameter, parallel loops, channels, atomics, async functions with
 * {@code await}/{@code all}/{@code any}/{@code with_timeout}, and timeouts.
 *
 * <p>The programs are not meant to be correct: operands are sometimes of the wrong type and
 * many operations fail at run time (most top-level statements are wrapped in
 * {@code attempt} so the program goes on after a failure). They are meant to be <em>legal</em>
 * and <em>bounded</em>:
 * <ul>
 *   <li>Legal: the generator follows the compile-time rules (names are declared before use,
 *       {@code break} only in loops, {@code return} only where allowed, {@code task} and
 *       {@code worker} only in block bodies, shared writes from concurrent code only in the
 *       forms of SPEC §6.1, named functions never write a variable declared outside them), so
 *       most programs compile. A few statements break a rule on purpose
 *       ({@link #compileError}), so compile errors are exercised too.</li>
 *   <li>Bounded: every loop has a small literal bound or a guard counter, recursion is linear,
 *       sleeps and timeouts are a few milliseconds, the work a statement may cause (loop
 *       iterations times calls times tasks) is budgeted ({@link #WORK_LIMIT}), and a value
 *       that is stored (assigned, pushed, sent, returned) is built from literals only where
 *       it could be a string or a collection, so nothing doubles in a loop. A program that
 *       runs for seconds therefore hangs.</li>
 * </ul>
 *
 * <p>Generation is prefix-stable: the program for {@code (seed, n)} is the first {@code n}
 * top-level statements of the program for {@code (seed, n + 1)}, because statements are
 * drawn one after another from one {@link Random} and {@code n} is never consulted while
 * drawing. A failing program is shrunk by running its shorter prefixes.
 */
final class WholeLanguageGenerator {
    /** One generated program and the number of carriers to run it on. */
    record Program(int cores, String text) {}

    /** What a variable was made to hold; the generator mostly uses it that way. */
    private enum Kind { INT, FLOAT, STR, BOOL, NIL, LIST, DICT, RANGE, DURATION, CHANNEL, ATOMIC, FN, FUTURE, ERROR, ANY }

    /** The kinds an expression can be asked for (ATOMIC is a declaration, not a value). */
    private static final Kind[] VALUE_KINDS = {Kind.INT, Kind.FLOAT, Kind.STR, Kind.BOOL, Kind.NIL, Kind.LIST,
            Kind.DICT, Kind.RANGE, Kind.DURATION, Kind.CHANNEL, Kind.FN, Kind.ERROR};

    /**
     * {@code unitLevel} and {@code fnLevel} are those of the code that declared it: a write from
     * deeper concurrent code or from a function body is a shared write (SPEC §6.1, §11).
     */
    private record Var(String name, Kind kind, int unitLevel, int fnLevel, boolean writable) {}

    /**
     * A callable name: a named function, an async function or a variable holding a closure.
     * {@code cost} is the most work one call may cause, in {@link #WORK_LIMIT} units.
     */
    private record Fn(String name, int minArgs, int maxArgs, boolean async, int cost) {}

    /**
     * Where a statement is generated. {@code weight} is how many times it may run (the
     * product of the enclosing loop bounds, task counts and call costs).
     */
    private record Ctx(int depth, int unitLevel, int fnLevel, boolean anonFn, boolean inLoop, boolean mayReturn,
                       boolean mainLevel, int weight) {
        static Ctx main() {
            return new Ctx(0, 0, 0, false, false, false, true, 1);
        }

        Ctx nested() {
            return new Ctx(depth + 1, unitLevel, fnLevel, anonFn, inLoop, mayReturn, mainLevel, weight);
        }

        Ctx loop(int times) {
            return new Ctx(depth + 1, unitLevel, fnLevel, anonFn, true, mayReturn, mainLevel, weight * times);
        }

        /** The body of a task, a worker, a parallel iteration: concurrent code. */
        Ctx unit(int times) {
            return new Ctx(depth + 1, unitLevel + 1, fnLevel, anonFn, false, true, false, weight * times);
        }

        Ctx function(boolean anon, boolean async) {
            return new Ctx(depth + 1, unitLevel + (async ? 1 : 0), fnLevel + 1, anon, false, true, false, 1);
        }

        /** Ordinary statements of a block body: they run on the task that runs the block. */
        Ctx blockBody() {
            return new Ctx(depth + 1, unitLevel, fnLevel, anonFn, false, false, false, weight);
        }
    }

    /**
     * The most work one top-level statement may cause, counted in loop iterations, task
     * starts and calls; a sleep counts {@link #SLEEP_COST}, a block with a timeout
     * {@link #TIMEOUT_COST}. It keeps a program well under a second.
     */
    static final int WORK_LIMIT = 2_000;
    private static final int SLEEP_COST = 40;
    private static final int TIMEOUT_COST = 1_000;
    private static final int MAX_DEPTH = 3;

    private static final int STORING = 1;
    private static final int CALL_FREE = 2;
    private static final int INTERPOLATED = 4;

    private static final String[] STRINGS = {"", "a", "hello", "x y", "42", " 7 ", "1_000", "3.5", "abc", "1,2,3",
            "tab\there", "quote\"d", "back\\slash", "line\nbreak", "brace {x}", "emoji \uD83D\uDE00", "  pad  ", "ABC"};
    private static final String[] USER_KINDS = {"Boom", "NotFound", "Bad"};
    private static final String[] RUNTIME_KINDS = {"Error", "DivisionByZero", "Overflow", "IndexOutOfBounds",
            "KeyNotFound", "TypeMismatch", "ArityMismatch", "AssertionFailed", "StackOverflow", "ChannelClosed",
            "Cancelled", "Timeout", "Deadlock", "SharedWrite", "TaskFailed"};

    private final Random random;
    private final StringBuilder out = new StringBuilder();
    private final Deque<List<Var>> vars = new ArrayDeque<>();
    private final Deque<List<Fn>> fns = new ArrayDeque<>();
    private int indent;
    private int names;
    /** The most work seen since the innermost function body began, to price that function. */
    private int costProbe;

    private WholeLanguageGenerator(long seed) {
        random = new Random(seed);
        vars.push(new ArrayList<>());
        fns.push(new ArrayList<>());
    }

    /** The program of {@code statements} top-level statements drawn from {@code seed}. */
    static Program generate(long seed, int statements) {
        WholeLanguageGenerator g = new WholeLanguageGenerator(seed);
        int cores = new int[] {1, 2, 4}[g.random.nextInt(3)];
        for (int i = 0; i < statements; i++) {
            g.topLevelStatement();
        }
        return new Program(cores, g.out.toString());
    }

    // ------------------------------------------------------------------ statements

    private void topLevelStatement() {
        Ctx c = Ctx.main();
        int kind = chooseStatement(c);
        // a failure inside attempt lets the program go on; declarations stay outside, so what
        // they declare stays visible to later statements
        boolean wrap = !declares(kind) && chance(0.85);
        if (!wrap) {
            statement(c, kind);
            return;
        }
        String e = fresh("e");
        open("attempt {");
        enterScope();
        statement(c.nested(), kind);
        exitScope();
        close("} handle (" + e + ") {");
        indent++;
        line("print(\"caught\", " + e + ".kind);");
        close("}");
    }

    private static final int VAR = 0, ASSIGN = 1, PRINT = 2, EXPR_STMT = 3, IF = 4, WHILE = 5, FOR = 6, ITER = 7,
            FN_DECL = 8, CLOSURE = 9, ATTEMPT = 10, OR_ELSE = 11, CONCURRENT = 12, PARALLEL = 13, ASYNC = 14,
            CELL = 15, RAISE = 16, BREAK = 17, SLEEP = 18, RETURN = 19, COMPILE_ERROR = 20;

    private static boolean declares(int kind) {
        return kind == VAR || kind == FN_DECL || kind == CLOSURE || kind == CELL;
    }

    private int chooseStatement(Ctx c) {
        boolean compound = c.depth < MAX_DEPTH;
        int[] weights = new int[21];
        weights[VAR] = 14;
        weights[ASSIGN] = 9;
        weights[PRINT] = 8;
        weights[EXPR_STMT] = 9;
        weights[IF] = compound ? 6 : 0;
        weights[WHILE] = compound ? 3 : 0;
        weights[FOR] = compound ? 3 : 0;
        weights[ITER] = compound ? 5 : 0;
        weights[FN_DECL] = compound && c.depth < 2 ? 5 : 0;
        weights[CLOSURE] = compound ? 3 : 0;
        weights[ATTEMPT] = compound ? 5 : 0;
        weights[OR_ELSE] = 4;
        weights[CONCURRENT] = compound && c.depth < 2 ? 8 : 0;
        weights[PARALLEL] = compound && c.depth < 2 ? 3 : 0;
        weights[ASYNC] = c.depth < 2 ? 4 : 0;
        weights[CELL] = 4;
        weights[RAISE] = c.mayReturn || c.mainLevel ? 1 : 0;
        weights[BREAK] = c.inLoop ? 3 : 0;
        weights[SLEEP] = 1;
        weights[RETURN] = c.mayReturn ? 2 : 0;
        // about one program in fifteen breaks a compile-time rule on purpose
        weights[COMPILE_ERROR] = random.nextInt(12) == 0 ? 1 : 0;
        return pick(weights);
    }

    private void statement(Ctx c, int kind) {
        switch (kind) {
            case VAR -> varDecl(c);
            case ASSIGN -> assign(c);
            case PRINT -> print(c);
            case EXPR_STMT -> exprStatement(c);
            case IF -> ifStatement(c);
            case WHILE -> whileLoop(c);
            case FOR -> forLoop(c);
            case ITER -> iterLoop(c);
            case FN_DECL -> fnDecl(c);
            case CLOSURE -> closureDecl(c);
            case ATTEMPT -> attempt(c);
            case OR_ELSE -> orElse(c);
            case CONCURRENT -> concurrentBlock(c);
            case PARALLEL -> parallelBlock(c);
            case ASYNC -> asyncUse(c);
            case CELL -> cellDecl(c);
            case RAISE -> line("return " + errValue(c) + ";");
            case BREAK -> line(chance(0.7) ? "if (" + expr(Kind.BOOL, 1, c, 0) + ") " + (chance(0.5) ? "break;" : "continue;")
                    : chance(0.5) ? "break;" : "continue;");
            case SLEEP -> sleep(c);
            case RETURN -> line(chance(0.2) ? "return;" : "return " + expr(Kind.ANY, 2, c, STORING) + ";");
            case COMPILE_ERROR -> compileError(c);
            default -> throw new IllegalStateException("statement kind " + kind);
        }
    }

    private void statements(Ctx c, int min, int max) {
        int n = min + random.nextInt(max - min + 1);
        for (int i = 0; i < n; i++) {
            statement(c, chooseStatement(c));
        }
    }

    /** A braced body in a scope of its own. */
    private void body(Ctx c, int min, int max) {
        enterScope();
        statements(c, min, max);
        exitScope();
    }

    private void enterScope() {
        vars.push(new ArrayList<>());
        fns.push(new ArrayList<>());
    }

    private void exitScope() {
        fns.pop();
        vars.pop();
    }

    private void varDecl(Ctx c) {
        Kind kind = pickOf(Kind.INT, Kind.INT, Kind.INT, Kind.FLOAT, Kind.STR, Kind.STR, Kind.BOOL, Kind.LIST, Kind.LIST,
                Kind.DICT, Kind.RANGE, Kind.DURATION, Kind.NIL, Kind.FN, Kind.ERROR);
        String name = fresh("v");
        if (chance(0.05)) {
            line("var " + name + (chance(0.5) ? ": " + typeName(kind) : "") + ";");
            declare(new Var(name, Kind.ANY, c.unitLevel, c.fnLevel, true));
            return;
        }
        String init = expr(kind, 3, c, STORING);
        if (c.mainLevel && chance(0.8)) {
            // a declaration is not wrapped in attempt (what it declares must stay visible):
            // a fallback keeps most of them from ending the program
            init = paren(init) + " ?else " + notABlock(literal(kind));
        }
        // an annotation usually matches; when it does not, the declaration raises TypeMismatch
        String annotation = chance(0.12) ? ": " + typeName(chance(0.8) ? kind : pickOf(VALUE_KINDS)) : "";
        line("var " + name + annotation + " = " + init + ";");
        declare(new Var(name, kind, c.unitLevel, c.fnLevel, true));
    }

    private static String typeName(Kind kind) {
        return switch (kind) {
            case INT -> "int";
            case FLOAT -> "float";
            case STR -> "str";
            case BOOL -> "bool";
            case LIST -> "[int]";
            case DICT -> "{str: int}";
            case CHANNEL -> "channel";
            default -> "any";
        };
    }

    private void cellDecl(Ctx c) {
        if (chance(0.55)) {
            String name = fresh("a");
            String init = chance(0.15) ? "" : " = " + (chance(0.05) ? "\"x\"" : pickOf("0", "0", "0", "5", "0.0", "1.5", "9223372036854775807"));
            line("var " + name + ": atomic" + init + ";");
            declare(new Var(name, Kind.ATOMIC, c.unitLevel, c.fnLevel, true));
        } else {
            String name = fresh("c");
            String capacity = chance(0.05) ? pickOf("0", "-1", "\"two\"") : pickOf("", "", "1", "2", "3", "4");
            line("var " + name + " = channel(" + capacity + ");");
            declare(new Var(name, Kind.CHANNEL, c.unitLevel, c.fnLevel, true));
        }
    }

    /**
     * An assignment the compiler accepts: a plain write of a variable declared outside the
     * current function only to an atomic (or, from a closure, as {@code +=}, which may raise
     * SharedWrite at run time); from concurrent code, an enclosing variable only as
     * {@code += -= *=} or {@code = E} with E free of calls (SPEC §6.1).
     */
    private void assign(Ctx c) {
        if (chance(0.25)) {
            indexAssign(c);
            return;
        }
        Var v = pickVar(x -> x.writable && x.kind != Kind.CHANNEL);
        if (v == null) {
            print(c);
            return;
        }
        boolean outsideFunction = v.fnLevel < c.fnLevel;
        boolean shared = v.unitLevel < c.unitLevel;
        Kind kind = v.kind == Kind.ATOMIC ? Kind.INT : v.kind;
        if (v.kind == Kind.ATOMIC) {
            String op = pickOf("+=", "-=", "*=", "=");
            line(v.name + " " + op + " " + expr(Kind.INT, 2, c, STORING) + ";");
        } else if (outsideFunction) {
            // only a closure written in top-level code (or a task there) writing top-level
            // variables: the compiler cannot see through it, so a call from another task
            // raises SharedWrite at run time instead
            if (c.anonFn && c.fnLevel == 1 && v.fnLevel == 0) {
                line(v.name + " += " + expr(kind, 1, c, STORING) + ";");
            } else {
                print(c);
            }
        } else if (shared) {
            if (chance(0.7)) {
                line(v.name + " " + pickOf("+=", "-=", "*=") + " " + expr(kind, 2, c, STORING) + ";");
            } else {
                line(v.name + " = " + expr(kind, 2, c, STORING | CALL_FREE) + ";");
            }
        } else {
            String op = pickOf("=", "=", "=", "+=", "-=", "*=", "/=", "%=");
            line(v.name + " " + op + " " + expr(kind, 2, c, STORING) + ";");
        }
    }

    /** {@code xs[i] = e} and {@code d[k] op= e}: collection writes, allowed from anywhere (SPEC §6.1). */
    private void indexAssign(Ctx c) {
        Var v = pickVar(x -> x.kind == Kind.LIST || x.kind == Kind.DICT);
        if (v == null) {
            print(c);
            return;
        }
        String key = v.kind == Kind.LIST ? expr(Kind.INT, 1, c, 0) : pickOf("\"a\"", "\"b\"", "\"k\"", "1", "2.0");
        String op = pickOf("=", "=", "+=", "-=", "*=");
        line(v.name + "[" + key + "] " + op + " " + expr(Kind.ANY, 1, c, STORING) + ";");
    }

    private void print(Ctx c) {
        int n = random.nextInt(4);
        List<String> args = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            args.add(expr(Kind.ANY, 3, c, 0));
        }
        line("print(" + String.join(", ", args) + ");");
    }

    private void exprStatement(Ctx c) {
        switch (random.nextInt(9)) {
            case 0, 1 -> {
                Var v = pickVar(x -> x.kind == Kind.LIST);
                if (v == null) {
                    line("[1, 2].push(" + expr(Kind.ANY, 1, c, STORING) + ");");
                    return;
                }
                line(v.name + "." + pickOf("push(" + expr(Kind.ANY, 2, c, STORING) + ")", "pop()",
                        "insert(" + expr(Kind.INT, 1, c, 0) + ", " + expr(Kind.ANY, 1, c, STORING) + ")",
                        "remove(" + expr(Kind.INT, 1, c, 0) + ")", "sort()", "contains(1)", "len()",
                        "join(" + expr(Kind.STR, 1, c, 0) + ")") + ";");
            }
            case 2 -> {
                Var v = pickVar(x -> x.kind == Kind.DICT);
                if (v == null) {
                    print(c);
                    return;
                }
                line(v.name + "." + pickOf("remove(\"a\")", "get(\"b\", 0)", "has(\"a\")", "keys()", "values()", "len()") + ";");
            }
            case 3 -> {
                Var v = pickVar(x -> x.kind == Kind.CHANNEL);
                if (v == null) {
                    cellDecl(c);
                    return;
                }
                line(v.name + "." + pickOf("send(" + expr(Kind.ANY, 1, c, STORING) + ")", "send(1)", "close()",
                        "try_recv()", "len()", "is_closed()", "recv()") + ";");
            }
            case 4 -> {
                Var v = pickVar(x -> x.kind == Kind.ATOMIC);
                if (v == null) {
                    cellDecl(c);
                    return;
                }
                line(v.name + "." + pickOf("add(" + expr(Kind.INT, 1, c, 0) + ")", "store(" + expr(Kind.INT, 1, c, 0) + ")",
                        "swap(3)", "cas(0, 1)", "load()") + ";");
            }
            case 5, 6 -> {
                String call = call(c, 0);
                line((call == null ? notABlock(expr(Kind.ANY, 2, c, 0)) : call) + ";");
            }
            case 7 -> line("assert(" + expr(Kind.BOOL, 2, c, 0) + (chance(0.5) ? ", " + stringLiteral() : "") + ");");
            default -> {
                // a statement that starts with '{' or 'fn' would be read as a block or a declaration
                line(notABlock(expr(Kind.ANY, 2, c, 0)) + ";");
            }
        }
    }

    private void ifStatement(Ctx c) {
        Ctx inner = c.nested();
        if (chance(0.15)) {
            // a single-statement body without braces
            // only statements that are one line and declare nothing outside themselves
            line("if (" + expr(Kind.BOOL, 2, c, 0) + ")");
            indent++;
            enterScope();
            int kind = pickOf(PRINT, PRINT, ASSIGN, EXPR_STMT);
            statement(inner, c.inLoop && chance(0.2) ? BREAK : kind);
            exitScope();
            indent--;
            return;
        }
        open("if (" + expr(Kind.BOOL, 2, c, 0) + ") {");
        body(inner, 1, 3);
        int elifs = random.nextInt(3);
        for (int i = 0; i < elifs; i++) {
            close("} elif (" + expr(Kind.BOOL, 2, c, 0) + ") {");
            indent++;
            body(inner, 1, 2);
        }
        if (chance(0.5)) {
            close("} else {");
            indent++;
            body(inner, 1, 2);
        }
        close("}");
    }

    private void whileLoop(Ctx c) {
        int times = 1 + random.nextInt(5);
        if (!affordable(c, times)) {
            print(c);
            return;
        }
        String counter = fresh("w");
        line("var " + counter + " = 0;");
        declare(new Var(counter, Kind.INT, c.unitLevel, c.fnLevel, false));
        // in parentheses whatever its shape: "w < 3 and x || true" would never end
        String extra = chance(0.25) ? " and (" + expr(Kind.BOOL, 1, c, 0) + ")" : "";
        open("while (" + counter + " < " + times + extra + ") {");
        // the counter moves first, so a continue in the body cannot skip it
        line(counter + " += 1;");
        body(c.loop(times), 1, 3);
        close("}");
    }

    private void forLoop(Ctx c) {
        int times = 1 + random.nextInt(5);
        if (!affordable(c, times)) {
            print(c);
            return;
        }
        String i = fresh("i");
        open("for (var " + i + " = 0; " + i + " < " + times + "; " + i + " += 1) {");
        vars.push(new ArrayList<>());
        declare(new Var(i, Kind.INT, c.unitLevel, c.fnLevel, false));
        body(c.loop(times), 1, 3);
        vars.pop();
        close("}");
    }

    /**
     * iter over a literal (its size is the bound) or over anything else with a guard counter
     * that breaks after {@link #GUARDED_ITERATIONS} items, so a huge range or a long list
     * cannot make the loop long.
     */
    private static final int GUARDED_ITERATIONS = 6;

    private void iterLoop(Ctx c) {
        String source;
        int times;
        boolean guarded = false;
        Kind item = Kind.ANY;
        switch (random.nextInt(7)) {
            case 0, 1 -> {
                int from = random.nextInt(4) - 1;
                times = random.nextInt(6);
                boolean inclusive = chance(0.5);
                source = from + (inclusive ? ".." + (from + times - 1) : "..<" + (from + times));
                item = Kind.INT;
            }
            case 2 -> {
                source = pickOf("[1, 2, 3]", "[\"a\", \"b\"]", "[]", "[1, \"x\", nil, 2.5]", "[[1], [2, 3]]");
                times = 4;
            }
            case 3 -> {
                source = pickOf("{\"a\": 1, \"b\": 2}", "{}", "{1: \"one\", \"two\": 2}");
                times = 2;
            }
            case 4 -> {
                source = pickOf("\"abc\"", "\"\"", "\"h\u00e9\"", "\"a\uD83D\uDE00b\"");
                times = 4;
            }
            default -> {
                Var v = pickVar(x -> x.kind == Kind.LIST || x.kind == Kind.DICT || x.kind == Kind.STR
                        || x.kind == Kind.RANGE || x.kind == Kind.CHANNEL);
                source = v != null && chance(0.85) ? v.name : expr(Kind.ANY, 1, c, 0);
                times = GUARDED_ITERATIONS;
                guarded = true;
            }
        }
        if (!affordable(c, Math.max(times, 1))) {
            print(c);
            return;
        }
        String guard = null;
        if (guarded) {
            guard = fresh("g");
            line("var " + guard + " = 0;");
            declare(new Var(guard, Kind.INT, c.unitLevel, c.fnLevel, false));
        }
        String x = fresh("x");
        String index = chance(0.3) ? fresh("k") : null;
        open("iter (" + (chance(0.2) ? "var " : "") + (index != null ? index + ", " : "") + x + " in " + source + ") {");
        vars.push(new ArrayList<>());
        if (index != null) {
            declare(new Var(index, Kind.ANY, c.unitLevel, c.fnLevel, false));
        }
        declare(new Var(x, index != null ? Kind.ANY : item, c.unitLevel, c.fnLevel, false));
        if (guard != null) {
            line(guard + " += 1;");
            line("if (" + guard + " > " + GUARDED_ITERATIONS + ") break;");
        }
        body(c.loop(Math.max(times, 1)), 1, 3);
        vars.pop();
        close("}");
    }

    private void fnDecl(Ctx c) {
        if (chance(0.25)) {
            recursiveFn(c);
            return;
        }
        boolean async = chance(0.2);
        String name = fresh(async ? "af" : "f");
        int params = random.nextInt(4);
        int required = random.nextInt(params + 1);
        Ctx inner = c.function(false, async);
        int savedProbe = costProbe;
        costProbe = 1;
        vars.push(new ArrayList<>());
        fns.push(new ArrayList<>());
        List<String> declared = new ArrayList<>();
        for (int i = 0; i < params; i++) {
            String p = fresh("p");
            String annotation = chance(0.1) ? ": " + pickOf("int", "any", "str", "float") : "";
            // defaults are evaluated in the callee and may use the earlier parameters
            String dflt = i >= required ? " = " + expr(Kind.INT, 1, inner, STORING) : "";
            declared.add(p + annotation + dflt);
            declare(new Var(p, Kind.ANY, inner.unitLevel, inner.fnLevel, true));
        }
        String returnType = chance(0.1) ? ": " + pickOf("int", "any", "str") : "";
        open((async ? "async fn " : "fn ") + name + "(" + String.join(", ", declared) + ")" + returnType + " {");
        if (async && chance(0.5)) {
            line("sleep(1ms);");
            costProbe = Math.max(costProbe, SLEEP_COST);
        }
        statements(inner, 0, 3);
        if (chance(0.2)) {
            line("if (" + expr(Kind.BOOL, 1, inner, 0) + ") { return " + errValue(inner) + "; }");
        }
        line("return " + expr(Kind.ANY, 2, inner, STORING) + ";");
        close("}");
        fns.pop();
        vars.pop();
        // declaring costs nothing; each call is priced with the cost found here
        int cost = costProbe;
        costProbe = savedProbe;
        fns.peek().add(new Fn(name, required, params, async, cost));
    }

    /** Linear recursion: one call per level, so a large argument is a StackOverflow, never a long run. */
    private void recursiveFn(Ctx c) {
        if (chance(0.3)) {
            String even = fresh("even");
            String odd = fresh("odd");
            // mutual recursion: even calls odd above its declaration (functions are hoisted)
            line("fn " + even + "(n) { if (n <= 0) { return true; } return " + odd + "(n - 1); }");
            line("fn " + odd + "(n) { if (n <= 0) { return false; } return " + even + "(n - 1); }");
            fns.peek().add(new Fn(even, 1, 1, false, 20));
            fns.peek().add(new Fn(odd, 1, 1, false, 20));
            return;
        }
        String name = fresh("r");
        open("fn " + name + "(n, acc = 0) {");
        line("if (n <= 0) { return acc; }");
        if (chance(0.3)) {
            line("if (n == " + random.nextInt(6) + ") { return err(" + pickOf(USER_KINDS) + "(\"depth {n}\")); }");
        }
        line(chance(0.5) ? "return " + name + "(n - 1, acc + n);" : "return " + name + "(n - 1) + 1;");
        close("}");
        fns.peek().add(new Fn(name, 1, 2, false, 20));
    }

    private void closureDecl(Ctx c) {
        String name = fresh("g");
        int params = random.nextInt(3);
        Ctx inner = c.function(true, false);
        int savedProbe = costProbe;
        costProbe = 1;
        vars.push(new ArrayList<>());
        fns.push(new ArrayList<>());
        List<String> declared = new ArrayList<>();
        for (int i = 0; i < params; i++) {
            String p = fresh("p");
            declared.add(p + (i == params - 1 && chance(0.4) ? " = " + expr(Kind.INT, 1, inner, STORING) : ""));
            declare(new Var(p, Kind.ANY, inner.unitLevel, inner.fnLevel, true));
        }
        if (chance(0.4)) {
            line("var " + name + " = fn (" + String.join(", ", declared) + ") { return " + expr(Kind.ANY, 2, inner, STORING) + "; };");
        } else {
            open("var " + name + " = fn (" + String.join(", ", declared) + ") {");
            statements(inner, 1, 2);
            line("return " + expr(Kind.ANY, 2, inner, STORING) + ";");
            close("};");
        }
        fns.pop();
        vars.pop();
        int cost = costProbe;
        costProbe = savedProbe;
        // not writable: the name stays a closure, so calls through it stay meaningful
        declare(new Var(name, Kind.FN, c.unitLevel, c.fnLevel, false));
        fns.peek().add(new Fn(name, params > 0 && declared.get(params - 1).contains("=") ? params - 1 : params, params, false, cost));
    }

    private void attempt(Ctx c) {
        open("attempt {");
        body(c.nested(), 1, 3);
        int clauses = 1 + random.nextInt(3);
        for (int i = 0; i < clauses; i++) {
            boolean last = i == clauses - 1;
            String e = fresh("e");
            String kind = chance(0.5) ? pickOf(RUNTIME_KINDS) : pickOf(USER_KINDS);
            String head = last && chance(0.6) ? "handle (" + e + ")" : chance(0.3) ? "handle " + kind : "handle " + kind + "(" + e + ")";
            close("} " + head + " {");
            indent++;
            enterScope();
            if (head.contains("(")) {
                declare(new Var(e, Kind.ERROR, c.unitLevel, c.fnLevel, false));
                line("print(\"handled\", " + e + ".kind, " + e + ".message);");
                if ((c.mayReturn || c.mainLevel) && chance(0.1)) {
                    line("return err(" + e + ");");
                }
            }
            if (chance(0.4)) {
                statements(c.nested(), 1, 1);
            }
            exitScope();
        }
        close("}");
    }

    private void orElse(Ctx c) {
        String risky = pickOf("10 / " + expr(Kind.INT, 1, c, 0), expr(Kind.LIST, 1, c, 0) + "[" + expr(Kind.INT, 1, c, 0) + "]",
                "{\"a\": 1}[" + expr(Kind.STR, 1, c, 0) + "]", "int(" + expr(Kind.STR, 1, c, 0) + ")", expr(Kind.ANY, 2, c, 0));
        String call = chance(0.3) ? call(c, 0) : null;
        if (call != null) {
            risky = call;
        }
        String fallback = expr(Kind.ANY, 1, c, STORING);
        String name = fresh("v");
        switch (random.nextInt(3)) {
            case 0 -> line("var " + name + " = " + risky + " ?else " + notABlock(fallback) + ";");
            case 1 -> {
                String e = fresh("e");
                String ret = (c.mayReturn && chance(0.15)) ? " return " + expr(Kind.ANY, 1, c, STORING) + ";" : "";
                line("var " + name + " = " + risky + " ?else (" + e + ") { print(\"fallback\", " + e + ".kind);" + ret + " " + notABlock(fallback) + "; };");
            }
            default -> line("var " + name + " = " + risky + " ?else { " + notABlock(fallback) + "; };");
        }
        declare(new Var(name, Kind.ANY, c.unitLevel, c.fnLevel, true));
    }

    private void sleep(Ctx c) {
        if (!affordable(c, SLEEP_COST)) {
            print(c);
            return;
        }
        line("sleep(" + pickOf("1ms", "1ms", "2ms", "0", "0.001", "-1", "500us") + ");");
    }

    /** A statement the compiler must reject, with a diagnostic that has a location. */
    private void compileError(Ctx c) {
        switch (random.nextInt(7)) {
            case 0 -> line("print(undeclared_" + names++ + ");");
            case 1 -> {
                String a = fresh("a");
                line("var " + a + ": atomic = 4;");
                line(a + " /= 2;");
            }
            case 2 -> line("concurrent(colour=1) { }");
            case 3 -> line("var " + fresh("v") + " = (1 + ;");
            case 4 -> line(c.inLoop ? "print(1)" : "break;");
            case 5 -> line("parallel { task { print(1); } }");
            default -> {
                String v = fresh("v");
                line("var " + v + " = 0;");
                line("concurrent { task(i in 1..3) { " + v + " /= 2; } }");
            }
        }
    }

    // ------------------------------------------------------------------ concurrency

    private void concurrentBlock(Ctx c) {
        List<String> params = new ArrayList<>();
        String ch = null;
        boolean chIsNew = false;
        if (chance(0.35)) {
            Var existing = chance(0.3) ? pickVar(x -> x.kind == Kind.CHANNEL) : null;
            chIsNew = existing == null;
            ch = chIsNew ? fresh("out") : existing.name;
            params.add("ch=" + ch);
        }
        String mode = pickOf("batch", "batch", "batch", "batch", "stream", "async");
        String handle = null;
        if (!mode.equals("batch") || chance(0.1)) {
            params.add("mode=" + mode);
            if (mode.equals("async") && chance(0.7)) {
                handle = fresh("h");
                params.add("handle=" + handle);
            }
        }
        if (chance(0.25)) {
            params.add("cores=" + pickOf("Auto", "1", "2"));
        }
        String onError = chance(0.4) ? pickOf("Stop", "Auto", "Auto", "Retry", "Retry") : null;
        String errors = null;
        if (onError != null) {
            params.add("on_error=" + onError);
            if (onError.equals("Retry")) {
                params.add("retries=" + random.nextInt(3));
                params.add("backoff=1ms");
            } else if (onError.equals("Auto") && chance(0.5)) {
                errors = fresh("errs");
                params.add("errors=" + errors);
            }
        }
        boolean timeout = chance(0.25) && affordable(c, TIMEOUT_COST);
        if (timeout) {
            params.add("timeout=" + (5 + random.nextInt(30)) + "ms");
            if (chance(0.7)) {
                params.add("grace=" + (5 + random.nextInt(20)) + "ms");
            }
            if (chance(0.5)) {
                params.add("on_timeout=" + pickOf("partial", "error"));
            }
        }
        // plan the units first: a worker needs a channel declared before the block
        int units = 1 + random.nextInt(3);
        List<Integer> plan = new ArrayList<>();
        Var jobs = null;
        for (int i = 0; i < units; i++) {
            int unit = pick(new int[] {5, 3, 2, 2});
            if (unit == 2 && jobs == null) {
                String output = ch;
                jobs = pickVar(x -> x.kind == Kind.CHANNEL && !x.name.equals(output));
                if (jobs == null) {
                    String name = fresh("jobs");
                    line("var " + name + " = channel(" + pickOf("", "1", "2") + ");");
                    jobs = new Var(name, Kind.CHANNEL, c.unitLevel, c.fnLevel, true);
                    declare(jobs);
                }
            }
            plan.add(unit);
        }
        Collections.shuffle(plan, random);
        String header = params.isEmpty() ? (chance(0.5) ? "concurrent" : "concurrent()") : "concurrent(" + String.join(", ", params) + ")";
        open(header + " {");
        vars.push(new ArrayList<>());
        fns.push(new ArrayList<>());
        Ctx blockBody = c.blockBody();
        for (int unit : plan) {
            switch (unit) {
                case 0 -> taskFamily(blockBody);
                case 1 -> singleTask(blockBody);
                case 2 -> worker(blockBody, jobs);
                default -> statement(blockBody, chooseStatement(blockBody));
            }
        }
        if (timeout && chance(0.5)) {
            // runs until the timeout cancels it: at a sleep, or at the loop's back-edge
            line(chance(0.5) ? "task { while (true) sleep(1ms); }" : "task { var spin = 0; while (true) { spin += 1; } }");
        }
        fns.pop();
        vars.pop();
        close("}");
        if (chIsNew) {
            declare(new Var(ch, Kind.CHANNEL, c.unitLevel, c.fnLevel, true));
        }
        if (handle != null) {
            declare(new Var(handle, Kind.FUTURE, c.unitLevel, c.fnLevel, true));
            if (chance(0.5)) {
                line("print(await " + handle + ", " + handle + ".done());");
            }
        }
        if (errors != null) {
            declare(new Var(errors, Kind.CHANNEL, c.unitLevel, c.fnLevel, true));
        }
        if (ch != null && chance(0.5)) {
            drain(c, ch);
        } else if (errors != null && chance(0.5)) {
            drain(c, errors);
        }
    }

    /** Receives what a block's channel holds, with a guard: the channel may never end. */
    private void drain(Ctx c, String channel) {
        String guard = fresh("g");
        String x = fresh("x");
        line("var " + guard + " = 0;");
        open("iter (" + x + " in " + channel + ") {");
        line(guard + " += 1;");
        line("if (" + guard + " > 10) break;");
        line("print(\"got\", " + x + ");");
        close("}");
    }

    private void taskFamily(Ctx c) {
        String var = fresh("t");
        String second = null;
        String source;
        int count;
        switch (random.nextInt(5)) {
            case 0, 1 -> {
                count = 1 + random.nextInt(chance(0.2) ? 50 : 6);
                source = chance(0.5) ? "0..<" + count : "1.." + count;
            }
            case 2 -> {
                source = pickOf("[1, 2, 3]", "[\"a\", \"b\"]", "[]", "[10, \"x\", nil]");
                count = 3;
                if (chance(0.3)) {
                    second = var;
                    var = fresh("k");
                }
            }
            case 3 -> {
                source = pickOf("{\"a\": 1, \"b\": 2}", "{\"x\": [1], \"y\": nil}");
                count = 2;
                if (chance(0.5)) {
                    second = fresh("t");
                }
            }
            default -> {
                source = pickOf("\"abc\"", "\"\"");
                count = 3;
            }
        }
        if (!affordable(c, count)) {
            count = 1;
            source = "0..<1";
            second = null;
        }
        open("task(" + var + (second != null ? ", " + second : "") + " in " + source + ") {");
        Ctx unit = c.unit(count);
        vars.push(new ArrayList<>());
        fns.push(new ArrayList<>());
        declare(new Var(var, second == null ? Kind.INT : Kind.ANY, unit.unitLevel, unit.fnLevel, false));
        if (second != null) {
            declare(new Var(second, Kind.ANY, unit.unitLevel, unit.fnLevel, false));
        }
        unitBody(unit, var);
        fns.pop();
        vars.pop();
        close("}");
    }

    private void singleTask(Ctx c) {
        open("task {");
        Ctx unit = c.unit(1);
        vars.push(new ArrayList<>());
        fns.push(new ArrayList<>());
        unitBody(unit, null);
        fns.pop();
        vars.pop();
        close("}");
    }

    private static final int WORKER_ITEMS = 12;

    /** A worker over {@code jobs}, usually with a producer task in the same block. */
    private void worker(Ctx c, Var jobs) {
        if (chance(0.75)) {
            int items = random.nextInt(6);
            line("task { iter (j in 0..<" + items + ") { " + jobs.name + ".send(j); }" + (chance(0.7) ? " " + jobs.name + ".close();" : "") + " }");
        }
        // A worker's body may send to its own input, directly or through a function, and then
        // it never reaches end of stream; a budget shared by its instances stops that after
        // WORKER_ITEMS items, after which it only drains.
        String budget = fresh("items");
        line("var " + budget + ": atomic = 0;");
        String item = fresh("job");
        open("worker(" + item + " from " + jobs.name + ") {");
        open("if (" + budget + ".add(1) <= " + WORKER_ITEMS + ") {");
        Ctx unit = c.unit(WORKER_ITEMS);
        vars.push(new ArrayList<>());
        fns.push(new ArrayList<>());
        declare(new Var(item, Kind.ANY, unit.unitLevel, unit.fnLevel, false));
        unitBody(unit, item);
        fns.pop();
        vars.pop();
        close("}");
        close("}");
    }

    /** Statements of concurrent code, sometimes with a failure, a sleep or a result for ch. */
    private void unitBody(Ctx unit, String input) {
        if (input != null && chance(0.25)) {
            line("if (" + input + " == " + pickOf("1", "2", "\"b\"") + ") { return " + errValue(unit) + "; }");
        }
        if (chance(0.2) && affordable(unit, SLEEP_COST)) {
            line("sleep(1ms);");
        }
        statements(unit, 1, 3);
        if (chance(0.15)) {
            line("print(\"attempt\", task_attempt());");
        }
        if (chance(0.4)) {
            line("return " + (input != null && chance(0.5) ? input : expr(Kind.ANY, 1, unit, STORING)) + ";");
        }
    }

    private void parallelBlock(Ctx c) {
        int n = 1 + random.nextInt(chance(0.5) ? 300 : 10);
        if (!affordable(c, n)) {
            n = 1;
        }
        List<String> params = new ArrayList<>();
        if (chance(0.5)) {
            params.add("cores=" + pickOf("Auto", "1", "2", "4"));
        }
        if (chance(0.3)) {
            params.add("on_error=" + pickOf("Stop", "Auto", "Retry"));
        }
        boolean timeout = chance(0.15) && affordable(c, TIMEOUT_COST);
        if (timeout) {
            params.add("timeout=" + (5 + random.nextInt(20)) + "ms");
            params.add("grace=10ms");
        }
        String ch = chance(0.2) ? fresh("out") : null;
        if (ch != null) {
            params.add("ch=" + ch);
        }
        // the usual target of a parallel loop: a sum that every iteration adds to
        Var sum = pickVar(x -> x.kind == Kind.ATOMIC || (x.kind == Kind.INT && x.writable && x.fnLevel == c.fnLevel));
        if (sum == null) {
            String name = fresh("a");
            line("var " + name + ": atomic = 0;");
            sum = new Var(name, Kind.ATOMIC, c.unitLevel, c.fnLevel, true);
            declare(sum);
        }
        open(params.isEmpty() ? "parallel {" : "parallel(" + String.join(", ", params) + ") {");
        vars.push(new ArrayList<>());
        fns.push(new ArrayList<>());
        if (chance(0.2)) {
            statement(c.blockBody(), PRINT);
        }
        int loops = 1 + (chance(0.2) ? 1 : 0);
        for (int l = 0; l < loops; l++) {
            String i = fresh("i");
            String keyword = chance(0.8) ? "iter" : "task";
            String source = switch (random.nextInt(5)) {
                case 0 -> "[1, 2, 3, 4]";
                case 1 -> "{\"a\": 1, \"b\": 2}";
                case 2 -> "\"abcd\"";
                default -> "0..<" + n;
            };
            open(keyword + "(" + i + " in " + source + ") {");
            Ctx unit = c.unit(n);
            vars.push(new ArrayList<>());
            fns.push(new ArrayList<>());
            declare(new Var(i, Kind.ANY, unit.unitLevel, unit.fnLevel, false));
            line(sum.name + " += " + (source.startsWith("0..") ? i : "1") + ";");
            if (chance(0.2)) {
                line("if (" + i + " == " + random.nextInt(Math.max(n, 1)) + ") { var z = 1 / 0; }");
            }
            if (chance(0.5)) {
                statements(unit, 1, 2);
            }
            if (ch != null && chance(0.7)) {
                line("return " + i + ";");
            }
            fns.pop();
            vars.pop();
            close("}");
        }
        fns.pop();
        vars.pop();
        close("}");
        if (ch != null) {
            declare(new Var(ch, Kind.CHANNEL, c.unitLevel, c.fnLevel, true));
        }
        if (chance(0.5)) {
            line("print(" + sum.name + ");");
        }
    }

    /** Calls of async functions and what can be done with their futures (SPEC §7). */
    private void asyncUse(Ctx c) {
        Fn af = pickFn(f -> f.async);
        if (af == null || !affordable(c, af.cost + SLEEP_COST)) {
            if (c.depth < MAX_DEPTH - 1) {
                int saved = costProbe;
                fnDeclAsync(c);
                costProbe = saved;
            } else {
                print(c);
            }
            return;
        }
        String a = callOf(af, c, STORING);
        String b = callOf(af, c, STORING);
        switch (random.nextInt(7)) {
            case 0 -> {
                String fu = fresh("fu");
                line("var " + fu + " = " + a + ";");
                declare(new Var(fu, Kind.FUTURE, c.unitLevel, c.fnLevel, true));
            }
            case 1 -> line("print(await " + a + ");");
            case 2 -> line("print(await all([" + a + ", " + b + "]));");
            case 3 -> line("print(await any([" + a + ", " + pickOf(b, "5", "nil") + "]));");
            case 4 -> {
                String e = fresh("e");
                open("attempt {");
                line("print(await with_timeout(" + a + ", " + pickOf("1ms", "5ms", "0.002", "0") + "));");
                close("} handle Timeout(" + e + ") {");
                indent++;
                line("print(\"timed out\", " + e + ".message);");
                close("}");
            }
            case 5 -> {
                Var fu = pickVar(x -> x.kind == Kind.FUTURE);
                line(fu == null ? a + ".cancel();" : fu.name + "." + pickOf("cancel()", "done()") + ";");
            }
            default -> {
                Var fu = pickVar(x -> x.kind == Kind.FUTURE);
                line("await " + (fu == null ? a : fu.name) + ";");
            }
        }
    }

    private void fnDeclAsync(Ctx c) {
        String name = fresh("af");
        Ctx inner = c.function(false, true);
        vars.push(new ArrayList<>());
        fns.push(new ArrayList<>());
        declare(new Var("x", Kind.ANY, inner.unitLevel, inner.fnLevel, true));
        open("async fn " + name + "(x) {");
        line("sleep(1ms);");
        if (chance(0.4)) {
            line("if (x == " + random.nextInt(4) + ") { return " + errValue(inner) + "; }");
        }
        line("return " + pickOf("x * 10", "x", "[x]", "\"r{x}\"") + ";");
        close("}");
        fns.pop();
        vars.pop();
        fns.peek().add(new Fn(name, 1, 1, true, SLEEP_COST));
    }

    // ------------------------------------------------------------------ expressions

    /**
     * An expression that is usually of {@code kind}. Flags: {@link #STORING} (the value is
     * kept, so strings and collections come from literals only), {@link #CALL_FREE} (a shared
     * write {@code x = E}: no call, send, receive or await) and {@link #INTERPOLATED} (inside
     * {@code "{...}"}: one line, no function literal).
     */
    private String expr(Kind kind, int depth, Ctx c, int flags) {
        if (depth <= 0 || chance(0.3)) {
            return leaf(kind, c, flags);
        }
        if (chance(0.06)) {
            kind = pickOf(VALUE_KINDS); // ill-typed on purpose
        }
        if (kind == Kind.ANY || kind == Kind.ATOMIC) {
            kind = pickOf(Kind.INT, Kind.INT, Kind.FLOAT, Kind.STR, Kind.STR, Kind.BOOL, Kind.LIST, Kind.DICT,
                    Kind.RANGE, Kind.DURATION, Kind.NIL);
        }
        boolean calls = (flags & CALL_FREE) == 0;
        int d = depth - 1;
        if (calls && chance(0.08)) {
            String call = call(c, flags);
            if (call != null) {
                return call;
            }
        }
        if (chance(0.05)) {
            return paren(expr(kind, d, c, flags) + " ?else " + notABlock(expr(kind, d, c, flags)));
        }
        return switch (kind) {
            case INT -> intExpr(d, c, flags, calls);
            case FLOAT -> switch (random.nextInt(5)) {
                case 0 -> paren(expr(Kind.FLOAT, d, c, flags) + " " + pickOf("+", "-", "*", "/", "%", "**") + " " + expr(Kind.INT, d, c, flags));
                case 1 -> calls ? pickOf("sqrt", "float", "abs") + "(" + expr(Kind.ANY, d, c, flags) + ")" : literal(Kind.FLOAT);
                case 2 -> calls ? pickOf("random()", "time()", "min(1.5, " + expr(Kind.FLOAT, d, c, flags) + ")") : literal(Kind.FLOAT);
                case 3 -> paren(expr(Kind.INT, d, c, flags) + " / " + literal(Kind.FLOAT));
                default -> paren(expr(Kind.DURATION, d, c, flags) + " / " + expr(Kind.DURATION, d, c, flags));
            };
            case STR -> switch (random.nextInt(6)) {
                case 0 -> paren(expr(Kind.STR, d, c, flags) + " + " + expr(Kind.ANY, d, c, flags));
                case 1 -> paren(expr(Kind.ANY, d, c, flags) + " + " + expr(Kind.STR, d, c, flags));
                case 2 -> interpolation(d, c, flags);
                case 3 -> calls ? pickOf("str", "type_of") + "(" + expr(Kind.ANY, d, c, flags) + ")" : interpolation(d, c, flags);
                case 4 -> calls ? receiver(expr(Kind.STR, d, c, flags)) + "." + pickOf("upper()", "lower()", "to_upper()",
                        "to_lower()", "trim()", "replace(\"a\", \"b\")", "len()") : literal(Kind.STR);
                default -> {
                    Var e = pickVar(x -> x.kind == Kind.ERROR);
                    yield e != null ? e.name + "." + pickOf("kind", "message")
                            : receiver(expr(Kind.STR, d, c, flags)) + "[" + expr(Kind.INT, d, c, flags) + "]";
                }
            };
            case BOOL -> switch (random.nextInt(6)) {
                case 0, 1 -> {
                    Kind operands = pickOf(Kind.INT, Kind.INT, Kind.FLOAT, Kind.STR, Kind.DURATION, Kind.LIST, Kind.ANY);
                    yield paren(expr(operands, d, c, flags) + " " + pickOf("<", "<=", ">", ">=", "==", "!=") + " " + expr(operands, d, c, flags));
                }
                case 2 -> paren(expr(Kind.BOOL, d, c, flags) + " " + pickOf("and", "or", "&&", "||") + " " + expr(Kind.BOOL, d, c, flags));
                case 3 -> pickOf("!", "not ") + paren(expr(Kind.BOOL, d, c, flags));
                case 4 -> calls ? methodBool(d, c, flags) : literal(Kind.BOOL);
                default -> paren(expr(Kind.ANY, d, c, flags) + " " + pickOf("==", "!=") + " " + expr(Kind.ANY, d, c, flags));
            };
            case LIST -> switch (random.nextInt(4)) {
                case 0 -> {
                    int n = random.nextInt(4);
                    List<String> items = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        items.add(expr(Kind.ANY, d, c, flags));
                    }
                    yield "[" + String.join(", ", items) + "]";
                }
                case 1 -> calls ? receiver(expr(Kind.STR, d, c, flags)) + ".split(" + pickOf("\",\"", "\"\"", "\" \"") + ")" : literal(Kind.LIST);
                case 2 -> calls ? receiver(expr(Kind.DICT, d, c, flags)) + "." + pickOf("keys()", "values()") : literal(Kind.LIST);
                default -> calls ? receiver(expr(Kind.LIST, d, c, flags)) + ".sort()" : literal(Kind.LIST);
            };
            case DICT -> {
                int n = random.nextInt(3);
                List<String> entries = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    entries.add((chance(0.7) ? "\"k" + i + "\"" : String.valueOf(i)) + ": " + expr(Kind.ANY, d, c, flags));
                }
                yield "{" + String.join(", ", entries) + "}";
            }
            case RANGE -> paren(smallIntOrExpr(d, c, flags) + pickOf("..", "..<") + smallIntOrExpr(d, c, flags));
            case DURATION -> switch (random.nextInt(4)) {
                case 0 -> paren(expr(Kind.DURATION, d, c, flags) + " " + pickOf("+", "-") + " " + expr(Kind.DURATION, d, c, flags));
                case 1 -> paren(expr(Kind.DURATION, d, c, flags) + " " + pickOf("*", "/") + " " + expr(pickOf(Kind.INT, Kind.FLOAT), d, c, flags));
                case 2 -> paren(expr(Kind.INT, d, c, flags) + " * " + expr(Kind.DURATION, d, c, flags));
                default -> calls ? "abs(" + expr(Kind.DURATION, d, c, flags) + ")" : literal(Kind.DURATION);
            };
            case FN -> (flags & (INTERPOLATED | CALL_FREE)) != 0 ? "nil" : "fn (q) { return " + expr(Kind.ANY, d, c, flags | STORING) + "; }";
            case ERROR -> calls ? errValue(c) : "nil";
            case CHANNEL -> calls ? "channel(" + pickOf("", "1", "2") + ")" : "nil";
            default -> literal(kind);
        };
    }

    private String intExpr(int d, Ctx c, int flags, boolean calls) {
        switch (random.nextInt(calls ? 14 : 7)) {
            case 0, 1, 2:
                return paren(expr(Kind.INT, d, c, flags) + " " + pickOf("+", "-", "*", "/", "%") + " " + expr(Kind.INT, d, c, flags));
            case 3:
                return paren(expr(Kind.INT, d, c, flags) + " ** " + pickOf("0", "1", "2", "3", "5", "62", "63", "64", "-1"));
            case 4:
                return pickOf("-", "~", "-") + paren(expr(Kind.INT, d, c, flags));
            case 5:
                return paren(expr(Kind.INT, d, c, flags) + " " + pickOf("&", "|", "^", "<<", ">>") + " " + expr(Kind.INT, d, c, flags));
            case 6:
                return receiver(expr(pickOf(Kind.LIST, Kind.RANGE, Kind.DICT), d, c, flags)) + "[" + expr(Kind.INT, d, c, flags) + "]";
            case 7:
                return "len(" + expr(pickOf(Kind.STR, Kind.LIST, Kind.DICT, Kind.RANGE, Kind.ANY), d, c, flags) + ")";
            case 8:
                return pickOf("int", "abs", "floor") + "(" + expr(Kind.ANY, d, c, flags) + ")";
            case 9:
                return pickOf("min", "max") + "(" + expr(Kind.INT, d, c, flags) + ", " + expr(Kind.INT, d, c, flags)
                        + (chance(0.3) ? ", " + expr(Kind.ANY, d, c, flags) : "") + ")";
            case 10:
                return pickOf("randint(1, 6)", "now()", "task_attempt()", "min([3, 1, 2])", "max([])");
            case 11: {
                Var a = pickVar(x -> x.kind == Kind.ATOMIC);
                return a != null ? a.name + "." + pickOf("add(1)", "load()", "swap(2)") : "len(\"abc\")";
            }
            case 12: {
                Var ch = pickVar(x -> x.kind == Kind.CHANNEL);
                return ch != null ? ch.name + "." + pickOf("len()", "try_recv()", "try_recv()", "recv()") : "len([])";
            }
            default: {
                Var fu = pickVar(x -> x.kind == Kind.FUTURE);
                return fu != null ? "await " + fu.name : "await " + literal(Kind.INT);
            }
        }
    }

    private String methodBool(int d, Ctx c, int flags) {
        switch (random.nextInt(5)) {
            case 0:
                return receiver(expr(Kind.STR, d, c, flags)) + "." + pickOf("contains", "starts_with", "ends_with") + "(" + expr(Kind.STR, d, c, flags) + ")";
            case 1:
                return receiver(expr(Kind.LIST, d, c, flags)) + ".contains(" + expr(Kind.ANY, d, c, flags) + ")";
            case 2:
                return receiver(expr(Kind.DICT, d, c, flags)) + ".has(" + expr(Kind.ANY, d, c, flags) + ")";
            case 3: {
                Var ch = pickVar(x -> x.kind == Kind.CHANNEL || x.kind == Kind.FUTURE);
                return ch == null ? "true" : ch.name + (ch.kind == Kind.CHANNEL ? ".is_closed()" : ".done()");
            }
            default: {
                Var a = pickVar(x -> x.kind == Kind.ATOMIC);
                return a == null ? "false" : a.name + ".cas(" + expr(Kind.INT, 0, c, flags) + ", " + expr(Kind.INT, 0, c, flags) + ")";
            }
        }
    }

    /**
     * After {@code ?else} and at the start of a statement, a '{' starts a block (SPEC §4), and
     * {@code fn} a declaration: a dict or function literal there needs parentheses.
     */
    private static String notABlock(String expr) {
        return expr.startsWith("{") || expr.startsWith("fn") ? "(" + expr + ")" : expr;
    }

    private String smallIntOrExpr(int d, Ctx c, int flags) {
        return chance(0.7) ? String.valueOf(random.nextInt(8) - 2) : expr(Kind.INT, d, c, flags);
    }

    private String interpolation(int d, Ctx c, int flags) {
        String inner = expr(Kind.ANY, d, c, flags | INTERPOLATED);
        return "\"" + escape(pickOf("", "v=", "sum ")) + "{" + inner + "}" + escape(pickOf("", "!", " end")) + "\"";
    }

    /** A variable of the wanted kind (60%) or a literal. Stored values skip strings and collections, so nothing grows. */
    private String leaf(Kind kind, Ctx c, int flags) {
        if (kind == Kind.ANY) {
            kind = pickOf(VALUE_KINDS);
        }
        if (chance(0.6)) {
            Kind wanted = kind;
            boolean storing = (flags & STORING) != 0;
            Var v = pickVar(x -> (x.kind == wanted || (wanted == Kind.INT && x.kind == Kind.ATOMIC) || chance(0.05))
                    && !(storing && growable(x.kind)));
            if (v != null) {
                return v.name;
            }
        }
        if (kind == Kind.FN && (flags & INTERPOLATED) == 0) {
            Fn f = pickFn(x -> !x.async);
            if (f != null) {
                return f.name;
            }
        }
        return literal(kind);
    }

    private static boolean growable(Kind kind) {
        return kind == Kind.STR || kind == Kind.LIST || kind == Kind.DICT || kind == Kind.ANY;
    }

    private String literal(Kind kind) {
        return switch (kind) {
            case INT, ATOMIC -> chance(0.75) ? String.valueOf(random.nextInt(16) - 3)
                    : pickOf("9223372036854775807", "-9223372036854775808", "4611686018427387904", "2147483648",
                    "0xff", "0b1010", "1_000_000", "-1");
            case FLOAT -> pickOf("0.5", "2.0", "1e9", "2.5e-3", "3.14", "1e300", "0.0", "-1.5");
            case STR -> stringLiteral();
            case BOOL -> pickOf("true", "false");
            case LIST -> pickOf("[]", "[1, 2, 3]", "[\"a\", \"b\"]", "[1, \"x\", nil]", "[[1], [2, 3]]", "[3, 1, 2]");
            case DICT -> pickOf("{}", "{\"a\": 1, \"b\": 2}", "{1: \"one\", \"two\": 2}", "{\"k\": [1, 2]}");
            case RANGE -> pickOf("0..3", "1..<5", "5..1", "0..<0", "-2..2");
            case DURATION -> pickOf("1ms", "1.5s", "2m", "500us", "0s", "3ns", "1h", "90s");
            default -> "nil";
        };
    }

    private String stringLiteral() {
        return "\"" + escape(pickOf(STRINGS)) + "\"";
    }

    /** The source form of a string's characters, between the quotes (SPEC §1 escapes). */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '{' -> sb.append("\\{");
                case '}' -> sb.append("\\}");
                default -> {
                    if (cp < 0x80) {
                        sb.append((char) cp);
                    } else {
                        sb.append("\\u{").append(Integer.toHexString(cp).toUpperCase()).append('}');
                    }
                }
            }
        });
        return sb.toString();
    }

    private String errValue(Ctx c) {
        String kind = chance(0.7) ? pickOf(USER_KINDS) : pickOf(RUNTIME_KINDS);
        return switch (random.nextInt(6)) {
            case 0, 1, 2 -> "err(" + kind + "(" + stringLiteral() + "))";
            case 3 -> "err(" + kind + ")";
            case 4 -> "err(" + stringLiteral() + ")";
            default -> "err(" + literal(Kind.INT) + ")";
        };
    }

    /** A call of a visible function, closure or async function, when its cost fits here; else null. */
    private String call(Ctx c, int flags) {
        Fn f = pickFn(x -> true);
        if (f == null || !affordable(c, f.cost)) {
            return null;
        }
        return callOf(f, c, flags);
    }

    private String callOf(Fn f, Ctx c, int flags) {
        // sometimes one argument too few or too many: ArityMismatch
        int n = chance(0.1) ? Math.max(0, f.minArgs - 1) + random.nextInt(f.maxArgs - f.minArgs + 3)
                : f.minArgs + random.nextInt(f.maxArgs - f.minArgs + 1);
        boolean recursive = f.name.startsWith("r") || f.name.startsWith("even") || f.name.startsWith("odd");
        List<String> args = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (recursive) {
                // a small depth, except at the top where a StackOverflow is cheap; the
                // accumulator an int, as a string rebuilt on each of 100,000 levels is quadratic
                args.add(i == 0 && c.weight == 1 && chance(0.1) ? expr(Kind.ANY, 1, c, flags | STORING)
                        : String.valueOf(random.nextInt(8)));
            } else {
                args.add(expr(Kind.ANY, 1, c, flags | STORING));
            }
        }
        return f.name + "(" + String.join(", ", args) + ")";
    }

    private String receiver(String expr) {
        return isSimple(expr) ? expr : "(" + expr + ")";
    }

    private static boolean isSimple(String expr) {
        return expr.matches("[A-Za-z_][A-Za-z0-9_]*") || (expr.startsWith("\"") && expr.indexOf('"', 1) == expr.length() - 1)
                || (expr.startsWith("[") && expr.endsWith("]") && !expr.contains("]["));
    }

    /** Most compositions are parenthesised; the rest leave the grammar's precedence to decide. */
    private String paren(String expr) {
        return chance(0.85) ? "(" + expr + ")" : expr;
    }

    // ------------------------------------------------------------------ scopes, names, output

    private void declare(Var v) {
        vars.peek().add(v);
    }

    private Var pickVar(Predicate<Var> wanted) {
        List<Var> found = new ArrayList<>();
        for (List<Var> scope : vars) {
            for (Var v : scope) {
                if (wanted.test(v)) {
                    found.add(v);
                }
            }
        }
        return found.isEmpty() ? null : found.get(random.nextInt(found.size()));
    }

    private Fn pickFn(Predicate<Fn> wanted) {
        List<Fn> found = new ArrayList<>();
        for (List<Fn> scope : fns) {
            for (Fn f : scope) {
                if (wanted.test(f)) {
                    found.add(f);
                }
            }
        }
        return found.isEmpty() ? null : found.get(random.nextInt(found.size()));
    }

    /** Whether {@code cost} more work, done {@code c.weight} times, fits the budget; records it for pricing. */
    private boolean affordable(Ctx c, int cost) {
        long total = (long) c.weight * cost;
        if (total > WORK_LIMIT) {
            return false;
        }
        costProbe = (int) Math.max(costProbe, total);
        return true;
    }

    private String fresh(String prefix) {
        return prefix + (++names);
    }

    private void line(String text) {
        out.append("    ".repeat(indent)).append(text).append('\n');
    }

    private void open(String text) {
        line(text);
        indent++;
    }

    private void close(String text) {
        indent--;
        line(text);
    }

    private boolean chance(double p) {
        return Choices.chance(random, p);
    }

    private int pick(int[] weights) {
        return Choices.pick(random, weights);
    }

    @SafeVarargs
    private <T> T pickOf(T... options) {
        return Choices.pickOf(random, options);
    }

}
