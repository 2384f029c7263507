package dev.limn.conformance;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes random programs in a small, well-typed, sequential subset of Limn, together with
 * what they must print, worked out here by a reference evaluator that follows the SPEC:
 * <ul>
 *   <li>ints are 64-bit; {@code + - * **}, unary {@code -} and {@code abs} raise Overflow
 *       when the result does not fit, and so does {@code MIN / -1}; {@code /} and {@code %}
 *       truncate toward zero and a divisor 0 raises DivisionByZero; {@code & | ^} share one
 *       precedence level; a shift by 64 or more, or by a negative count, gives 0 (or -1 for
 *       {@code >>} of a negative number) (§1, §2);</li>
 *   <li>comparisons of ints and of strings, {@code ==} across types is false, lists compare
 *       structurally; {@code and or && || not !} on bools, short-circuit (§2);</li>
 *   <li>{@code +} with a str on either side concatenates printed forms; {@code str(x)} and
 *       interpolation are printed forms (§2);</li>
 *   <li>{@code var} (with an annotation that matches, or shadowing a name), {@code =} and the
 *       compound assignments, {@code if/elif/else}, {@code while} with a counter, {@code for},
 *       {@code iter} over ranges and lists (the length when the loop starts, items read live),
 *       {@code break}/{@code continue}, lists with {@code push}, {@code xs[i] = v} and
 *       {@code len}, {@code ?else}, and {@code attempt/handle} by kind (§3, §4);</li>
 *   <li>printing of ints, bools and strings (raw at top level, quoted with escapes inside a
 *       list) and of lists (§2); an unhandled error ends the program with exit status 1.</li>
 * </ul>
 * Expressions are rendered with only the parentheses the grammar's precedence needs (and a few
 * more at random), so the parser's precedence and associativity are checked too.
 *
 * <p>Prefix-stable like {@link WholeLanguageGenerator}: statements are drawn one after
 * another, so {@code (seed, n)} is a prefix of {@code (seed, n + 1)}.
 */
final class SequentialSubsetGenerator {
    /** A program and what the reference evaluator says it does. */
    record Program(String text, String expectedStdout, int expectedStatus, String expectedErrorKind) {}

    enum Type {
        INT, BOOL, STR, INT_LIST, STR_LIST;

        boolean isList() {
            return this == INT_LIST || this == STR_LIST;
        }

        Type element() {
            return this == INT_LIST ? INT : STR;
        }
    }

    // ------------------------------------------------------------------ the subset's syntax

    sealed interface Expr permits Lit, Ref, Binary, Unary, Pow, Call, ListLit, Index, Interp, OrElse {}

    record Lit(Object value) implements Expr {}

    record Ref(String name) implements Expr {}

    /** Arithmetic, bitwise, comparison, equality, logic and string concatenation. */
    record Binary(String op, Expr left, Expr right) implements Expr {}

    /** {@code -}, {@code ~}, {@code !} and {@code not }. */
    record Unary(String op, Expr operand) implements Expr {}

    /** {@code base ** exponent} with a literal exponent ≥ 0, so the result stays an int. */
    record Pow(Expr base, int exponent) implements Expr {}

    /** {@code len abs min max str}. */
    record Call(String function, List<Expr> args) implements Expr {}

    record ListLit(List<Expr> items) implements Expr {}

    record Index(Expr list, Expr index) implements Expr {}

    record Interp(String prefix, Expr inner, String suffix) implements Expr {}

    record OrElse(Expr value, Expr fallback) implements Expr {}

    sealed interface Stmt permits Decl, Assign, Push, Store, Print, If, While, For, IterRange, IterList, Jump, Attempt {}

    /** {@code var name[: annotation] = init;}, or {@code name = init;} for a new name when {@code implicit}. */
    record Decl(String name, String annotation, Expr init, boolean implicit) implements Stmt {}

    /** {@code name op value;} with op one of {@code = += -= *= /= %=}. */
    record Assign(String name, String op, Expr value) implements Stmt {}

    record Push(String list, Expr value) implements Stmt {}

    record Store(String list, Expr index, Expr value) implements Stmt {}

    record Print(List<Expr> args) implements Stmt {}

    /** {@code if}, then {@code elif}s; {@code otherwise} is null without {@code else}. */
    record If(List<Expr> conditions, List<List<Stmt>> bodies, List<Stmt> otherwise) implements Stmt {}

    /** {@code var counter = 0; while (counter < bound [and extra]) { counter += 1; body }}. */
    record While(String counter, int bound, Expr extra, List<Stmt> body) implements Stmt {}

    record For(String var, int bound, List<Stmt> body) implements Stmt {}

