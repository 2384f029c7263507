package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.run.CompiledProgram;
import dev.limn.run.Limn;
import dev.limn.run.RunOptions;

import org.junit.jupiter.api.Test;

class MoreProgramsTest {
    private static void expect(String program, String output) {
        assertEquals(output, LimnRunner.out(program));
    }

    private static void fails(String program, String kind, String message) {
        LimnRunner.Result r = LimnRunner.run(program);
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().startsWith("error[" + kind + "]: " + message), r.err());
    }

    @Test
    void scopingAndShadowing() {
        expect("var x = 1; var f = fn () { return x; }; var x = 2; print(x, f());", "2 1\n");
        expect("var x = 1; { var x = 5; print(x); } print(x);", "5\n1\n");
        expect("if (true) { y = 3; print(y); }", "3\n");
        expect("var n = 0; fn inc() { n += 1; } inc(); inc(); print(n);", "2\n");
        expect("var x = 1; var x = x + 1; print(x);", "2\n");
    }

    @Test
    void loopsWithHandlersAndBreaks() {
        expect("var out = []; iter (i in 0..<5) { attempt { if (i == 2) { var z = 1 / 0; } out.push(i); } handle (e) { out.push(\"e\"); } if (i == 3) break; } print(out);",
                "[0, 1, \"e\", 3]\n");
        expect("var s = 0; iter (x in [1, 2, 3]) { if (x == 2) continue; s += x; } print(s);", "4\n");
        expect("var i = 0; for (; i < 10; i += 1) { if (i == 4) break; } print(i);", "4\n");
        expect("iter (i in 5..1) print(i); print(\"done\");", "done\n");
        expect("var xs = [1, 2]; iter (x in xs) { xs.push(x); } print(xs);", "[1, 2, 1, 2]\n");
    }

    @Test
    void orElseReturnsAndRaises() {
        expect("fn f() { var v = (1 / 0) ?else (e) { return \"from block\"; }; return v; } print(f());", "from block\n");
        expect("fn g(x) { return err(Bad(\"m{x}\")); } var r = g(1) ?else (e) { e.message; }; print(r);", "m1\n");
        expect("var r = (1 / 0) ?else { 5; }; print(r);", "5\n");
        expect("var r = (1 / 0) ?else { print(\"x\"); }; print(r);", "x\nnil\n");
        fails("attempt { var x = 1 / 0; } handle (e) { return err(e); }", "DivisionByZero", "division by zero");
        fails("fn f() { return err(Custom); } f();", "Custom", "Custom");
        expect("fn f(x) { return x * 2; } print(f(3)?);", "6\n");
        expect("var e = err(\"boom\"); print(e, e.kind, type_of(e), e == e);", "Error: boom Error error true\n");
    }

    @Test
    void typeChecks() {
        fails("fn f(x: int) { return x; } f(\"s\");", "TypeMismatch", "cannot assign str to variable 'x' of type int");
        fails("fn f(): int { return \"s\"; } f();", "TypeMismatch", "fn f must return int, got str");
        expect("var xs: [int] = [1]; var d: {str: int} = {}; var a: any = 1; a = \"s\"; print(xs, d, a);", "[1] {} s\n");
        fails("var x: int = 1; x = 2.5;", "TypeMismatch", "cannot assign float to variable 'x' of type int");
        fails("var c = 0; while (c) { }", "TypeMismatch", "condition must be bool, got int");
        fails("print(1 and true);", "TypeMismatch", "condition must be bool, got int");
    }

    @Test
    void collectionsAndStrings() {
        expect("var xs = [1, 2, 3]; xs[0] += 10; xs[1] = \"b\"; print(xs, xs[-0]);", "[11, \"b\", 3] 11\n");
        fails("var xs = [1, 2, 3]; xs[-1];", "IndexOutOfBounds", "index -1 out of bounds for length 3");
        expect("var d = {1: \"a\"}; print(d[1.0], d.has(1));", "a true\n");
        expect("print(\"abc\"[1], len(\"\"), \"q\\\"\" , [\"q\\\"\"]);", "b 0 q\" [\"q\\\"\"]\n");
        expect("var xs = [3, 1]; xs.insert(1, 9); print(xs.len(), xs.remove(0), xs);", "3 3 [9, 1]\n");
        expect("var d = {\"a\": 1}; print(d.remove(\"a\"), d);", "1 {}\n");
        expect("var xs = [3, 1.5, 2]; print(xs.sort(), xs, [\"b\", \"a\"].sort());", "[1.5, 2, 3] [1.5, 2, 3] [\"a\", \"b\"]\n");
        fails("[1, \"a\"].sort();", "TypeMismatch", "cannot apply '<' to");
        fails("print({\"a\": 1}[\"b\"]);", "KeyNotFound", "key \"b\" not found");
        fails("print(1.5..3);", "TypeMismatch", "range bounds must be int, got float");
        expect("print(type_of(1), type_of(1.0), type_of(\"\"), type_of(nil), type_of([]), type_of({}), type_of(1s), type_of(print), type_of(fn () { }));",
                "int float str nil list dict duration function function\n");
    }

    @Test
    void numbers() {
        fails("print(5 % 0);", "DivisionByZero", "division by zero");
        fails("print(2 ** 64);", "Overflow", "");
        expect("print(-9223372036854775807 - 1);", "-9223372036854775808\n");
        expect("print(2 * 3.0, 7 // comment\n);", "6.0 7\n");
        expect("print(1 < 1.5, 2.0 == 2, 0.1 + 0.2);", "true true 0.30000000000000004\n");
        expect("print(1 << 4, 255 & 15, 1 | 2, 5 ^ 1, ~0, 16 >> 2);", "16 15 3 4 -1 4\n");
        expect("print(max(1, 2.5), min([3, 2]), abs(-2.5), int(-3.9));", "2.5 2 2.5 -3\n");
    }

    @Test
    void arityErrors() {
        fails("fn f(a, b = 1) { } f();", "ArityMismatch", "fn f expects 2 arguments, got 0");
        fails("var p = len; p(1, 2);", "ArityMismatch", "len expects 1 argument, got 2");
        fails("var x = 5; x();", "TypeMismatch", "cannot call int");
        fails("[].push();", "ArityMismatch", "method push expects 1 argument, got 0");
    }

    @Test
    void stackOverflowIsCatchableAndDeepRecursionChainsBlocks() {
        RunOptions shallow = RunOptions.defaults().withMaxDepth(50);
        assertEquals(1, Limn.run(compile("fn f(n) { return f(n + 1); } f(0);"), shallow, System.out, new java.io.PrintStream(java.io.OutputStream.nullOutputStream())));
        expect("fn f(n) { if (n == 0) return 0; var a = n; var b = a; return f(n - 1) + 1; } print(f(99000));", "99000\n");
        fails("fn f(n) { return f(n + 1); } f(0);", "StackOverflow", "call depth exceeded 100000");
    }

    @Test
    void aChainOfAwaitsCountsAgainstTheDepthLimit() {
        // Regression: an async recursion grew without bound (17 GB) instead of overflowing.
        String endless = "async fn af(n) { return await af(n + 1); }\n";
        LimnRunner.Result uncaught = LimnRunner.run(endless + "print(await af(0));");
        assertEquals(1, uncaught.status(), uncaught.err());
        assertTrue(uncaught.err().startsWith("""
                error[StackOverflow]: call depth exceeded 100000
                 --> test.lm:1:31
                """), uncaught.err());
        assertTrue(uncaught.err().contains("= in async call 100000 of fn af in the program"), uncaught.err());
        expect(endless + "attempt { print(await af(0)); } handle StackOverflow(e) { print(\"caught\", e.message); } print(\"after\");",
                "caught call depth exceeded 100000\nafter\n");
        expect("async fn af(n) { if (n == 1000) return n; return await af(n + 1); } print(await af(0));", "1000\n");
    }

    @Test
    void maxDepthBoundsSyncCallsAsyncChainsAndTasksAlike() {
        // each reaches n = 49 (50 frames above the top level's) and no further under --max-depth 50
        String sync = "fn f(n) { if (n == L) return n; return f(n + 1); } print(f(0));";
        String async = "async fn f(n) { if (n == L) return n; return await f(n + 1); } print(await f(0));";
        String viaTasks = "fn f(n) { if (n == L) return n; concurrent(ch=out) { task { return f(n + 1); } } return out.recv(); } print(f(0));";
        RunOptions shallow = RunOptions.defaults().withSeed(42L).withMaxDepth(50);
        for (String program : new String[] {sync, async}) {
            LimnRunner.Result ok = LimnRunner.run("t.lm", program.replace("L", "49"), shallow);
            assertEquals("49\n", ok.out(), ok.err());
            LimnRunner.Result deep = LimnRunner.run("t.lm", program.replace("L", "50"), shallow);
            assertEquals(1, deep.status(), deep.err());
            assertTrue(deep.err().startsWith("error[StackOverflow]: call depth exceeded 50"), deep.err());
        }
        // a task's frames sit on those of the body that started it: two frames per level here
        assertEquals("24\n", LimnRunner.run("t.lm", viaTasks.replace("L", "24"), shallow).out());
        LimnRunner.Result tasks = LimnRunner.run("t.lm", viaTasks.replace("L", "25"), shallow);
        assertEquals(1, tasks.status(), tasks.err());
        assertTrue(tasks.err().startsWith("error[StackOverflow]: call depth exceeded 50"), tasks.err());
    }

    private static CompiledProgram compile(String text) {
        try {
            return Limn.compile("t.lm", text);
        } catch (dev.limn.lang.CompileException e) {
            throw new AssertionError(e.render());
        }
    }
}
