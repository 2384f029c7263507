package dev.limn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.api.Instance;
import dev.limn.api.LimnException;
import dev.limn.api.LimnRuntime;
import dev.limn.testing.ChildJvm;
import dev.limn.testing.ChildJvm.Outcome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Running out of memory, each case in a JVM of its own with a small heap (so that it costs a
 * second or two, not the build's whole heap), under a time limit: a hang fails the test.
 *
 * <p>Regressions: {@code var c = channel(); while (true) c.send(1);} ran the heap out and froze
 * the JVM (an OutOfMemoryError from the carrier's uncaught-exception handler, SIGTERM ignored).
 * Then, once that ended with an OutOfMemory error: a program that handled one OutOfMemory and
 * ran out again printed a Java stack trace, or wedged the JVM (a carrier thread died of the
 * second one), because the memory held back for the first was spent for good. Then, with the
 * search for tasks blocked forever: a look in progress held a chain a handler had just dropped,
 * so the memory never came back and the next exhaustion ended the program.
 */
class OutOfMemoryTest {
    private static final String DIAGNOSTIC = "error[OutOfMemory]: the program ran out of memory";

    @TempDir
    Path dir;

    @Test
    void runningOutOfMemoryIsAnErrorWithItsLocation() throws IOException, InterruptedException {
        Outcome o = run("oom.lm", """
                var c = channel();
                while (true) c.send(1);
                """);
        assertFailedAt(o, "oom.lm:2:14");
    }

    @Test
    void runningOutAgainAfterAHandledOutOfMemoryIsAnErrorWithItsLocation() throws IOException, InterruptedException {
        // the channel is kept by the run until it ends, so the memory never comes back: the second is for good
        Outcome o = run("again.lm", """
                attempt {
                    var c = channel();
                    while (true) c.send(1);
                } handle OutOfMemory(e) {
                    print("caught", e.kind);
                }
                var d = channel();
                while (true) d.send(2);
                """);
        assertTrue(o.output().startsWith("caught OutOfMemory\n"), o.output());
        assertFailedAt(o, "again.lm:8:14");
    }

    @Test
    void memoryThatComesBackCanRunOutAndBeHandledAgain() throws IOException, InterruptedException {
        // A chain of small lists fills the heap to the last bytes. It dies with the attempt (or
        // the call): each handler finds the memory back, though it allocates more than the
        // reserve held, and the reserve is re-armed for the next exhaustion.
        Outcome o = run("loop.lm", """
                fn fill() {
                    var l = [];
                    while (true) l = [l, 1];
                }
                var n = 0;
                while (n < 3) {
                    attempt {
                        var l = [];
                        while (true) l = [l, n];
                    } handle OutOfMemory(e) {
                        var h = [];
                        iter (i in 0..<50000) h.push("h" + i);
                        n += 1;
                        print("caught", n);
                    }
                }
                attempt { fill(); } handle OutOfMemory(e) { print("caught in a call"); }
                print("done");
                fill();
                """);
        assertTrue(o.output().startsWith("caught 1\ncaught 2\ncaught 3\ncaught in a call\ndone\n"), o.output());
        assertFailedAt(o, "loop.lm:3:22");
    }

    @Test
    void memoryComesBackWhileAnotherTaskWaits() throws IOException, InterruptedException {
        // The waiting receiver makes the search for tasks blocked forever walk the program, the
        // chain included: a look in progress must not keep the dropped chain from the handler.
        Outcome o = run("wait.lm", """
                var go = channel();
                concurrent {
                    task { print("woken", go.recv()); }
                    task {
                        var n = 0;
                        while (n < 3) {
                            attempt {
                                var l = [];
                                while (true) l = [l, n];
                            } handle OutOfMemory(e) {
                                n += 1;
                                print("caught", n);
                            }
                        }
                        go.send(n);
                    }
                }
                """, "--cores", "2");
        assertEquals(0, o.status(), o.output());
        assertEquals("caught 1\ncaught 2\ncaught 3\nwoken 3\n", o.output());
    }

    /** A compiled loop's push (the tier's list fast path) runs out of memory: handled at the push, then raised there. */
    @Test
    void aCompiledPushRunsOutOfMemoryAtItsLocation() throws IOException, InterruptedException {
        Outcome o = run("push.lm", """
                fn fill(l) { iter (i in 0..<1000000000) { l.push(i * 0.5); } }
                attempt { fill([]); } handle OutOfMemory(e) { print("caught", e.kind); }
                var keep = [];
                fill(keep);
                """, "--tier", "always");
        assertTrue(o.output().startsWith("caught OutOfMemory\n"), o.output());
        assertFailedAt(o, "push.lm:1:43");
    }

    @Test
    void twoTasksRunOutOneAfterTheOther() throws IOException, InterruptedException {
        Outcome o = run("tasks.lm", """
                var go = channel(1);
                concurrent {
                    task {
                        attempt {
                            var l = [];
                            while (true) l.push(1);
                        } handle OutOfMemory(e) {
                            print("first caught");
                        }
                        go.send(1);
                    }
                    task {
                        go.recv();
                        var c = channel();
                        while (true) c.send(2);
                    }
                }
                """, "--cores", "2");
        assertTrue(o.output().startsWith("first caught\n"), o.output());
        assertFailedAt(o, "tasks.lm:15:22");
        assertTrue(o.output().contains("in task 2 of concurrent block at"), o.output());
    }

    @Test
    void runningOutForGoodEndsTasksThatNeverAllocate() throws IOException, InterruptedException {
        // the spinner neither allocates nor raises: only the end of the whole program stops it
        Outcome o = run("spin.lm", """
                var keep = [];
                concurrent(on_error=Auto) {
                    task { var i = 0; while (true) { i += 1; } }
                    task {
                        attempt { while (true) keep.push("a" + "b"); } handle OutOfMemory(e) { print("caught"); }
                        while (true) keep.push("c" + "d");
                    }
                }
                """, "--cores", "2");
        assertTrue(o.output().startsWith("caught\n"), o.output());
        assertFailedAt(o, "spin.lm:6:32");
    }

    @Test
    void aHostKeepsRunningAfterItsCallsRunOutOfMemory() throws IOException, InterruptedException {
        List<String> command = jvm();
        command.addAll(List.of(Host.class.getName()));
        Outcome o = launch(command);
        assertEquals(0, o.status(), o.output());
        assertEquals("""
                handled: caught
                handled again: caught
                for good: OutOfMemory at host.lm:6
                released: released
                handled after: caught
                host alive
                """, o.output());
    }

    /** A host whose calls run out of memory: handled, for good, and handled again once the memory is back. */
    public static final class Host {
        public static void main(String[] args) {
            try (LimnRuntime rt = LimnRuntime.builder().carriers(2).out(new PrintStream(OutputStream.nullOutputStream()))
                    .err(new PrintStream(OutputStream.nullOutputStream())).build()) {
                Instance s = rt.load(rt.compile("host.lm", """
                        var keep = [];
                        fn handled() { attempt { var l = []; while (true) l.push(1); } handle OutOfMemory(e) { return "caught"; } }
                        fn forGood() {
                            attempt { while (true) keep.push("a" + "b"); } handle OutOfMemory(e) { }
                            var l = [];
                            while (true) l.push(keep);
                        }
                        fn release() { keep = []; return "released"; }
                        """));
                System.out.println("handled: " + s.call("handled"));
                System.out.println("handled again: " + s.call("handled"));
                try {
                    System.out.println("for good: " + s.call("forGood"));
                } catch (LimnException e) {
                    System.out.println("for good: " + e.kind() + " at " + e.file() + ":" + e.line());
                }
                System.out.println("released: " + s.call("release"));
                System.out.println("handled after: " + s.call("handled"));
            }
            System.out.println("host alive");
        }
    }

    private void assertFailedAt(Outcome o, String place) {
        assertEquals(1, o.status(), o.output());
        assertTrue(o.output().contains(DIAGNOSTIC), o.output());
        assertTrue(o.output().contains(place), o.output());
        assertFalse(o.output().contains("Exception") || o.output().contains("\tat "), o.output());
    }

    /** Runs {@code text} with {@code limn run} in a JVM of 48 MiB heap, with the launcher's collector. */
    private Outcome run(String name, String text, String... options) throws IOException, InterruptedException {
        Path program = dir.resolve(name);
        Files.writeString(program, text);
        List<String> command = jvm();
        command.addAll(List.of(Main.class.getName(), "run"));
        command.addAll(Arrays.asList(options));
        command.add(program.toString());
        return launch(command);
    }

    private static List<String> jvm() throws IOException {
        return ChildJvm.command("-XX:+UseSerialGC", "-Xmx48m");
    }

    private static Outcome launch(List<String> command) throws IOException, InterruptedException {
        return ChildJvm.finish(ChildJvm.start(command), 120);
    }
}