    record IterRange(String var, long from, long to, boolean inclusive, List<Stmt> body) implements Stmt {}

    /** {@code iter ([index, ]var in list) { body }}; index may be null. */
    record IterList(String index, String var, String list, List<Stmt> body) implements Stmt {}

    /** {@code break;} or {@code continue;}, under {@code if (condition)} unless it is null. */
    record Jump(Expr condition, boolean isBreak) implements Stmt {}

    record Attempt(List<Stmt> body, List<Handler> handlers) implements Stmt {}

    /** {@code handle Kind(binder)}, {@code handle Kind} or {@code handle (binder)}: kind or binder may be null. */
    record Handler(String kind, String binder, List<Stmt> body) {}

    // ------------------------------------------------------------------ generation

    private static final String[] STRINGS = {"", "a", "b", "ab", "ba", "hello", "x y", "Z", "10", "9", "-3",
            "tab\t", "q\"uote", "back\\", "two\nlines", "{braced}"};
    private static final long[] BOUNDARY_INTS = {Long.MAX_VALUE, Long.MIN_VALUE, 1L << 62, -(1L << 62), 1L << 32,
            3_037_000_499L, 3_037_000_500L, Integer.MAX_VALUE, Integer.MIN_VALUE, 64, 63, -64};
    private static final String[] CAUGHT_KINDS = {"Overflow", "DivisionByZero", "IndexOutOfBounds"};

    private record VarInfo(Type type, boolean writable) {}

    private final Random random;
    private final Deque<Map<String, VarInfo>> scopes = new ArrayDeque<>();
    private int names;

    private SequentialSubsetGenerator(long seed) {
        random = new Random(seed);
        scopes.push(new HashMap<>());
    }

    /** The program of {@code statements} top-level statements drawn from {@code seed}, with its expected outcome. */
    static Program generate(long seed, int statements) {
        SequentialSubsetGenerator g = new SequentialSubsetGenerator(seed);
        List<Stmt> program = new ArrayList<>();
        for (int i = 0; i < statements; i++) {
            program.add(g.topLevelStatement());
        }
        StringBuilder text = new StringBuilder();
        Renderer renderer = new Renderer(g.random, text);
        for (Stmt s : program) {
            renderer.statement(s, 0);
        }
        Evaluator evaluator = new Evaluator();
        String kind = null;
        try {
            evaluator.run(program);
        } catch (Raise raised) {
            kind = raised.kind;
        }
        return new Program(text.toString(), evaluator.out.toString(), kind == null ? 0 : 1, kind);
    }

    /**
     * Most top-level statements that declare nothing run under a catch-all handler, so one
     * failure does not end the program; the rest end it with exit status 1 when they fail.
     */
    private Stmt topLevelStatement() {
        Stmt s = statement(0, false);
        if (s instanceof Decl || s instanceof While || !chance(0.7)) {
            return s;
        }
        String e = fresh("e");
        return new Attempt(List.of(s), List.of(new Handler(null, e, List.of(new Print(List.of(new Lit("caught"), new Ref(e + ".kind")))))));
    }

    private Stmt statement(int depth, boolean inLoop) {
        boolean compound = depth < 2;
        int[] weights = {
            24,                      // 0 declaration
            14,                      // 1 assignment
            5,                       // 2 push
            4,                       // 3 index store
            18,                      // 4 print
            compound ? 7 : 0,        // 5 if
            compound ? 4 : 0,        // 6 while
            compound ? 3 : 0,        // 7 for
            compound ? 3 : 0,        // 8 iter over a range
            compound ? 3 : 0,        // 9 iter over a list
            compound ? 6 : 0,        // 10 attempt
            inLoop ? 5 : 0,          // 11 break / continue
        };
        switch (pick(weights)) {
            case 0:
                return declaration();
            case 1: {
                Stmt s = assignment(inLoop);
                return s != null ? s : print();
            }
            case 2: {
                String xs = visible(v -> v.type.isList());
                return xs == null ? declaration() : new Push(xs, expr(typeOf(xs).element(), 2, inLoop));
            }
            case 3: {
                String xs = visible(v -> v.type.isList());
                return xs == null ? print() : new Store(xs, smallIndex(xs), expr(typeOf(xs).element(), 2, inLoop));
            }
            case 4:
                return print();
            case 5:
                return ifStatement(depth, inLoop);
            case 6: {
                String counter = fresh("w");
                Expr extra = chance(0.25) ? expr(Type.BOOL, 1, true) : null;
                // the counter is declared in the enclosing scope, and only the loop writes it
                declare(counter, Type.INT, false);
                return new While(counter, random.nextInt(5), extra, block(depth + 1, true, Map.of()));
            }
            case 7: {
                String i = fresh("i");
                return new For(i, random.nextInt(5), block(depth + 1, true, Map.of(i, new VarInfo(Type.INT, false))));
            }
            case 8: {
                String x = fresh("x");
                long from = random.nextInt(5) - 2;
                long to = from + random.nextInt(5) - 1;
                return new IterRange(x, from, to, chance(0.5), block(depth + 1, true, Map.of(x, new VarInfo(Type.INT, false))));
            }
            case 9: {
                String xs = visible(v -> v.type.isList());
                if (xs == null) {
                    return declaration();
                }
                String x = fresh("x");
                String index = chance(0.3) ? fresh("k") : null;
                Map<String, VarInfo> loopVars = new HashMap<>();
                loopVars.put(x, new VarInfo(typeOf(xs).element(), false));
                if (index != null) {
                    loopVars.put(index, new VarInfo(Type.INT, false));
                }
                return new IterList(index, x, xs, block(depth + 1, true, loopVars));
            }
            case 10:
                return attempt(depth, inLoop);
            default:
                return new Jump(chance(0.8) ? expr(Type.BOOL, 1, true) : null, chance(0.5));
        }
    }

