package dev.limn.lang;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.text.Diagnostic;
import dev.limn.text.Source;
import dev.limn.text.Span;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

class ParserTest {

    /** Parses {@code text}, asserting that it has no errors, and prints it back. */
    static String print(String text) {
        List<Diagnostic> errors = new ArrayList<>();
        Ast.Program program = Parser.parse(new Source("test.lm", text), errors);
        assertEquals(List.of(), messages(errors), "errors in: " + text);
        return AstPrinter.program(program);
    }

    static String expr(String text) {
        String printed = print(text + ";");
        return printed.substring(0, printed.length() - 1);
    }

    /** The errors of {@code text}, each as "line:col message". */
    static List<String> errors(String text) {
        List<Diagnostic> errors = new ArrayList<>();
        Parser.parse(new Source("test.lm", text), errors);
        return messages(errors);
    }

    static List<String> messages(List<Diagnostic> errors) {
        return errors.stream().map(d -> d.span() + " " + d.message()).collect(Collectors.toList());
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "=>", value = {
        "1 + 2 * 3                 => (1 + (2 * 3))",
        "1 * 2 + 3                 => ((1 * 2) + 3)",
        "1 - 2 - 3                 => ((1 - 2) - 3)",
        "2 ** 3 ** 2               => (2 ** (3 ** 2))",
        "-2 ** 2                   => ((-2) ** 2)",
        "2 ** -1                   => (2 ** (-1))",
        "a * b ** c                => (a * (b ** c))",
        "a + b << c                => ((a + b) << c)",
        "a << b | c                => ((a << b) | c)",
        "a | b ^ c & d             => (((a | b) ^ c) & d)",
        "a | b .. c                => ((a | b) .. c)",
        "1 .. n + 1                => (1 .. (n + 1))",
        "0 ..< n                   => (0 ..< n)",
        "a .. b < c                => ((a .. b) < c)",
        "a < b == c > d            => ((a < b) == (c > d))",
        "a == b and c != d         => ((a == b) and (c != d))",
        "a and b or c and d        => ((a and b) or (c and d))",
        "a && b || c               => ((a and b) or c)",
        "not a and !b              => ((!a) and (!b))",
        "~a & -b                   => ((~a) & (-b))",
        "- - a                     => (-(-a))",
        "-a.b                      => (-a.b)",
        "-f(x)[1]                  => (-f(x)[1])",
        "a.b.c(d)(e)[f]            => a.b.c(d)(e)[f]",
        "f()?                      => (f()?)",
        "-f()?                     => (-(f()?))",
        "a.b?.c                    => (a.b?).c",
        "a ?else b                 => (a ?else b)",
        "a or b ?else c or d       => ((a or b) ?else (c or d))",
        "a ?else b ?else c         => (a ?else (b ?else c))",
        "f(x)? ?else 0             => ((f(x)?) ?else 0)",
        "f() ? else 0              => (f() ?else 0)",
        "await f() + 1             => ((await f()) + 1)",
        "await a.b(c)              => (await a.b(c))",
        "(1 + 2) * 3               => ((1 + 2) * 3)",
        "a % b / c * d             => (((a % b) / c) * d)",
        "x >> 1 >= y <= z          => (((x >> 1) >= y) <= z)",
        "-9223372036854775808      => -9223372036854775808",
        "- 9223372036854775808     => -9223372036854775808",
    })
    void precedenceAndAssociativity(String source, String expected) {
        assertEquals(expected.strip(), expr(source.strip()));
    }

    @Test
    void literals() {
        assertEquals("[1, 2.5, \"s\", true, false, nil, (duration 500000000)]",
                expr("[1, 2.5, \"s\", true, false, nil, 500ms]"));
        assertEquals("[1, 2]", expr("[1, 2,]"));
        assertEquals("[]", expr("[]"));
        assertEquals("x = {\"a\": 1, \"b\": [2]};", print("x = {\"a\": 1, \"b\": [2],};"));
        assertEquals("x = {};", print("x = {};"));
        assertEquals("{ {} } while (x) {}", print("{ {}; }; while (x) ;"));
        assertEquals("(fn(x) { return (x * 2); })", expr("fn (x) { return x * 2; }"));
        assertEquals("(async fn() {})", expr("async fn () {}"));
        assertEquals("f((fn(a, b) {}), 1)", expr("f(fn(a, b) {}, 1,)"));
    }

