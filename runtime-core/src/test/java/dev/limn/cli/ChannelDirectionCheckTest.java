package dev.limn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.limn.lang.CompileException;
import dev.limn.run.Limn;
import dev.limn.text.Diagnostic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The direction of remote channels checked at compile time: {@code send} on a variable that
 * only ever holds a subscription, or a receive on one that only ever holds a publication, is a
 * compile error at the variable's name; wherever the compiler cannot know what a variable
 * holds, the program compiles and the check stays at run time (RemoteChannelsTest).
 */
class ChannelDirectionCheckTest {
    @TempDir
    Path dir;

    private static final String PUB = "var p = publish(\"aeron:ipc\", 1);\n";
    private static final String SUB = "var s = subscribe(\"aeron:ipc\", 2);\n";
    private static final String SEND_ONLY = ", a send-only channel: 'p' is a publication (publish at line 1)";
    private static final String RECEIVE_ONLY = ", a receive-only channel: 's' is a subscription (subscribe at line 1)";

    private static List<Diagnostic> errors(String text) {
        try {
            Limn.compile("dir.lm", text);
        } catch (CompileException e) {
            return e.diagnostics();
        }
        return List.of();
    }

    /** {@code text} has exactly one compile error: {@code message} at {@code line}:{@code col}. */
    private static void assertError(String text, String message, int line, int col) {
        List<Diagnostic> found = errors(text);
        assertEquals(1, found.size(), () -> "expected one error in\n" + text + "got " + found);
        Diagnostic d = found.getFirst();
        assertEquals(message, d.message(), text);
        assertEquals(line, d.span().line(), () -> "line of " + d.message() + " in\n" + text);
        assertEquals(col, d.span().col(), () -> "column of " + d.message() + " in\n" + text);
    }

    private static void assertCompiles(String text) {
        List<Diagnostic> found = errors(text);
        if (!found.isEmpty()) {
            fail("expected\n" + text + "to compile, got: " + found.getFirst().render());
        }
    }

    // ---------------------------------------------------------------- errors

    @Test
    void recvAndTryRecvOnAPublication() {
        assertError(PUB + "print(p.recv());\n", "recv on a send-only channel: 'p' is a publication (publish at line 1)", 2, 7);
        assertError(PUB + "var x = p.try_recv();\n", "try_recv on" + SEND_ONLY.substring(1), 2, 9);
    }

    @Test
    void sendOnASubscription() {
        assertError("var s = subscribe(\"aeron:ipc\", 2);\ns.send(1);\n",
                "send on a receive-only channel: 's' is a subscription (subscribe at line 1)", 2, 1);
    }

    @Test
    void iterOverAPublication() {
        assertError(PUB + "iter (v in p) print(v);\n", "iter over" + SEND_ONLY.substring(1), 2, 12);
        assertError(PUB + "iter (i, v in p) print(v);\n", "iter over" + SEND_ONLY.substring(1), 2, 15);
    }

    @Test
    void aWorkerFromAPublication() {
        assertError(PUB + "concurrent {\n    worker(v from p) { print(v); }\n}\n",
                "worker reads" + SEND_ONLY.substring(1), 3, 19);
    }

    @Test
    void aTaskOverAPublication() {
        assertError(PUB + "concurrent {\n    task(v in p) { print(v); }\n}\n",
                "task(v in ...) reads" + SEND_ONLY.substring(1), 3, 15);
    }

    @Test
    void aWorkerBlocksInputNamingAPublication() {
        assertError(PUB + "concurrent(input=p) {\n    worker(v) { print(v); }\n}\n",
                "'input' of the block's workers names" + SEND_ONLY.substring(1), 2, 18);
    }

    @Test
    void aBlocksChReadByItsWorkersNamingAPublication() {
        assertError(PUB + "concurrent(ch=p) {\n    worker(v) { print(v); }\n}\n",
                "worker(v) reads the block's 'ch'" + SEND_ONLY, 2, 15);
    }

