package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProgramsTest {
    private static void expect(String program, String output) {
        assertEquals(output, LimnRunner.out(program));
    }

    @Test
    void literalsAndPrint() {
        expect("print(1, 2.5, true, nil, \"s\");", "1 2.5 true nil s\n");
        expect("print();", "\n");
        expect("print(0.1, 3.0, 1e20);", "0.1 3.0 1.0E20\n");
        expect("print([1, 2, \"a\"], {\"a\": 1, \"b\": [2]});", "[1, 2, \"a\"] {\"a\": 1, \"b\": [2]}\n");
        expect("print(1..10, 1..<10);", "1..10 1..<10\n");
        expect("print(1500ms, 2000ms, 90s, 60s, 250us, 7ns, 3600s);", "1500ms 2s 90s 1m 250us 7ns 1h\n");
    }

    @Test
    void arithmetic() {
        expect("print(7 / 2, -7 / 2, 7 % 3, -7 % 3, 2 ** 10, 2 ** -1, 1 + 2.5, 7.0 / 2);",
                "3 -3 1 -1 1024 0.5 3.5 3.5\n");
        expect("print(\"a\" + 1, 1 + \"a\", \"x\" + [1]);", "a1 1a x[1]\n");
        expect("print(1.0 / 0.0, -1.0 / 0.0);", "Infinity -Infinity\n");
        expect("print(1s + 500ms, 2s * 3, 3s / 2s, 1s / 4);", "1500ms 6s 1.5 250ms\n");
    }

    @Test
    void variablesAndControlFlow() {
        expect("var s = 0; iter (i in 0..<10) { s += i; } print(s);", "45\n");
        expect("var s = 0; iter (i in 1..10) { s += i; } print(s);", "55\n");
        expect("var i = 0; while (i < 5) { i += 1; if (i == 3) continue; if (i == 5) break; print(i); }", "1\n2\n4\n");
        expect("for (var i = 0; i < 3; i += 1) { print(i); }", "0\n1\n2\n");
        expect("x = 5; if (x > 3) { print(\"big\"); } elif (x > 1) { print(\"mid\"); } else { print(\"small\"); }", "big\n");
        expect("var a = true; var b = false; print(a and b, a or b, not a, !b);", "false true false true\n");
        expect("iter (c in \"abc\") print(c);", "a\nb\nc\n");
        expect("iter (i, x in [10, 20]) print(i, x);", "0 10\n1 20\n");
        expect("var d = {\"a\": 1, \"b\": 2}; iter (k, v in d) print(k, v); iter (k in d) print(k);", "a 1\nb 2\na\nb\n");
        expect("var r = 1..3; iter (x in r) print(x);", "1\n2\n3\n");
    }

    @Test
    void functionsAndClosures() {
        expect("fn fib(n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); } print(fib(20));", "6765\n");
        expect("fn add(a, b = 10) { return a + b; } print(add(1), add(1, 2));", "11 3\n");
        expect("fn counter() { var c = 0; return fn () { c += 1; return c; }; } var f = counter(); f(); print(f());", "2\n");
        expect("print(even(10)); fn even(n) { if (n == 0) return true; return odd(n - 1); } fn odd(n) { if (n == 0) return false; return even(n - 1); }", "true\n");
        expect("fn f() { } print(f());", "nil\n");
        expect("fn f() { } print(f, print);", "<fn f> <fn print>\n");
        expect("var fs = []; iter (i in 0..<3) { fs.push(fn () { return i; }); } print(fs[0](), fs[2]());", "0 2\n");
        expect("fn f(n) { if (n == 0) return 0; return 1 + f(n - 1); } print(f(50000));", "50000\n");
    }

    @Test
    void errorsAndHandlers() {
        expect("attempt { var x = 1 / 0; } handle DivisionByZero(e) { print(e.kind, e.message); }", "DivisionByZero division by zero\n");
        expect("fn f() { return err(Oops(\"bad\")); } attempt { f(); } handle (e) { print(e); }", "Oops: bad\n");
        expect("fn f() { return err(Oops); } var v = f() ?else 7; print(v);", "7\n");
        expect("var v = (1 / 0) ?else (e) { print(e.kind); 9; }; print(v);", "DivisionByZero\n9\n");
        expect("attempt { [1][5]; } handle KeyNotFound { print(\"no\"); } handle (e) { print(e); }",
                "IndexOutOfBounds: index 5 out of bounds for length 1\n");
        expect("print(type_of(err(\"x\")), ok(3));", "error 3\n");
        expect("fn deep(n) { return deep(n + 1); } attempt { deep(0); } handle StackOverflow { print(\"so\"); }", "so\n");
    }

    @Test
    void unhandledErrorDiagnostic() {
        LimnRunner.Result r = LimnRunner.run("var a = 1;\nvar b = 0;\nvar x = a / b;\n");
        assertEquals(1, r.status());
        assertEquals("""
                error[DivisionByZero]: division by zero
                 --> test.lm:3:9
                  |
                3 | var x = a / b;
                  |         ^^^^^
                  = in main task
                """, r.err());
    }

    @Test
    void builtinsAndMethods() {
        expect("print(len(\"abc\"), str(1.5), int(\"12\"), int(3.9), float(2), type_of(1..2), abs(-3), min(3, 1, 2), max([4, 9]));",
                "3 1.5 12 3 2.0 range 3 1 9\n");
        expect("print(sqrt(16), floor(2.7));", "4.0 2\n");
        expect("print(\"a,b\".split(\",\"), \" x \".trim(), \"ab\".upper(), \"abc\".replace(\"b\", \"x\"));", "[\"a\", \"b\"] x AB axc\n");
        expect("var xs = [1, 2]; xs.push(3); print(xs.pop(), xs.len(), xs.contains(2), xs.join(\"-\"));", "3 2 true 1-2\n");
        expect("var d = {}; d[\"k\"] = 1; print(d.has(\"k\"), d.get(\"z\", 0), d.keys(), d.values(), d.len());", "true 0 [\"k\"] [1] 1\n");
        expect("var x: float = 1; print(x);", "1.0\n");
        expect("print(\"s={1 + 2}\");", "s=3\n");
        expect("print(1 == 1.0, [1, 2] == [1, 2], \"a\" < \"b\", 1 != \"1\");", "true true true true\n");
    }

    @Test
    void runtimeErrors() {
        assertTrue(LimnRunner.run("var x: int = \"s\";").err().contains("cannot assign str to variable 'x' of type int"));
        assertTrue(LimnRunner.run("if (1) { }").err().contains("condition must be bool, got int"));
        assertTrue(LimnRunner.run("print(1 + true);").err().contains("cannot apply '+' to int and bool"));
        assertTrue(LimnRunner.run("fn add(a, b) { return a + b; } add(1, 2, 3);").err().contains("fn add expects 2 arguments, got 3"));
        assertTrue(LimnRunner.run("var d = {}; d[\"x\"];").err().contains("key \"x\" not found"));
        assertTrue(LimnRunner.run("print(9223372036854775807 + 1);").err().contains("error[Overflow]"));
        assertTrue(LimnRunner.run("\"s\".foo();").err().contains("str has no method 'foo'"));
        assertTrue(LimnRunner.run("assert(1 == 2, \"msg\");").err().contains("error[AssertionFailed]: msg"));
        assertTrue(LimnRunner.run("int(\"x\");").err().contains("cannot convert \"x\" to int"));
    }

    @Test
    void compileErrors() {
        LimnRunner.Result r = LimnRunner.run("print(y);\nbreak;\nfn f(a, a) { }\nlen(1, 2);\nvar z: foo = 1;\natomic(1);\nreturn 1;");
        assertEquals(2, r.status());
        for (String m : new String[] {"undefined variable 'y'", "break outside a loop", "duplicate parameter 'a'",
                "len expects 1 argument, got 2", "unknown type 'foo'", "'atomic' is not supported yet", "return outside a function"}) {
            assertTrue(r.err().contains(m), m + " in\n" + r.err());
        }
    }
}