    @Test
    void interpolation() {
        assertEquals("(interp \"sum=\" (a + b))", expr("\"sum={a + b}\""));
        assertEquals("(interp \"a\" x \"b\" y)", expr("\"a{x}b{y}\""));
        assertEquals("(interp (interp \"n=\" d[\"k\"]) \"!\")", expr("\"{\"n={d[\"k\"]}\"}!\""));
        assertEquals("(interp {\"a\": 1}[\"a\"])", expr("\"{ {\"a\": 1}[\"a\"] }\""));
        assertEquals("\"{literal}\"", expr("\"\\{literal\\}\""));
    }

    @Test
    void interpolatedExpressionsHaveRealPositions() {
        List<Diagnostic> errors = new ArrayList<>();
        Ast.Program program = Parser.parse(new Source("t.lm", "print(\"x={a + bb}\");"), errors);
        Ast.Call call = (Ast.Call) ((Ast.ExprStmt) program.body().getFirst()).expr();
        Ast.Interp interp = (Ast.Interp) call.args().getFirst();
        Ast.Binary sum = (Ast.Binary) interp.parts().get(1);
        assertEquals(new Span(1, 11, 6), sum.span());
        assertEquals(new Span(1, 15, 2), sum.right().span());
        assertEquals(List.of("1:11 expected an expression, found '}'"), errors("x = \"{a + }\";"));
        assertEquals(List.of("1:7 empty expression in string interpolation"), errors("x = \"{}\";"));
        assertEquals(List.of("1:9 expected '}' after the interpolated expression, found 'b'"), errors("x = \"{a b}\";"));
    }

    @Test
    void declarationsAndAssignments() {
        assertEquals("var x = 1; var y: int = 2; var z: str; var xs: list = []; var d: dict;",
                print("var x = 1; var y: int = 2; var z: str; var xs: [int] = []; var d: {str: [int]};"));
        assertEquals("x = 1; xs[0] += 2; o.f -= 3; a *= 4; b /= 5; c %= 6;",
                print("x = 1; xs[0] += 2; o.f -= 3; a *= 4; b /= 5; c %= 6;"));
        assertEquals("f(x); (a + 1);", print("f(x); a + 1;"));
    }

    @Test
    void controlFlow() {
        assertEquals("if (a) { f(); } elif (b) g(); elif (c) {} else { h(); }",
                print("if (a) { f(); } elif (b) g(); elif (c) {} else { h(); }"));
        assertEquals("if ((n < 2)) return n;", print("if (n < 2) return n;"));
        assertEquals("if (a) break; else if (b) continue;", print("if (a) break; else if (b) continue;"));
        assertEquals("while (true) { x += 1; }", print("while (true) { x += 1; }"));
        assertEquals("for (var i = 0; (i < n); i += 1) { print(i); }",
                print("for (var i = 0; i < n; i += 1) { print(i); }"));
        assertEquals("for (; ; ) {}", print("for (;;) {}"));
        assertEquals("for (i = 0; ; f()) x;", print("for (i = 0;; f()) x;"));
        assertEquals("iter (x in xs) f(x);", print("iter (x in xs) f(x);"));
        assertEquals("iter (var x in (1 .. 10)) {}", print("iter (var x in 1..10) {}"));
        assertEquals("iter (k, v in d) {}", print("iter (k, v in d) {}"));
        assertEquals("{ var x = 1; { x; } }", print("{ var x = 1; { x; } }"));
        assertEquals("return; return (a + b);", print("return; return a + b;"));
    }

    @Test
    void iterShape() {
        List<Diagnostic> errors = new ArrayList<>();
        Ast.Iter iter = (Ast.Iter) Parser.parse(new Source("t", "iter (i, x in xs) {}"), errors).body().getFirst();
        assertEquals("i", iter.first());
        assertEquals("x", iter.second());
        assertTrue(!iter.declared());
        Ast.Iter single = (Ast.Iter) Parser.parse(new Source("t", "iter (var x in xs) {}"), errors).body().getFirst();
        assertNull(single.first());
        assertTrue(single.declared());
        assertEquals(List.of(), errors);
    }