    private Stmt declaration() {
        Type type = pickOf(Type.INT, Type.INT, Type.INT, Type.BOOL, Type.STR, Type.STR, Type.INT_LIST, Type.STR_LIST);
        Expr init = expr(type, 3, false);
        if (chance(0.5)) {
            init = new OrElse(init, leaf(type, true));
        }
        // sometimes reuse a visible name: in the same scope a new variable replaces it from here
        // on, in an inner scope it shadows the outer one until the scope ends (SPEC §3)
        String reused = chance(0.1) ? visible(v -> v.writable) : null;
        String name = reused != null ? reused : fresh("v");
        boolean implicit = reused == null && chance(0.1);
        String annotation = !implicit && chance(0.2) ? switch (type) {
            case INT -> "int";
            case BOOL -> "bool";
            case STR -> "str";
            case INT_LIST -> "[int]";
            case STR_LIST -> pickOf("[str]", "list");
        } : null;
        declare(name, type, true);
        return new Decl(name, annotation, init, implicit);
    }

    private Stmt assignment(boolean inLoop) {
        String name = visible(v -> v.writable);
        if (name == null) {
            return null;
        }
        Type type = typeOf(name);
        if (type == Type.INT && chance(0.6)) {
            return new Assign(name, pickOf("+=", "-=", "*=", "/=", "%="), expr(Type.INT, 2, inLoop));
        }
        if (type == Type.STR && chance(0.5)) {
            // += on a str appends the printed form of any value; in a loop, never the string
            // itself, so nothing doubles
            Type rhs = pickOf(Type.INT, Type.BOOL, Type.STR, Type.INT_LIST);
            return new Assign(name, "+=", expr(rhs, 1, inLoop));
        }
        return new Assign(name, "=", expr(type, 3, inLoop));
    }

