package dev.limn.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.cli.Main;
import dev.limn.testing.ChildJvm;
import dev.limn.testing.ChildJvm.Outcome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Two real {@code limn run} processes on loopback: a million ints over UDP and over IPC,
 * exactly once and in order; a publisher killed with {@code kill -9}, and the next run sweeping
 * the directory its driver left; a slow consumer's back-pressure; and nothing left in the
 * drivers' directories.
 */
class RemoteProcessTest {
    @TempDir
    Path tmp;

    private static final String RECEIVE_ALL = """
            var s = subscribe("URI", STREAM);
            var total = 0;
            var n = 0;
            var last = 0;
            var inOrder = true;
            iter (v in s) {
                total += v;
                n += 1;
                if (v != last + 1) inOrder = false;
                last = v;
            }
            print("{n} {total} {inOrder}");
            """;

    private static final String SEND_MILLION = """
            var p = publish("URI", STREAM);
            iter (i in 1..1000000) p.send(i);
            p.close();
            print("sent");
            """;

    @Test
    void aMillionIntsOverUdp() throws Exception {
        String uri = "aeron:udp?endpoint=127.0.0.1:" + port();
        Path subDir = tmp.resolve("sub-driver");
        Path pubDir = tmp.resolve("pub-driver");
        Process sub = start(program("sub.lm", RECEIVE_ALL, uri, 21), "--stats", "--aeron-dir", subDir.toString());
        Process pub = start(program("pub.lm", SEND_MILLION, uri, 21), "--stats", "--aeron-dir", pubDir.toString());
        checkMillion(sub, pub, subDir, pubDir);
    }

    @Test
    void aMillionIntsOverIpc() throws Exception {
        Path dir = tmp.resolve("driver");
        Process sub = start(program("sub.lm", RECEIVE_ALL, "aeron:ipc", 22), "--stats", "--aeron-dir", dir.toString());
        awaitDriver(dir, sub); // the subscriber's run starts the driver; the publisher's uses it
        Process pub = start(program("pub.lm", SEND_MILLION, "aeron:ipc", 22), "--stats", "--aeron-dir", dir.toString());
        checkMillion(sub, pub, dir, dir);
    }

    private void checkMillion(Process sub, Process pub, Path subDir, Path pubDir) throws Exception {
        Outcome p = ChildJvm.finish(pub, 120);
        Outcome s = ChildJvm.finish(sub, 120);
        assertEquals(0, p.status(), p.output());
        assertEquals(0, s.status(), s.output());
        assertTrue(p.output().startsWith("sent\n"), p.output());
        assertTrue(s.output().startsWith("1000000 500000500000 true\n"), s.output());
        assertTrue(p.output().contains("items sent 1000000, messages "), p.output());
        assertTrue(s.output().contains("items received 1000000, messages "), s.output());
        for (Outcome o : List.of(p, s)) {
            assertTrue(o.output().contains(", live tasks 0\n"), o.output());
            assertTrue(o.output().contains(", channels open 0\n"), o.output());
        }
        assertNothingLeft(subDir);
        assertNothingLeft(pubDir);
    }