    @Test
    void functions() {
        assertEquals("fn add(a, b: int, c = 10): int { return ((a + b) + c); }",
                print("fn add(a, b: int, c = 10): int { return a + b + c; }"));
        assertEquals("async fn fetch(url) { return url; }", print("async fn fetch(url) { return url; }"));
        assertEquals("fn f() { fn g() {} return g; }", print("fn f() { fn g() {} return g; }"));
        assertEquals("fn f(xs: list, d: dict,) {}".replace(",)", ")"), print("fn f(xs: [int], d: {str: int},) {}"));
        assertEquals("var f = (fn(x) { return x; })(3);", print("var f = fn(x) { return x; }(3);"));
    }

    @Test
    void errorsAndHandlers() {
        assertEquals("attempt { f(); } handle DivisionByZero(e) { print(e); } handle(x) {} handle Timeout {}",
                print("attempt { f(); } handle DivisionByZero(e) { print(e); } handle (x) {} handle Timeout {}"));
        assertEquals("var v = (f() ?else (e) { print(e); 0; });", print("var v = f() ?else (e) { print(e); 0; };"));
        assertEquals("var v = (f() ?else { 1; });", print("var v = f() ?else { 1; };"));
        assertEquals("var v = (f() ?else (0));".replace("(0)", "0"), print("var v = f() ?else (0);"));
        assertEquals("return err(Kind(\"m\"));", print("return err(Kind(\"m\"));"));
    }

    @Test
    void concurrency() {
        assertEquals("concurrent(ch=out, mode=batch, cores=Auto, on_error=Stop, timeout=(duration 2000000000), "
                        + "grace=(duration 500000000), on_timeout=partial) { task(i in (1 .. 10)) { return i; } "
                        + "task { f(); } worker(x from jobs) { g(x); } }",
                print("concurrent(ch=out, mode=batch, cores=Auto, on_error=Stop, timeout=2s,\n"
                        + "           grace=500ms, on_timeout=partial) {\n"
                        + "    task(i in 1..10) { return i; }\n"
                        + "    task { f(); }\n"
                        + "    worker(x from jobs) { g(x); }\n"
                        + "}"));
        // iter(v in e) directly in a parallel block is the parallel loop: the same node as task(v in e)
        assertEquals("parallel(cores=4, pin=true) { task(i in (0 .. 999999)) {} }",
                print("parallel(cores=4, pin=true) { iter(i in 0..999_999) {} }"));
        assertEquals("concurrent() {} parallel() {} concurrent() {}",
                print("concurrent {} parallel() {} concurrent(,) {}".replace("(,)", "()")));
        assertEquals("concurrent(mode=async, handle=h) { worker(x) {} }",
                print("concurrent(mode=async, handle=h) { worker(x) {} }"));
        assertEquals("var v = (await f);", print("var v = await f;"));
    }

    @Test
    void blockParamsAreExpressions() {
        List<Diagnostic> errors = new ArrayList<>();
        Ast.BlockStmt block = (Ast.BlockStmt) Parser.parse(new Source("t",
                "concurrent(cores=4, timeout=1.5s, on_error=Retry, pin=false) {}"), errors).body().getFirst();
        assertEquals(Ast.BlockKind.CONCURRENT, block.kind());
        assertInstanceOf(Ast.IntLit.class, block.params().get(0).value());
        assertEquals(new Ast.DurationLit(1_500_000_000L, new Span(1, 29, 4)), block.params().get(1).value());
        assertInstanceOf(Ast.Name.class, block.params().get(2).value());
        assertInstanceOf(Ast.BoolLit.class, block.params().get(3).value());
    }

    @Test
    void spans() {
        List<Diagnostic> errors = new ArrayList<>();
        Ast.Program program = Parser.parse(new Source("t", "var x = a / b;\n  f(1, 2);"), errors);
        Ast.VarDecl decl = (Ast.VarDecl) program.body().get(0);
        assertEquals(new Span(1, 9, 5), decl.init().span());
        assertEquals(new Span(1, 1, 13), decl.span());
        Ast.ExprStmt call = (Ast.ExprStmt) program.body().get(1);
        assertEquals(new Span(2, 3, 7), call.span());
    }