    @Test
    void aBlocksChTakingResultsNamingASubscription() {
        assertError(SUB + "concurrent(ch=s) {\n    task(i in 1..3) { return i; }\n}\n",
                "the block's units return their results to" + RECEIVE_ONLY.substring(1), 2, 15);
        assertError(SUB + "var c = channel();\nconcurrent(ch=s) {\n    worker(v from c) { if (v > 0) { return v; } }\n}\n",
                "the block's units return their results to" + RECEIVE_ONLY.substring(1), 3, 15);
        assertError(SUB + "parallel(ch=s) {\n    iter(i in 1..3) { return i; }\n}\n",
                "the block's units return their results to" + RECEIVE_ONLY.substring(1), 2, 13);
    }

    @Test
    void errorsNamingEitherKindOfRemoteChannel() {
        assertError(SUB + "concurrent(on_error=Auto, errors=s) {\n    task { print(1); }\n}\n",
                "'errors' names a remote channel: 's' is a subscription (subscribe at line 1); a block's errors cannot cross processes, name a local channel",
                2, 34);
        assertError(PUB + "concurrent(on_error=Auto, errors=p) {\n    task { print(1); }\n}\n",
                "'errors' names a remote channel: 'p' is a publication (publish at line 1); a block's errors cannot cross processes, name a local channel",
                2, 34);
    }

    @Test
    void everyWriteAPublicationIsStillSendOnly() {
        assertError("var p;\nif (true) { p = publish(\"aeron:ipc\", 1); } else { p = publish(\"aeron:udp?endpoint=127.0.0.1:40123\", 1); }\np.recv();\n",
                "recv on a send-only channel: 'p' is a publication (publish at line 2)", 3, 1);
        assertError("p = publish(\"aeron:ipc\", 1);\np.recv();\n",
                "recv on a send-only channel: 'p' is a publication (publish at line 1)", 2, 1);
    }

    @Test
    void usesInsideFunctionsClosuresAndUnitsOfAnEnclosingVariable() {
        assertError(PUB + "fn drain() { return p.recv(); }\n", "recv on" + SEND_ONLY.substring(1), 2, 21);
        assertError(SUB + "var f = fn() { s.send(1); };\n", "send on" + RECEIVE_ONLY.substring(1), 2, 16);
        assertError(SUB + "concurrent {\n    task { s.send(1); }\n}\n", "send on" + RECEIVE_ONLY.substring(1), 3, 12);
    }

    @Test
    void aLocalOfAFunction() {
        assertError("fn f() {\n    var s = subscribe(\"aeron:ipc\", 3);\n    s.send(1);\n}\n",
                "send on a receive-only channel: 's' is a subscription (subscribe at line 2)", 3, 5);
    }

    @Test
    void aShadowingSubscriptionIsCheckedApartFromTheOuterChannel() {
        assertError("var c = channel();\nif (true) {\n    var c = subscribe(\"aeron:ipc\", 4);\n    c.send(1);\n}\nc.send(2);\n",
                "send on a receive-only channel: 'c' is a subscription (subscribe at line 3)", 4, 5);
    }

    @Test
    void everyWrongUseIsReportedInSourceOrder() {
        List<Diagnostic> found = errors(PUB + SUB.replace("var s", "var s2") + "p.recv();\ns2.send(1);\niter (v in p) print(v);\n");
        assertEquals(3, found.size(), found.toString());
        assertEquals(List.of(3, 4, 5), found.stream().map(d -> d.span().line()).toList());
    }

