package dev.limn.lang;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.text.Diagnostic;
import dev.limn.text.Source;
import dev.limn.text.Span;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

/** Truncated, mutated and random inputs: the parser reports errors and never lets a Java exception out. */
class ParserRobustnessTest {

    static final List<String> SAMPLES = List.of("""
            // basics
            var total: int = 0;
            var names: [str] = ["a", "b",];
            var ages: {str: int} = {"a": 1, "b": 2};
            fn add(a, b: int, c = 10): int { return a + b * c ** 2; }
            for (var i = 0; i < 10; i += 1) { total += add(i, 2); }
            iter (k, v in ages) { print("k={k} v={v + 1}"); }
            if (total >= 100 and not false) print("big"); elif (total > 0) { print("small"); } else print(0xff_ff);
            while (total > 0) { total -= 1; if (total % 7 == 0) break; else continue; }
            var f = fn (x) { return -x ?else 0; };
            var r = 1..<10; var s = 0b1010 | 3 ^ 5 & ~1 << 2 >> 1;
            /* block
               comment */
            print("escapes \\n \\t \\" \\{ \\} \\u{1F600}", 3.14, 1e9, 2.5e-3, 500ms, 1.5s, 2m);
            """, """
            async fn fetch(url) { sleep(10ms); return url; }
            var jobs = channel(16);
            concurrent(ch=out, mode=batch, cores=Auto, on_error=Stop, timeout=2s, grace=500ms,
                       on_timeout=partial) {
                task(i in 1..10) { return i * i; }
                task { jobs.send(1); jobs.close(); }
                worker(x from jobs) { return x; }
            }
            parallel(cores=4, pin=false) { iter(i in 0..999_999) { hits += 1; } }
            concurrent { worker(item) { print(item); } }
            var fut = fetch("u");
            var v = await fut;
            attempt { var q = 1 / 0; } handle DivisionByZero(e) { print(e.message); } handle (e) { return err(e); }
            var w = risky()? ?else (e) { print(e.kind); 0; };
            var z = risky() ?else { -1; };
            """);

    /** Parses {@code text} and checks every diagnostic is well formed and renders. */
    static void parseQuietly(String text) {
        List<Diagnostic> errors = new ArrayList<>();
        Source source = new Source("fuzz.lm", text);
        Ast.Program program;
        try {
            program = Parser.parse(source, errors);
        } catch (Throwable t) {
            throw new AssertionError("parse threw " + t + " for input:\n" + text, t);
        }
        assertNotNull(program);
        for (Diagnostic d : errors) {
            assertFalse(d.message().startsWith("internal error") || d.message().contains("stack of this thread"),
                    () -> d.message() + " for input:\n" + text);
            assertTrue(d.span().line() >= 1 && d.span().line() <= source.lineCount(), () -> d.span() + " in:\n" + text);
            assertTrue(d.span().col() >= 1, () -> d.span() + " in:\n" + text);
            assertFalse(d.render().isEmpty());
        }
        for (int i = 1; i < errors.size(); i++) {
            Span before = errors.get(i - 1).span();
            Span after = errors.get(i).span();
            assertTrue(before.line() < after.line() || (before.line() == after.line() && before.col() <= after.col()),
                    "diagnostics out of source order");
        }
    }

    @Test
    void samplesParseCleanly() {
        for (String sample : SAMPLES) {
            List<Diagnostic> errors = new ArrayList<>();
            Ast.Program program = Parser.parse(new Source("sample.lm", sample), errors);
            assertEquals(List.of(), errors.stream().map(d -> d.span() + " " + d.message()).toList());
            assertFalse(program.body().isEmpty());
        }
    }

    @Test
    void everyTruncation() {
        for (String sample : SAMPLES) {
            for (int end = 0; end <= sample.length(); end++) {
                parseQuietly(sample.substring(0, end));
                parseQuietly(sample.substring(end));
            }
        }
    }