    /**
     * Carets underline an expression's span, so it must reach the bracket that closes the
     * expression: a parenthesised operand once left its ')' (and its '(') out of the span.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "10 / (3 - i)", "(3 - i) / 10", "(a)", "((a))", "-(a)", "await (a)", "1 .. (n)",
            "a ?else (b)", "(a).b", "(f)(x)", "(xs)[0]", "(r)?",
            "f(x)", "1 + f(x)", "xs[i]", "1 + xs[i]", "[1, 2]", "1 + [1, 2]", "{\"k\": 1}",
            "1 + {\"k\": 1}", "1 + fn(x) { return x; }", "a ?else { return 1; }"})
    void anExpressionSpansUpToTheBracketThatEndsIt(String text) {
        List<Diagnostic> errors = new ArrayList<>();
        Ast.Program program = Parser.parse(new Source("t", "var v = " + text + ";"), errors);
        assertEquals(List.of(), messages(errors));
        Span span = ((Ast.VarDecl) program.body().getFirst()).init().span();
        assertEquals("1:9 length " + text.length(), span + " length " + span.length());
    }

    @Test
    void parenthesesOnTwoLinesLeaveTheInnerExpressionItsOwnSpan() {
        List<Diagnostic> errors = new ArrayList<>();
        Ast.Program program = Parser.parse(new Source("t", "var v = (\n  a + b\n);"), errors);
        assertEquals(List.of(), messages(errors));
        Span span = ((Ast.VarDecl) program.body().getFirst()).init().span();
        assertEquals("2:3 length 5", span + " length " + span.length());
    }

    // ---------------------------------------------------------------- errors

    @Test
    void missingSemicolonPointsJustAfterThePreviousToken() {
        assertEquals(List.of("1:9 expected ';' after expression"), errors("print(1)\nprint(2);"));
        assertEquals(List.of("1:10 expected ';' after variable declaration"), errors("var x = 1\nvar y = 2;"));
        assertEquals(List.of("2:6 expected ';' after 'break'"), errors("while (true) {\nbreak\n}"));
        assertEquals(List.of("1:6 expected ';' after assignment"), errors("x = 1 y = 2;"));
    }

    @Test
    void specificMessages() {
        assertEquals(List.of("1:9 expected an expression, found ';'"), errors("var x = ;"));
        assertEquals(List.of("1:10 expected ')' to close '(' at 1:2, found ';'"), errors("f((1 + 2);"));
        assertEquals(List.of("1:1 invalid assignment target"), errors("1 = 2;"));
        assertEquals(List.of("1:1 invalid assignment target"), errors("f() += 2;"));
        assertEquals(List.of("1:5 expected an expression, found 'while'"), errors("x = while;"));
        assertEquals(List.of("1:5 unexpected 'else'"), errors("x = else;"));
        assertEquals(List.of("1:9 integer literal does not fit in 64 bits"), errors("var x = 9223372036854775808;"));
        assertEquals(List.of("1:10 integer literal does not fit in 64 bits"), errors("var x = -9223372036854775808.abs();"));
        assertEquals(List.of("1:4 expected '(' after 'if'"), errors("if x { }"));
        assertEquals(List.of("1:17 expected 'handle' after the body of 'attempt'"), errors("attempt { f(); } x;"));
        assertEquals(List.of("1:1 unexpected '}'"), errors("}"));
        assertEquals(List.of("1:12 expected '}' to close '{' at 1:8, found end of file"), errors("fn f() { x;"));
    }

    @Test
    void missingCommaIsNamed() {
        assertEquals(List.of("1:15 expected ',' or ']' after a list item, found '3'"), errors("var a = [1, 2 3];"));
        assertEquals(List.of("1:8 expected ',' or ')' after a parameter, found 'y'"), errors("fn f(x y) { return x; }"));
        assertEquals(List.of("1:5 expected ',' or ')' after an argument, found 'b'"), errors("f(a b);"));
        assertEquals(List.of("1:17 expected ',' or '}' after a dict entry, found '\"b\"'"),
                errors("var d = {\"a\": 1 \"b\": 2};"));
        assertEquals(List.of("1:14 expected ':' after a dict key"), errors("var d = {\"a\" 1};"));
    }

    @Test
    void lexerErrorsAreNotEchoedByTheParser() {
        assertEquals(List.of("1:9 unterminated string"), errors("var t = \"open;\nvar u = 1;"));
        assertEquals(List.of("1:5 invalid suffix 'x' on number (durations use ns us ms s m h)"), errors("var 1x = 2;"));
        assertEquals(List.of("1:5 unexpected character '$'"), errors("x = $;\ny = 1;"));
        assertEquals(List.of("1:5 integer literal does not fit in 64 bits"), errors("x = 99999999999999999999;"));
    }

    @Test
    void misplacedKeywords() {
        assertEquals(List.of("1:17 expected 'handle' after the body of 'attempt'"), errors("attempt { x(); }\nvar y = 1;"));
        assertEquals(List.of("2:1 expected an expression, found 'var'"), errors("var m = 3 +\nvar n = 4;"));
        assertEquals(List.of("1:1 unexpected 'elif'"), errors("elif (x) { }"));
        assertEquals(List.of("1:7 expected 'in' after the task variable"), errors("task(x) { }"));
        assertEquals(List.of("1:8 expected '(' after 'worker'"), errors("worker { }"));
        assertEquals(List.of("1:18 expected '=' after the parameter name 'cores'"), errors("concurrent(cores 4) { }"));
        assertEquals(List.of("1:9 expected 'in' after the loop variable"), errors("iter (x of xs) { }"));
        assertEquals(List.of("1:8 expected a type, found '1'"), errors("var x: 1 = 2;"));
        assertEquals(List.of("1:5 expected 'fn' after 'async'"), errors("x = async 3;"));
    }

    @Test
    void reportsEveryBadStatement() {
        String program = """
                var a = 1;
                var b = (2 + ;
                print(a);
                fn f(x) {
                    var y = x +* 2;
                    return y;
                }
                if (a > ) { print(1); }
                var c = 3
                print(c);
                """;
        assertEquals(List.of(
                "2:14 expected an expression, found ';'",
                "5:16 unexpected '*'",
                "8:9 expected an expression, found ')'",
                "9:10 expected ';' after variable declaration"), errors(program));
    }

    @Test
    void recoveryKeepsTheGoodStatements() {
        List<Diagnostic> errors = new ArrayList<>();
        Ast.Program program = Parser.parse(new Source("t", "var a = 1;\nvar b = @;\nvar c = 3;\n"), errors);
        assertEquals(List.of("2:9 unexpected character '@'"), messages(errors));
        assertEquals("var a = 1; var c = 3;", AstPrinter.program(program));
    }

    @Test
    void missingCloseParenInForDoesNotSwallowTheLoop() {
        assertEquals(List.of("1:16 expected ';' after the initializer of 'for'"),
                errors("for (var i = 0 i < n; i += 1) { f(i); }\nprint(1);"));
        assertEquals(List.of("1:7 expected ')' to close '(' at 1:4, found '{'", "3:1 expected an expression, found ')'"),
                errors("if (x { f(); }\ng();\n);"));
    }

    @Test
    void nestingTooDeepIsAnError() {
        String deep = "(".repeat(200) + "1" + ")".repeat(200);
        List<String> errors = errors("var x = " + deep + ";\nvar y = 2;");
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.getFirst().contains("nesting too deep"), errors.toString());

        List<String> blocks = errors("{".repeat(1000) + "}".repeat(1000) + " x = 1;");
        assertEquals(1, blocks.size(), blocks.toString());
        assertTrue(blocks.getFirst().contains("nesting too deep"));

        assertTrue(errors("x = " + "-".repeat(5000) + "1;").getFirst().contains("nesting too deep"));
        assertTrue(errors("x = 2" + " ** 2".repeat(5000) + ";").getFirst().contains("nesting too deep"));
        assertTrue(errors("if (a) x; else ".repeat(3000) + "y;").getFirst().contains("nesting too deep"));
        assertTrue(errors("x = 1" + " + 1".repeat(50_000) + ";").getFirst().contains("expression too long"));
        assertEquals(List.of(), errors("x = 1" + " + 1".repeat(990) + ";"));
    }

    @Test
    void iterDirectlyInAParallelBlockIsItsLoopAndDeeperItersStayLoops() {
        assertEquals("parallel() { task(i in (1 .. 3)) { iter (j in xs) {} } }",
                print("parallel { iter(i in 1..3) { iter(j in xs) {} } }"));
        assertEquals("parallel() { task(x in xs) { f(x); } }", print("parallel { iter(x in xs) f(x); }"));
        assertEquals("concurrent() { iter (i in xs) {} }", print("concurrent { iter(i in xs) {} }"));
        assertEquals("parallel() { task(k, v in d) { f(k, v); } }", print("parallel { iter(k, v in d) f(k, v); }"));
        assertEquals("parallel() { task(k, v in d) {} }", print("parallel { task(k, v in d) {} }"));
    }
}