    @Test
    void theCommandLineRendersItAsACompileErrorWithExitTwo() throws Exception {
        Path f = dir.resolve("wrong.lm");
        Files.writeString(f, SUB + "s.send(1);\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.execute(new String[] {"run", f.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, e);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertTrue(e.contains("error: send on a receive-only channel: 's' is a subscription (subscribe at line 1)\n"), e);
        assertTrue(e.contains("--> " + f + ":2:1\n"), e);
        assertTrue(e.contains("2 | s.send(1);\n  | ^\n"), e);
        assertFalse(e.contains("\tat "), e);
    }

    // ---------------------------------------------------------------- programs that must compile

    @Test
    void theRightDirectionCompiles() {
        assertCompiles(PUB + SUB + """
                p.send(1);
                p.close();
                print(p.len(), p.is_closed(), s.len(), s.is_closed());
                iter (v in s) print(v);
                var x = s.try_recv();
                concurrent(ch=p) {
                    task(i in 1..3) { return i; }
                }
                concurrent(input=s, ch=p) {
                    worker(v) { return v; }
                }
                concurrent(ch=s) {
                    worker(v) { print(v); }
                }
                concurrent {
                    worker(v from s) { print(v); }
                    task(v in s) { print(v); }
                }
                """);
    }

    @Test
    void aBlocksChWithoutResultsAndAnInputNobodyReadsAreNotUses() {
        assertCompiles(SUB + "concurrent(ch=s) {\n    task { print(1); }\n}\n");
        assertCompiles(SUB + "concurrent(ch=s) {\n    task { return err(Bad(\"x\")); }\n}\n");
        assertCompiles(PUB + "var c = channel();\nconcurrent(input=p) {\n    worker(v from c) { print(v); }\n}\n");
        assertCompiles(SUB + "concurrent(ch=s) {\n    task { fn f() { return 1; } print(f()); }\n}\n");
    }

    @Test
    void aVariableReassignedToAnotherValueIsLeftToTheRuntime() {
        assertCompiles(PUB + "p = channel();\np.send(1);\nprint(p.recv());\n");
        assertCompiles(PUB + "if (false) { p = subscribe(\"aeron:ipc\", 1); }\np.recv();\n");
        assertCompiles("var p = channel();\np = publish(\"aeron:ipc\", 1);\np.recv();\n");
        assertCompiles(PUB + "fn other() { return channel(); }\np = other();\np.recv();\n");
    }

    @Test
    void aVariableWrittenByAClosureOrAUnitIsLeftToTheRuntime() {
        assertCompiles(PUB + "var f = fn() { p = publish(\"aeron:ipc\", 5); };\np.recv();\n");
        assertCompiles(PUB + "fn g() { p = channel(); }\ng();\np.recv();\n");
        assertCompiles(SUB + "concurrent {\n    task { s = channel(); }\n}\ns.send(1);\n");
    }

    @Test
    void aChannelThatTravelsIsLeftToTheRuntime() {
        assertCompiles(PUB + """
                fn drain(c) { return c.recv(); }
                drain(p);
                var list = [p];
                list[0].recv();
                var d = {"out": p};
                d["out"].recv();
                var q = p;
                q.recv();
                fn make() { return publish("aeron:ipc", 6); }
                make().recv();
                iter (c in [p]) c.recv();
                """);
        assertCompiles("publish(\"aeron:ipc\", 1).recv();\nsubscribe(\"aeron:ipc\", 1).send(1);\n");
    }

    @Test
    void shadowingNamesAreDifferentVariables() {
        assertCompiles(PUB + "if (true) {\n    var p = channel();\n    p.send(1);\n    print(p.recv());\n}\n");
        assertCompiles(PUB + "fn f(p) { return p.recv(); }\n");
        assertCompiles(PUB + "fn f() { var p = channel(); p.send(1); return p.recv(); }\n");
        assertCompiles(PUB + "var g = fn(p) { iter (v in p) print(v); };\n");
        assertCompiles(PUB + "iter (p in [channel()]) { p.send(1); print(p.recv()); }\n");
        assertCompiles(PUB + "concurrent {\n    task(p in [channel()]) { p.send(1); print(p.recv()); }\n}\n");
        assertCompiles(PUB + "attempt { p.send(1); } handle (p) { print(p); }\n");
        assertCompiles(PUB + "var p = channel();\np.send(1);\nprint(p.recv());\n");
    }

    @Test
    void aNameABlockDeclaresIsALocalChannel() {
        assertCompiles("""
                concurrent(ch=results) {
                    task(i in 1..3) { return i; }
                }
                iter (v in results) print(v);
                concurrent(on_error=Auto, errors=problems) {
                    task { print(1); }
                }
                iter (e in problems) print(e);
                """);
    }

    @Test
    void aMethodOfAnotherNameOrAFieldIsNotAUse() {
        assertCompiles(PUB + "var x = {\"recv\": 1};\nprint(x.len());\np.close();\n");
        assertCompiles(SUB + "fn send(c) { return c; }\nsend(s);\n");
    }
}