    @Test
    void randomMutations() {
        String interesting = "(){}[];,.:?\"\\/*+-=<>!&|^~%{}0123456789abexms_ \n\t@#$'`\u00e9\uD83D";
        Random random = new Random(20261125);
        for (String sample : SAMPLES) {
            for (int round = 0; round < 1500; round++) {
                StringBuilder text = new StringBuilder(sample);
                int edits = 1 + random.nextInt(4);
                for (int e = 0; e < edits; e++) {
                    int at = random.nextInt(text.length() + 1);
                    switch (random.nextInt(4)) {
                        case 0 -> {
                            if (at < text.length()) {
                                text.deleteCharAt(at);
                            }
                        }
                        case 1 -> text.insert(at, interesting.charAt(random.nextInt(interesting.length())));
                        case 2 -> {
                            int from = random.nextInt(text.length());
                            int len = Math.min(text.length() - from, random.nextInt(20));
                            text.insert(at, text.substring(from, from + len));
                        }
                        default -> {
                            int len = Math.min(text.length() - Math.min(at, text.length()), random.nextInt(30));
                            text.delete(Math.min(at, text.length()), Math.min(at, text.length()) + len);
                        }
                    }
                }
                parseQuietly(text.toString());
            }
        }
    }

    @Test
    void randomBytesAndTokenSoup() {
        Random random = new Random(42);
        String[] words = {"var", "fn", "async", "await", "if", "elif", "else", "while", "for", "iter", "in", "from",
                "return", "break", "continue", "concurrent", "parallel", "task", "worker", "attempt", "handle",
                "x", "1", "2.5", "3s", "\"s{x}\"", "(", ")", "{", "}", "[", "]", ";", ",", ":", "=", "+=", "?",
                "?else", "..", "..<", "**", "-", "!", "not", "and", "or", ".", "nil", "true"};
        for (int round = 0; round < 2000; round++) {
            StringBuilder text = new StringBuilder();
            int n = random.nextInt(60);
            if (round % 2 == 0) {
                for (int i = 0; i < n; i++) {
                    text.append((char) random.nextInt(round % 4 == 0 ? 128 : 0x10000));
                }
            } else {
                for (int i = 0; i < n; i++) {
                    text.append(words[random.nextInt(words.length)]).append(random.nextInt(3) == 0 ? "\n" : " ");
                }
            }
            parseQuietly(text.toString());
        }
    }

    @Test
    void deepNestingOfEveryKind() {
        int n = 10_000;
        parseQuietly("x = " + "(".repeat(n));
        parseQuietly("x = " + "[".repeat(n));
        parseQuietly("x = " + "{".repeat(n));
        parseQuietly("{".repeat(n));
        parseQuietly("x = " + "f(".repeat(n) + ")".repeat(n) + ";");
        parseQuietly("x = " + "not ".repeat(n) + "1;");
        parseQuietly("x = " + "await ".repeat(n) + "1;");
        parseQuietly("x = 1" + " ?else 1".repeat(n) + ";");
        parseQuietly("x = " + "fn() { return ".repeat(n));
        parseQuietly("if (a) ".repeat(n) + "x;");
        parseQuietly("while (a) ".repeat(n) + "x;");
        parseQuietly("var x: " + "[".repeat(n) + "int" + "]".repeat(n) + ";");
        parseQuietly("x = \"" + "{\"".repeat(n));
        parseQuietly("concurrent { task { ".repeat(n));
    }

    @Test
    void deepNestingIsSafeOnASmallStack() throws InterruptedException {
        // The parser may run on any host thread; the depth bound must hold with half the default 1 MiB.
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(null, () -> {
            try {
                int n = 5_000;
                parseQuietly("x = " + "(".repeat(n) + "1" + ")".repeat(n) + ";");
                parseQuietly("{".repeat(n) + "}".repeat(n));
                parseQuietly("x = " + "-".repeat(n) + "1;");
                parseQuietly("x = \"" + "{\"".repeat(n) + "\"}".repeat(n) + "\";");
                parseQuietly("x = " + "fn() { return ".repeat(n));
                parseQuietly("x = " + "[{".repeat(n));
                parseQuietly("if (a) ".repeat(n) + "x;");
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "small-stack", 512 * 1024);
        thread.start();
        thread.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }
}