    @Test
    void aKilledPublisherGivesChannelLost() throws Exception {
        String uri = "aeron:udp?endpoint=127.0.0.1:" + port();
        Path subDir = tmp.resolve("sub-driver");
        Path pubDir = tmp.resolve("pub-driver");
        Process sub = start(List.of("-Daeron.image.liveness.timeout=1s"),
                program("sub.lm", """
                        var s = subscribe("URI", STREAM);
                        var n = 0;
                        iter (v in s) {
                            n += 1;
                            if (n == 1) print("received");
                        }
                        print(n);
                        """, uri, 23), "--aeron-dir", subDir.toString());
        Process pub = start(program("pub.lm", """
                var p = publish("URI", STREAM);
                var i = 0;
                while (true) { i += 1; p.send(i); if (i == 200) print("sending"); sleep(1ms); }
                """, uri, 23), "--aeron-dir", pubDir.toString());
        String line = new String(pub.getInputStream().readNBytes(8), StandardCharsets.UTF_8);
        assertEquals("sending\n", line);
        // the subscriber has an image of the publication before it goes (on a loaded machine
        // it may connect late, and a publisher that never connected leaves nothing to lose)
        assertEquals("received\n", firstLine(sub, 60));
        pub.destroyForcibly(); // SIGKILL: no close, no end of stream
        long killed = System.nanoTime();
        pub.waitFor();
        // when the subscriber gets ChannelLost: the first line of its error, not its JVM's exit
        // (which closes the transport and its driver after the program has failed)
        StringBuilder upToError = new StringBuilder();
        String next;
        do {
            next = firstLine(sub, 60);
            upToError.append(next);
        } while (!next.isEmpty() && !next.contains("error[ChannelLost]"));
        double seconds = (System.nanoTime() - killed) / 1e9;
        Outcome s = ChildJvm.finish(sub, 60);
        String output = upToError + s.output();
        assertEquals(1, s.status(), output);
        assertTrue(output.contains("error[ChannelLost]: the publisher of subscription " + uri
                + " stream 23 went away without closing its publication"), output);
        assertTrue(output.contains("sub.lm:3:1"), output);
        assertFalse(output.contains("\tat "), output);
        // within the liveness timeout (1 s) plus 1 s: the driver's image teardown after the
        // liveness timeout takes 0.5-0.6 s with the run's driver settings (docs/design.md)
        assertTrue(seconds < 2.0, "ChannelLost after " + seconds + " s");
        assertNothingLeft(subDir);
        deleteTree(pubDir); // a killed process cannot clean up: its driver's files stay
    }

    @Test
    void theNextRunSweepsTheDriverDirectoryOfARunKilledWithKill9() throws Exception {
        String uri = "aeron:udp?endpoint=127.0.0.1:" + port();
        // no --aeron-dir: the run's driver gets a directory of its own, named for its process
        Process pub = start(program("pub.lm", """
                var p = publish("URI", STREAM);
                print("ready");
                while (true) sleep(10ms);
                """, uri, 25));
        String line = new String(pub.getInputStream().readNBytes(6), StandardCharsets.UTF_8);
        assertEquals("ready\n", line);
        List<Path> left = driverDirsOf(pub.pid());
        assertEquals(1, left.size(), "the killed run's driver directory: " + left);
        pub.destroyForcibly(); // SIGKILL: the run cannot delete its directory
        pub.waitFor();
        assertTrue(Files.isDirectory(left.getFirst()), "kill -9 leaves the directory");
        // the next run sweeps it once its driver's heartbeat is older than the stale time (1 s here)
        Thread.sleep(1500);
        Process next = start(List.of("-Dlimn.remote.driver.stale.seconds=1"), program("next.lm", """
                var s = subscribe("URI", STREAM);
                print("done");
                """, uri, 26));
        Outcome o = ChildJvm.finish(next, 60);
        assertEquals(0, o.status(), o.output());
        assertEquals("done\n", o.output());
        assertEquals(List.of(), driverDirsOf(pub.pid()), "the dead run's directory is swept");
        assertEquals(List.of(), driverDirsOf(next.pid()), "the next run deleted its own at its end");
    }

    /** The embedded driver directories of process {@code pid}. */
    private static List<Path> driverDirsOf(long pid) throws IOException {
        String prefix = DriverDirectories.PREFIX + pid + "-";
        try (Stream<Path> s = Files.list(DriverDirectories.base())) {
            return s.filter(d -> d.getFileName().toString().startsWith(prefix)).toList();
        }
    }