    private Stmt print() {
        int n = 1 + random.nextInt(3);
        List<Expr> args = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            args.add(expr(pickOf(Type.values()), 3, false));
        }
        return new Print(args);
    }

    private Stmt ifStatement(int depth, boolean inLoop) {
        List<Expr> conditions = new ArrayList<>();
        List<List<Stmt>> bodies = new ArrayList<>();
        int branches = 1 + random.nextInt(3);
        for (int i = 0; i < branches; i++) {
            conditions.add(expr(Type.BOOL, 2, false));
            bodies.add(block(depth + 1, inLoop, Map.of()));
        }
        return new If(conditions, bodies, chance(0.5) ? block(depth + 1, inLoop, Map.of()) : null);
    }

    private Stmt attempt(int depth, boolean inLoop) {
        List<Stmt> body = block(depth + 1, inLoop, Map.of());
        List<Handler> handlers = new ArrayList<>();
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            boolean catchAll = i == n - 1 && chance(0.5);
            String kind = catchAll ? null : pickOf(CAUGHT_KINDS);
            String binder = catchAll || chance(0.7) ? fresh("e") : null;
            List<Stmt> handlerBody = new ArrayList<>();
            if (binder != null) {
                // only the kind is modelled, not the runtime's messages; the evaluator binds
                // the name "e.kind" itself, so this Ref renders and evaluates as e.kind
                handlerBody.add(new Print(List.of(new Lit("caught"), new Ref(binder + ".kind"))));
            }
            if (chance(0.3)) {
                handlerBody.addAll(block(depth + 1, inLoop, Map.of()));
            }
            handlers.add(new Handler(kind, binder, handlerBody));
        }
        return new Attempt(body, handlers);
    }

    /** Statements in a scope of their own, with {@code loopVars} declared in it (read-only). */
    private List<Stmt> block(int depth, boolean inLoop, Map<String, VarInfo> loopVars) {
        scopes.push(new HashMap<>(loopVars));
        List<Stmt> body = new ArrayList<>();
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            body.add(statement(depth, inLoop));
        }
        scopes.pop();
        return body;
    }

    private Expr smallIndex(String list) {
        return switch (random.nextInt(4)) {
            case 0 -> new Binary("-", new Call("len", List.of(new Ref(list))), new Lit(1L));
            case 1 -> {
                String i = visible(v -> v.type == Type.INT);
                yield i != null ? new Ref(i) : new Lit(0L);
            }
            default -> new Lit((long) random.nextInt(5) - 1);
        };
    }

    /**
     * An expression of {@code type}. In a loop ({@code inLoop}) a string is never built from a
     * string variable, so a string that is assigned back cannot double on every iteration.
     */
    private Expr expr(Type type, int depth, boolean inLoop) {
        if (depth <= 0 || chance(0.25)) {
            return leaf(type, inLoop);
        }
        int d = depth - 1;
        if (chance(0.04)) {
            return new OrElse(expr(type, d, inLoop), expr(type, d, inLoop));
        }
        switch (type) {
            case INT:
                switch (random.nextInt(12)) {
                    case 0, 1, 2, 3:
                        return new Binary(pickOf("+", "-", "*", "/", "%"), expr(Type.INT, d, inLoop), expr(Type.INT, d, inLoop));
                    case 4:
                        return new Pow(expr(Type.INT, d, inLoop), chance(0.8) ? random.nextInt(5) : pickOf(31, 62, 63, 64));
                    case 5:
                        return new Unary(pickOf("-", "-", "~"), expr(Type.INT, d, inLoop));
                    case 6:
                        return new Binary(pickOf("&", "|", "^"), expr(Type.INT, d, inLoop), expr(Type.INT, d, inLoop));
                    case 7:
                        return new Binary(pickOf("<<", ">>"), expr(Type.INT, d, inLoop), chance(0.7)
                                ? new Lit((long) pickOf(0, 1, 3, 62, 63, 64, 65, -1)) : expr(Type.INT, d, inLoop));
                    case 8: {
                        Type measured = pickOf(Type.STR, Type.INT_LIST, Type.STR_LIST);
                        return new Call("len", List.of(expr(measured, d, false)));
                    }
                    case 9: {
                        String xs = visible(v -> v.type == Type.INT_LIST);
                        Expr list = xs != null && chance(0.7) ? new Ref(xs) : expr(Type.INT_LIST, d, inLoop);
                        Index index = new Index(list, chance(0.5) ? new Lit((long) random.nextInt(4) - 1) : expr(Type.INT, d, inLoop));
                        // usually guarded: lists are often shorter than the index
                        return chance(0.8) ? new OrElse(index, leaf(Type.INT, inLoop)) : index;
                    }
                    case 10:
                        return new Call(pickOf("min", "max"), List.of(expr(Type.INT, d, inLoop), expr(Type.INT, d, inLoop)));
                    default:
                        return new Call("abs", List.of(expr(Type.INT, d, inLoop)));
                }
            case BOOL:
                switch (random.nextInt(6)) {
                    case 0, 1:
                        return new Binary(pickOf("<", "<=", ">", ">=", "==", "!="), expr(Type.INT, d, inLoop), expr(Type.INT, d, inLoop));
                    case 2:
                        return new Binary(pickOf("<", "<=", ">", ">=", "==", "!="), expr(Type.STR, d, false), expr(Type.STR, d, false));
                    case 3: {
                        // equality across any two types: lists structurally, different types unequal
                        Type left = pickOf(Type.values());
                        Type right = chance(0.7) ? left : pickOf(Type.values());
                        return new Binary(pickOf("==", "!="), expr(left, d, false), expr(right, d, false));
                    }
                    case 4:
                        return new Binary(pickOf("and", "or", "&&", "||"), expr(Type.BOOL, d, inLoop), expr(Type.BOOL, d, inLoop));
                    default:
                        return new Unary(pickOf("!", "not "), expr(Type.BOOL, d, inLoop));
                }
            case STR:
                switch (random.nextInt(5)) {
                    case 0, 1: {
                        Type other = pickOf(Type.values());
                        Expr s = expr(Type.STR, d, inLoop);
                        Expr o = expr(other, d, inLoop);
                        return chance(0.5) ? new Binary("+", s, o) : new Binary("+", o, s);
                    }
                    case 2:
                        return new Call("str", List.of(expr(pickOf(Type.values()), d, inLoop)));
                    case 3:
                        return new Interp(pickOf(STRINGS), expr(pickOf(Type.values()), d, inLoop), pickOf("", "!", " end"));
                    default:
                        return leaf(Type.STR, inLoop);
                }
            default: {
                int n = random.nextInt(4);
                List<Expr> items = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    items.add(expr(type.element(), d, inLoop));
                }
                return new ListLit(items);
            }
        }
    }

    private Expr leaf(Type type, boolean inLoop) {
        boolean growable = type == Type.STR || type.isList();
        if (!(growable && inLoop) && chance(0.5)) {
            String name = visible(v -> v.type == type);
            if (name != null) {
                return new Ref(name);
            }
        }
        return switch (type) {
            case INT -> new Lit(chance(0.92) ? (long) random.nextInt(25) - 5 : BOUNDARY_INTS[random.nextInt(BOUNDARY_INTS.length)]);
            case BOOL -> new Lit(random.nextBoolean());
            case STR -> new Lit(pickOf(STRINGS));
            default -> {
                List<Expr> items = new ArrayList<>();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    items.add(leaf(type.element(), true));
                }
                yield new ListLit(items);
            }
        };
    }

    private void declare(String name, Type type, boolean writable) {
        scopes.peek().put(name, new VarInfo(type, writable));
    }

    private Type typeOf(String name) {
        for (Map<String, VarInfo> scope : scopes) {
            VarInfo v = scope.get(name);
            if (v != null) {
                return v.type;
            }
        }
        throw new IllegalStateException("not declared: " + name);
    }

    /** A random visible name whose innermost declaration satisfies {@code wanted}, or null. */
    private String visible(java.util.function.Predicate<VarInfo> wanted) {
        Map<String, VarInfo> innermost = new HashMap<>();
        for (Map<String, VarInfo> scope : scopes) {
            scope.forEach(innermost::putIfAbsent);
        }
        List<String> found = new ArrayList<>();
        innermost.forEach((name, v) -> {
            if (wanted.test(v)) {
                found.add(name);
            }
        });
        found.sort(null); // HashMap order is not part of the seed
        return found.isEmpty() ? null : found.get(random.nextInt(found.size()));
    }

    private String fresh(String prefix) {
        return prefix + (++names);
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

    // ------------------------------------------------------------------ rendering

    /** Writes the syntax tree as Limn source with the fewest parentheses its precedence needs, plus a few at random. */
    private static final class Renderer {
        private final Random random;
        private final StringBuilder out;

        Renderer(Random random, StringBuilder out) {
            this.random = random;
            this.out = out;
        }

        /** Binding strength, loosest first (SPEC §1): ?else, or, and, equality, comparison, | ^ &, shifts, + -, * / %, **, prefix. */
        static int precedence(Expr e) {
            return switch (e) {
                case OrElse o -> 1;
                case Binary b -> switch (b.op) {
                    case "or", "||" -> 2;
                    case "and", "&&" -> 3;
                    case "==", "!=" -> 4;
                    case "<", "<=", ">", ">=" -> 5;
                    case "|", "^", "&" -> 7;
                    case "<<", ">>" -> 8;
                    case "+", "-" -> 9;
                    default -> 10;
                };
                case Pow p -> 11;
                case Unary u -> 12;
                case Lit l when l.value instanceof Long n && n < 0 -> 12;
                default -> 14;
            };
        }

        String expr(Expr e) {
            return switch (e) {
                case Lit l -> literal(l.value);
                case Ref r -> r.name;
                case Binary b -> operand(b.left, precedence(b), false) + " " + b.op + " " + operand(b.right, precedence(b), true);
                case Unary u -> {
                    String operand = operand(u.operand, 12, false);
                    // "--5" or "- -x" would read as something else
                    yield u.op + (u.op.equals("-") && operand.startsWith("-") ? "(" + operand + ")" : operand);
                }
                case Pow p -> operand(p.base, 11, false) + " ** " + p.exponent;
                case Call c -> c.function + "(" + String.join(", ", c.args.stream().map(this::expr).toList()) + ")";
                case ListLit l -> "[" + String.join(", ", l.items.stream().map(this::expr).toList()) + "]";
                case Index i -> operand(i.list, 14, false) + "[" + expr(i.index) + "]";
                case Interp i -> "\"" + WholeLanguageGenerator.escape(i.prefix) + "{" + expr(i.inner) + "}"
                        + WholeLanguageGenerator.escape(i.suffix) + "\"";
                case OrElse o -> operand(o.value, 1, false) + " ?else " + operand(o.fallback, 1, true);
            };
        }

        /**
         * An operand of an operator of precedence {@code outer}, in parentheses when it binds
         * looser, or as tight on the side that associativity does not group ({@code **} groups
         * to the right, the rest to the left); sometimes in parentheses it does not need.
         */
        private String operand(Expr e, int outer, boolean right) {
            int inner = precedence(e);
            boolean rightAssociative = outer == 11;
            boolean needed = inner < outer || (inner == outer && (right != rightAssociative));
            String text = expr(e);
            return needed || (inner < 14 && random.nextInt(10) == 0) ? "(" + text + ")" : text;
        }

        private static String literal(Object value) {
            if (value instanceof String s) {
                return "\"" + WholeLanguageGenerator.escape(s) + "\"";
            }
            return String.valueOf(value);
        }

        void statement(Stmt s, int indent) {
            String pad = "    ".repeat(indent);
            switch (s) {
                case Decl d -> line(pad + (d.implicit ? "" : "var ") + d.name + (d.annotation != null ? ": " + d.annotation : "")
                        + " = " + expr(d.init) + ";");
                case Assign a -> line(pad + a.name + " " + a.op + " " + expr(a.value) + ";");
                case Push p -> line(pad + p.list + ".push(" + expr(p.value) + ");");
                case Store st -> line(pad + st.list + "[" + expr(st.index) + "] = " + expr(st.value) + ";");
                case Print p -> line(pad + "print(" + String.join(", ", p.args.stream().map(this::expr).toList()) + ");");
                case If i -> {
                    for (int b = 0; b < i.conditions.size(); b++) {
                        line(pad + (b == 0 ? "if (" : "} elif (") + expr(i.conditions.get(b)) + ") {");
                        block(i.bodies.get(b), indent + 1);
                    }
                    if (i.otherwise != null) {
                        line(pad + "} else {");
                        block(i.otherwise, indent + 1);
                    }
                    line(pad + "}");
                }
                case While w -> {
                    line(pad + "var " + w.counter + " = 0;");
                    line(pad + "while (" + w.counter + " < " + w.bound + (w.extra != null ? " and " + operand(w.extra, 3, true) : "") + ") {");
                    line(pad + "    " + w.counter + " += 1;");
                    block(w.body, indent + 1);
                    line(pad + "}");
                }
                case For f -> {
                    line(pad + "for (var " + f.var + " = 0; " + f.var + " < " + f.bound + "; " + f.var + " += 1) {");
                    block(f.body, indent + 1);
                    line(pad + "}");
                }
                case IterRange r -> {
                    line(pad + "iter (" + r.var + " in " + r.from + (r.inclusive ? ".." : "..<") + r.to + ") {");
                    block(r.body, indent + 1);
                    line(pad + "}");
                }
                case IterList l -> {
                    line(pad + "iter (" + (l.index != null ? l.index + ", " : "") + l.var + " in " + l.list + ") {");
                    block(l.body, indent + 1);
                    line(pad + "}");
                }
                case Jump j -> line(pad + (j.condition != null ? "if (" + expr(j.condition) + ") " : "") + (j.isBreak ? "break;" : "continue;"));
                case Attempt a -> {
                    line(pad + "attempt {");
                    block(a.body, indent + 1);
                    for (Handler h : a.handlers) {
                        String head = h.kind == null ? "(" + h.binder + ")" : h.kind + (h.binder != null ? "(" + h.binder + ")" : "");
                        line(pad + "} handle " + head + " {");
                        block(h.body, indent + 1);
                    }
                    line(pad + "}");
                }
            }
        }

        private void block(List<Stmt> body, int indent) {
            for (Stmt s : body) {
                statement(s, indent);
            }
        }

        private void line(String text) {
            out.append(text).append('\n');
        }
    }

    // ------------------------------------------------------------------ reference evaluation

    /** An error raised by the program, by kind: the model does not reproduce the runtime's messages. */
    static final class Raise extends RuntimeException {
        final String kind;

        Raise(String kind) {
            super(kind, null, false, false);
            this.kind = kind;
        }
    }

    private enum Flow { NORMAL, BREAK, CONTINUE }

    /** Runs the syntax tree by the SPEC's rules and records what it prints. */
    static final class Evaluator {
        final StringBuilder out = new StringBuilder();
        private final Deque<Map<String, Object>> scopes = new ArrayDeque<>();

        void run(List<Stmt> program) {
            scopes.push(new HashMap<>());
            for (Stmt s : program) {
                exec(s);
            }
        }

        private Flow block(List<Stmt> body, Map<String, Object> declared) {
            scopes.push(new HashMap<>(declared));
            try {
                for (Stmt s : body) {
                    Flow flow = exec(s);
                    if (flow != Flow.NORMAL) {
                        return flow;
                    }
                }
                return Flow.NORMAL;
            } finally {
                scopes.pop();
            }
        }

        private Flow exec(Stmt s) {
            switch (s) {
                case Decl d -> scopes.peek().put(d.name, eval(d.init));
                case Assign a -> {
                    Object value = eval(a.value);
                    set(a.name, a.op.equals("=") ? value : binary(a.op.substring(0, 1), get(a.name), value));
                }
                case Push p -> {
                    List<Object> xs = list(get(p.list));
                    xs.add(eval(p.value));
                }
                case Store st -> {
                    List<Object> xs = list(get(st.list));
                    long i = (Long) eval(st.index);
                    Object value = eval(st.value);
                    xs.set(checkIndex(i, xs.size()), value);
                }
                case Print p -> {
                    List<String> shown = new ArrayList<>();
                    for (Expr e : p.args) {
                        shown.add(show(eval(e), true));
                    }
                    out.append(String.join(" ", shown)).append('\n');
                }
                case If i -> {
                    for (int b = 0; b < i.conditions.size(); b++) {
                        if ((Boolean) eval(i.conditions.get(b))) {
                            return block(i.bodies.get(b), Map.of());
                        }
                    }
                    if (i.otherwise != null) {
                        return block(i.otherwise, Map.of());
                    }
                }
                case While w -> {
                    scopes.peek().put(w.counter, 0L);
                    while ((Long) get(w.counter) < w.bound && (w.extra == null || (Boolean) eval(w.extra))) {
                        set(w.counter, (Long) get(w.counter) + 1);
                        if (block(w.body, Map.of()) == Flow.BREAK) {
                            break;
                        }
                    }
                }
                case For f -> {
                    for (long i = 0; i < f.bound; i++) {
                        if (block(f.body, Map.of(f.var, i)) == Flow.BREAK) {
                            break;
                        }
                    }
                }
                case IterRange r -> {
                    long end = r.inclusive ? r.to : r.to - 1;
                    for (long x = r.from; x <= end; x++) {
                        if (block(r.body, Map.of(r.var, x)) == Flow.BREAK) {
                            break;
                        }
                    }
                }
                case IterList l -> {
                    // the length when the loop starts; each item read when its turn comes (SPEC §3)
                    List<Object> xs = list(get(l.list));
                    int length = xs.size();
                    for (int i = 0; i < length && i < xs.size(); i++) {
                        Map<String, Object> declared = new HashMap<>();
                        declared.put(l.var, xs.get(i));
                        if (l.index != null) {
                            declared.put(l.index, (long) i);
                        }
                        if (block(l.body, declared) == Flow.BREAK) {
                            break;
                        }
                    }
                }
                case Jump j -> {
                    if (j.condition == null || (Boolean) eval(j.condition)) {
                        return j.isBreak ? Flow.BREAK : Flow.CONTINUE;
                    }
                }
                case Attempt a -> {
                    try {
                        return block(a.body, Map.of());
                    } catch (Raise raised) {
                        for (Handler h : a.handlers) {
                            if (h.kind == null || h.kind.equals(raised.kind)) {
                                return block(h.body, h.binder == null ? Map.of() : Map.of(h.binder + ".kind", raised.kind));
                            }
                        }
                        throw raised;
                    }
                }
            }
            return Flow.NORMAL;
        }

        private Object get(String name) {
            for (Map<String, Object> scope : scopes) {
                if (scope.containsKey(name)) {
                    return scope.get(name);
                }
            }
            throw new IllegalStateException("not declared: " + name);
        }

        private void set(String name, Object value) {
            for (Map<String, Object> scope : scopes) {
                if (scope.containsKey(name)) {
                    scope.put(name, value);
                    return;
                }
            }
            throw new IllegalStateException("not declared: " + name);
        }

        @SuppressWarnings("unchecked")
        private static List<Object> list(Object value) {
            return (List<Object>) value;
        }

        private static int checkIndex(long i, int size) {
            if (i < 0 || i >= size) {
                throw new Raise("IndexOutOfBounds");
            }
            return (int) i;
        }

        Object eval(Expr e) {
            return switch (e) {
                case Lit l -> l.value;
                case Ref r -> get(r.name);
                case Binary b -> {
                    Object left = eval(b.left);
                    yield switch (b.op) {
                        case "and", "&&" -> (Boolean) left && (Boolean) eval(b.right);
                        case "or", "||" -> (Boolean) left || (Boolean) eval(b.right);
                        default -> binary(b.op, left, eval(b.right));
                    };
                }
                case Unary u -> {
                    Object v = eval(u.operand);
                    yield switch (u.op) {
                        case "-" -> exact(() -> Math.negateExact((Long) v));
                        case "~" -> ~(Long) v;
                        default -> !(Boolean) v;
                    };
                }
                case Pow p -> {
                    BigInteger result = BigInteger.valueOf((Long) eval(p.base)).pow(p.exponent);
                    if (result.bitLength() > 63) {
                        throw new Raise("Overflow");
                    }
                    yield result.longValue();
                }
                case Call c -> {
                    List<Object> args = new ArrayList<>();
                    for (Expr a : c.args) {
                        args.add(eval(a));
                    }
                    yield switch (c.function) {
                        case "len" -> (long) (args.get(0) instanceof String s ? s.length() : list(args.get(0)).size());
                        case "abs" -> exact(() -> Math.absExact((Long) args.get(0)));
                        case "min" -> Math.min((Long) args.get(0), (Long) args.get(1));
                        case "max" -> Math.max((Long) args.get(0), (Long) args.get(1));
                        default -> show(args.get(0), true);
                    };
                }
                case ListLit l -> {
                    List<Object> items = new ArrayList<>();
                    for (Expr item : l.items) {
                        items.add(eval(item));
                    }
                    yield items;
                }
                case Index i -> {
                    List<Object> xs = list(eval(i.list));
                    long index = (Long) eval(i.index);
                    yield xs.get(checkIndex(index, xs.size()));
                }
                case Interp i -> i.prefix + show(eval(i.inner), true) + i.suffix;
                case OrElse o -> {
                    try {
                        yield eval(o.value);
                    } catch (Raise raised) {
                        yield eval(o.fallback);
                    }
                }
            };
        }

        private static Object binary(String op, Object left, Object right) {
            if (op.equals("+") && (left instanceof String || right instanceof String)) {
                return show(left, true) + show(right, true);
            }
            switch (op) {
                case "==":
                    return same(left, right);
                case "!=":
                    return !same(left, right);
                case "<", "<=", ">", ">=": {
                    int c = left instanceof String a ? Integer.signum(a.compareTo((String) right)) : Long.compare((Long) left, (Long) right);
                    return switch (op) {
                        case "<" -> c < 0;
                        case "<=" -> c <= 0;
                        case ">" -> c > 0;
                        default -> c >= 0;
                    };
                }
                default:
                    break;
            }
            long a = (Long) left;
            long b = (Long) right;
            return switch (op) {
                case "+" -> exact(() -> Math.addExact(a, b));
                case "-" -> exact(() -> Math.subtractExact(a, b));
                case "*" -> exact(() -> Math.multiplyExact(a, b));
                case "/" -> {
                    if (b == 0) {
                        throw new Raise("DivisionByZero");
                    }
                    yield exact(() -> Math.divideExact(a, b));
                }
                case "%" -> {
                    if (b == 0) {
                        throw new Raise("DivisionByZero");
                    }
                    yield a % b;
                }
                case "&" -> a & b;
                case "|" -> a | b;
                case "^" -> a ^ b;
                case "<<" -> b >= 64 || b < 0 ? 0L : a << b;
                case ">>" -> b >= 64 || b < 0 ? (a < 0 ? -1L : 0L) : a >> b;
                default -> throw new IllegalStateException("operator " + op);
            };
        }

        private static long exact(java.util.function.LongSupplier op) {
            try {
                return op.getAsLong();
            } catch (ArithmeticException e) {
                throw new Raise("Overflow");
            }
        }

        /** {@code ==}: values of different types are unequal; lists compare item by item (SPEC §2). */
        private static boolean same(Object a, Object b) {
            if (a instanceof List<?> xs && b instanceof List<?> ys) {
                if (xs.size() != ys.size()) {
                    return false;
                }
                for (int i = 0; i < xs.size(); i++) {
                    if (!same(xs.get(i), ys.get(i))) {
                        return false;
                    }
                }
                return true;
            }
            return a.getClass() == b.getClass() && a.equals(b);
        }

        /** The printed form (SPEC §2): strings raw at top level, quoted with escapes inside a list. */
        static String show(Object v, boolean top) {
            if (v instanceof String s) {
                return top ? s : quote(s);
            }
            if (v instanceof List<?> xs) {
                List<String> items = new ArrayList<>();
                for (Object x : xs) {
                    items.add(show(x, false));
                }
                return "[" + String.join(", ", items) + "]";
            }
            return String.valueOf(v);
        }

        private static String quote(String s) {
            StringBuilder sb = new StringBuilder("\"");
            for (char ch : s.toCharArray()) {
                switch (ch) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\t' -> sb.append("\\t");
                    case '\r' -> sb.append("\\r");
                    case '\0' -> sb.append("\\0");
                    default -> sb.append(ch);
                }
            }
            return sb.append('"').toString();
        }
    }
}