    @Test
    void aSlowConsumerHoldsTheProducerBackButNotItsCarrier() throws Exception {
        String uri = "aeron:udp?endpoint=127.0.0.1:" + port();
        Process sub = start(program("sub.lm", """
                var s = subscribe("URI", STREAM);
                var n = 0;
                iter (v in s) {
                    n += 1;
                    if (n % 100 == 0) sleep(10ms);
                }
                print("received {n}");
                """, uri, 24), "--aeron-dir", tmp.resolve("sub-driver").toString());
        // one carrier: if a back-pressured send held it, the ticking task could not run. The
        // smallest term (64 KiB) keeps the publication's own window small (32 KiB, 512 messages)
        Process pub = start(List.of("-Daeron.term.buffer.length=65536"), program("pub.lm", """
                var p = publish("URI", STREAM);
                var ticks: atomic = 0;
                var done: atomic = 0;
                var ticksWhileSending = 0;
                concurrent {
                    task {
                        iter (i in 1..30000) p.send(i);
                        ticksWhileSending = ticks;
                        p.close();
                        done = 1;
                    }
                    task {
                        while (done == 0) { ticks += 1; sleep(1ms); }
                    }
                }
                print("ticks while sending {ticksWhileSending}");
                """, uri, 24), "--cores", "1", "--stats", "--aeron-dir", tmp.resolve("pub-driver").toString());
        Outcome p = ChildJvm.finish(pub, 120);
        Outcome s = ChildJvm.finish(sub, 120);
        assertEquals(0, s.status(), s.output());
        assertEquals("received 30000\n", s.output());
        assertEquals(0, p.status(), p.output());
        Matcher m = Pattern.compile("ticks while sending (\\d+)").matcher(p.output());
        assertTrue(m.find(), p.output());
        // the consumer takes 3 s (10 ms a hundred): the sender waited most of it, the ticker ran
        assertTrue(Long.parseLong(m.group(1)) >= 200, p.output());
        // back-pressure events count messages; 30,000 ints are about a hundred batches, of which
        // the flow-control window refuses a few (the window opens in steps of several messages)
        Matcher bp = Pattern.compile("messages (\\d+), back-pressure events (\\d+)").matcher(p.output());
        assertTrue(bp.find(), p.output());
        assertTrue(Long.parseLong(bp.group(2)) >= 1, p.output());
    }

    @Test
    void aTrivialRunLoadsNothingOfTheTransport() throws Exception {
        Path file = tmp.resolve("trivial.lm");
        Files.writeString(file, "print(1 + 2);\n");
        List<String> command = jvm(List.of("-Xlog:class+load=info"));
        command.addAll(List.of(Main.class.getName(), "run", file.toString()));
        Outcome o = ChildJvm.finish(ChildJvm.start(command), 60);
        assertEquals(0, o.status(), o.output());
        assertTrue(o.output().contains("dev.limn.vm.Builtin"), "the log lists loaded classes");
        assertFalse(o.output().contains("io.aeron"), "an Aeron class was loaded");
        assertFalse(o.output().contains("dev.limn.remote"), "a remote-channel class was loaded");
    }

    // ---- helpers -------------------------------------------------------------------------------

    private Path program(String name, String text, String uri, int stream) throws IOException {
        Path file = tmp.resolve(name);
        Files.writeString(file, text.replace("URI", uri).replace("STREAM", Integer.toString(stream)));
        return file;
    }

    private static Process start(Path program, String... options) throws IOException {
        return start(List.of(), program, options);
    }

    private static Process start(List<String> jvmOptions, Path program, String... options) throws IOException {
        List<String> command = jvm(jvmOptions);
        command.addAll(List.of(Main.class.getName(), "run"));
        command.addAll(Arrays.asList(options));
        command.add(program.toString());
        return ChildJvm.start(command);
    }

    private static List<String> jvm(List<String> jvmOptions) throws IOException {
        List<String> options = new ArrayList<>(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m"));
        options.addAll(jvmOptions);
        return ChildJvm.command(options.toArray(String[]::new));
    }

    /** The first line {@code p} prints, waited for at most {@code seconds}. */
    private static String firstLine(Process p, int seconds) throws Exception {
        java.util.concurrent.CompletableFuture<String> line = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                StringBuilder b = new StringBuilder();
                int c;
                while ((c = p.getInputStream().read()) >= 0) {
                    b.append((char) c);
                    if (c == '\n') {
                        break;
                    }
                }
                line.complete(b.toString());
            } catch (IOException e) {
                line.completeExceptionally(e);
            }
        });
        try {
            return line.get(seconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new AssertionError("no line from the run in " + seconds + " s");
        }
    }

    /** Waits until the driver of {@code dir} has written its control file. */
    private static void awaitDriver(Path dir, Process owner) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(dir.resolve("cnc.dat"))) {
            assertTrue(owner.isAlive(), "the run that starts the driver ended");
            assertTrue(System.nanoTime() < deadline, "no driver in " + dir);
            Thread.sleep(20);
        }
        Thread.sleep(300); // the driver's first heartbeat
    }

    private static void assertNothingLeft(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                List<Path> left = s.filter(Files::isRegularFile).toList();
                assertEquals(List.of(), left, "files left in the driver's directory");
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** A UDP port free now on loopback. */
    private static int port() throws IOException {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
