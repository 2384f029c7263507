package dev.limn.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.run.CompiledProgram;
import dev.limn.run.Limn;
import dev.limn.run.RunOptions;
import dev.limn.vm.Engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * publish and subscribe within one process (aeron:ipc, the run's own driver): the values, the
 * end of stream, the errors, the statistics, and that nothing stays behind.
 */
class RemoteChannelsTest {
    @TempDir
    Path tmp;

    record Result(int status, String out, String err) {}

    private Result run(String text, RunOptions options) throws Exception {
        CompiledProgram program = Limn.compile("remote.lm", text);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (Engine engine = Limn.engine(options)) {
            status = Limn.run(engine, program, options, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            for (var e : engine.liveCounts().entrySet()) {
                assertEquals(0L, e.getValue(), e.getKey() + " still live after the run");
            }
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs with the driver in a directory of the test's, and checks that the run left nothing there. */
    private Result run(String text) throws Exception {
        Path dir = tmp.resolve("aeron");
        Result r = run(text, RunOptions.defaults().withSeed(1L).withAeronDir(dir).withStats(true));
        assertFalse(Files.exists(dir) && !empty(dir), "the driver's directory is left: " + dir);
        return r;
    }

    private static boolean empty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    @Test
    void everyTypeCrossesInOrderThenEndOfStream() throws Exception {
        Result r = run("""
                var p = publish("aeron:ipc", 7);
                var s = subscribe("aeron:ipc", 7);
                var got = [];
                concurrent {
                    task {
                        iter (i in 1..1000) p.send(i);
                        p.send("x");
                        p.send(nil);
                        p.send([1, 2.5, true, false, nil, {"a": [1, 2]}, 3s]);
                        p.close();
                    }
                    task {
                        iter (v in s) got.push(v);
                    }
                }
                var sum = 0;
                var inOrder = true;
                iter (i in 0..<1000) {
                    sum += got[i];
                    if (got[i] != i + 1) inOrder = false;
                }
                print(len(got), sum, inOrder);
                print(got[1000], got[1001], got[1002]);
                print(type_of(s), s.is_closed());
                """);
        assertEquals(0, r.status(), r.err());
        assertEquals("1003 500500 true\nx nil [1, 2.5, true, false, nil, {\"a\": [1, 2]}, 3s]\nchannel true\n", r.out());
        assertTrue(r.err().contains("stats: remote publication aeron:ipc stream 7: items sent 1003, messages "), r.err());
        assertTrue(r.err().contains("stats: remote subscription aeron:ipc stream 7: items received 1003, messages "), r.err());
    }

    private static final Pattern PUBLICATION_STATS = Pattern.compile(
            "stats: remote publication aeron:ipc stream (\\d+): items sent (\\d+), messages (\\d+), back-pressure events (\\d+), bytes (\\d+)\n");
    private static final Pattern SUBSCRIPTION_STATS = Pattern.compile(
            "stats: remote subscription aeron:ipc stream (\\d+): items received (\\d+), messages (\\d+), bytes (\\d+)\n");

    /** {items, messages, bytes} of the stats line of a publication or subscription of {@code stream}. */
    private static long[] stats(Pattern line, String err, int stream) {
        Matcher m = line.matcher(err);
        while (m.find()) {
            if (Integer.parseInt(m.group(1)) == stream) {
                return new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), Long.parseLong(m.group(m.groupCount()))};
            }
        }
        throw new AssertionError("no stats line for stream " + stream + " in " + err);
    }

    @Test
    void statsLinesCountItemsMessagesAndBytes() throws Exception {
        Result r = run("""
                var p = publish("aeron:ipc", 17);
                var s = subscribe("aeron:ipc", 17);
                concurrent {
                    task { iter (i in 1..5000) p.send(i); p.close(); }
                    task { var n = 0; iter (v in s) n += 1; print(n); }
                }
                """);
        assertEquals(0, r.status(), r.err());
        assertEquals("5000\n", r.out());
        long[] sent = stats(PUBLICATION_STATS, r.err(), 17);
        long[] received = stats(SUBSCRIPTION_STATS, r.err(), 17);
        assertEquals(5000, sent[0]);
        assertEquals(5000, received[0]);
        assertTrue(sent[1] >= 1 && sent[1] <= 5000, "messages sent: " + sent[1]);
        assertEquals(sent[1], received[1], "every message sent was received");
        assertEquals(sent[2], received[2], "the bytes sent were received");
        // 1..5000 takes 1 to 3 bytes each after its tag; a message's header at most 5 bytes
        assertTrue(sent[2] >= 5000 * 2 && sent[2] <= 5000 * 4 + 5 * sent[1], "bytes: " + sent[2]);
    }

    /**
     * Ints, small values, and values larger than one Aeron frame (sent alone, fragmented) mixed,
     * so batches start and end at every kind of value: each arrives once, in order.
     */
    @Test
    void orderAndExactlyOnceAcrossBatchBoundaries() throws Exception {
        Result r = run("""
                var p = publish("aeron:ipc", 18);
                var s = subscribe("aeron:ipc", 18);
                var big = "";
                iter (i in 1..300) big = big + "0123456789";
                concurrent {
                    task {
                        iter (i in 1..20000) {
                            if (i % 997 == 0) p.send(big + str(i));
                            else if (i % 13 == 0) p.send([i, "s" + str(i)]);
                            else if (i % 7 == 0) p.send(str(i));
                            else if (i % 11 == 0) p.send(nil);
                            else p.send(i);
                        }
                        p.close();
                    }
                    task {
                        var expect = 1;
                        var bad = 0;
                        var n = 0;
                        iter (v in s) {
                            n += 1;
                            var ok = false;
                            if (expect % 997 == 0) ok = v == big + str(expect);
                            else if (expect % 13 == 0) ok = v[0] == expect and v[1] == "s" + str(expect);
                            else if (expect % 7 == 0) ok = v == str(expect);
                            else if (expect % 11 == 0) ok = v == nil;
                            else ok = v == expect;
                            if (!ok) bad += 1;
                            expect += 1;
                        }
                        print(n, bad);
                    }
                }
                """);
        assertEquals(0, r.status(), r.err());
        assertEquals("20000 0\n", r.out());
        long[] sent = stats(PUBLICATION_STATS, r.err(), 18);
        assertEquals(20000, sent[0]);
        assertTrue(sent[1] >= 20000 / 997, "each large value is a message of its own: " + sent[1]);
    }

    /** The values of a batch cut short by close() arrive, then end of stream. */
    @Test
    void closeAfterAPartialBatch() throws Exception {
        Result r = run("""
                var p = publish("aeron:ipc", 19);
                var s = subscribe("aeron:ipc", 19);
                concurrent {
                    task { iter (i in 1..1234) p.send(i); p.send("last"); p.close(); }
                    task {
                        var n = 0;
                        var total = 0;
                        var last = nil;
                        iter (v in s) { n += 1; if (type_of(v) == "int") total += v; else last = v; }
                        print(n, total, last, s.is_closed());
                    }
                }
                """);
        assertEquals(0, r.status(), r.err());
        assertEquals("1235 761995 last true\n", r.out());
        r = run("""
                var p = publish("aeron:ipc", 20);
                var s = subscribe("aeron:ipc", 20);
                concurrent {
                    task { p.send(1); p.send(2); p.send(3); p.close(); }
                    task { iter (v in s) print(v); print("end"); }
                }
                """);
        assertEquals(0, r.status(), r.err());
        assertEquals("1\n2\n3\nend\n", r.out());
    }

    @Test
    void sendingAValueThatCannotCrossNamesItsType() throws Exception {
        Result r = run("""
                var p = publish("aeron:ipc", 8);
                fn f() { return 1; }
                p.send([1, f]);
                """);
        assertEquals(1, r.status(), r.out());
        assertTrue(r.err().contains("error[TypeMismatch]: a function cannot be sent to another process"), r.err());
        assertTrue(r.err().contains("remote.lm:3:"), r.err());
    }

    @Test
    void sendOnASubscriptionIsAnError() throws Exception {
        Result r = run("""
                var s = subscribe("aeron:ipc", 9);
                s.send(1);
                """);
        assertEquals(1, r.status(), r.out());
        assertTrue(r.err().contains("error[TypeMismatch]: send on a receive-only channel (subscription aeron:ipc stream 9)"), r.err());
        assertTrue(r.err().contains("remote.lm:2:"), r.err());
        assertTrue(r.err().contains("in main task"), r.err());
    }

    @Test
    void receiveOnAPublicationIsAnError() throws Exception {
        for (String receive : new String[] {"p.recv();", "p.try_recv();", "iter (v in p) print(v);"}) {
            Result r = run("var p = publish(\"aeron:ipc\", 10);\n" + receive + "\n");
            assertEquals(1, r.status(), r.out());
            assertTrue(r.err().contains("error[TypeMismatch]: receive on a send-only channel (publication aeron:ipc stream 10)"), r.err());
            assertTrue(r.err().contains("remote.lm:2:"), r.err());
        }
    }

    @Test
    void badArgumentsAreErrors() throws Exception {
        Result r = run("publish(1, 2);\n");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("error[TypeMismatch]: publish expects a uri string, got int"), r.err());
        r = run("subscribe(\"aeron:ipc\", \"x\");\n");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("error[TypeMismatch]: subscribe expects an int stream id, got str"), r.err());
        r = run("publish(\"aeron:nonsense\", 1);\n");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("error[Error]: publish(\"aeron:nonsense\", 1): "), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        r = run("subscribe(\"aeron:ipc\", 1 << 40);\n");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("does not fit in 32 bits"), r.err());
    }

    @Test
    void aSubscriptionIsAProducerUntilItsStreamEnds() throws Exception {
        // the receiver waits for the late publisher instead of getting end of stream at once
        Result r = run("""
                var s = subscribe("aeron:ipc", 11);
                var p = publish("aeron:ipc", 11);
                concurrent {
                    task { sleep(300ms); p.send(42); p.close(); }
                }
                iter (v in s) print(v);
                print("end");
                """);
        assertEquals(0, r.status(), r.err());
        assertEquals("42\nend\n", r.out());
    }

    @Test
    void aBlocksOutputAndAWorkersInputMayBeRemote() throws Exception {
        Result r = run("""
                var p = publish("aeron:ipc", 12);
                var s = subscribe("aeron:ipc", 12);
                var q = publish("aeron:ipc", 13);
                var results = subscribe("aeron:ipc", 13);
                concurrent(ch=p) {
                    task(i in 1..100) { return i; }
                }
                concurrent(ch=q) {
                    worker(n from s) { return n * 2; }
                }
                var total = 0;
                iter (v in results) total += v;
                print(total);
                """);
        assertEquals(0, r.status(), r.err());
        assertEquals("10100\n", r.out());
    }

    @Test
    void aValueLargerThanTheLargestMessageIsAnError() throws Exception {
        // over IPC the largest message is an eighth of the 64 MiB term: 8 MiB; this list takes 12 MB
        Result r = run("""
                var p = publish("aeron:ipc", 14);
                var big = [];
                iter (i in 1..3000000) big.push(100000);
                p.send(big);
                """);
        assertEquals(1, r.status(), r.out());
        assertTrue(r.err().contains("error[Error]: a value of 12000006 bytes is larger than the largest message of publication aeron:ipc stream 14 (8388608 bytes)"), r.err());
    }

    @Test
    void aSendNobodyTakesIsBoundedByTheBlocksTimeout() throws Exception {
        // no subscriber: the publication's buffer fills, the sender waits until the timeout
        Result r = run("""
                var p = publish("aeron:ipc", 15);
                var sent: atomic = 0;
                attempt {
                    concurrent(timeout=300ms, on_timeout=error) {
                        task { iter (i in 1..100000) { p.send(i); sent += 1; } }
                    }
                } handle Timeout(e) {
                    print("Timeout after", sent, "sends");
                }
                """);
        assertEquals(0, r.status(), r.err());
        // 4,096 held in the program, and one the bridge is offering
        assertTrue(r.out().equals("Timeout after 4096 sends\n") || r.out().equals("Timeout after 4097 sends\n"), r.out());
    }

    @Test
    void aMessageThatCannotBeDecodedEndsTheStreamWithChannelLost() throws Exception {
        // a publisher of the test's own (a raw Aeron client on the run's driver) sends a good
        // frame, then one with an unknown tag
        Path dir = tmp.resolve("aeron");
        Thread publisher = Thread.ofPlatform().start(() -> {
            try {
                while (!Files.exists(dir.resolve("cnc.dat"))) {
                    Thread.sleep(10);
                }
                try (io.aeron.Aeron aeron = io.aeron.Aeron.connect(new io.aeron.Aeron.Context().aeronDirectoryName(dir.toString()));
                        io.aeron.Publication p = aeron.addPublication("aeron:ipc", 16)) {
                    org.agrona.ExpandableArrayBuffer good = new org.agrona.ExpandableArrayBuffer(16);
                    int n = Codec.encodeInt(5, good, 0);
                    while (p.offer(good, 0, n) < 0) {
                        Thread.sleep(1);
                    }
                    org.agrona.concurrent.UnsafeBuffer bad = new org.agrona.concurrent.UnsafeBuffer(new byte[] {Codec.VERSION, 99});
                    while (p.offer(bad, 0, 2) < 0) {
                        Thread.sleep(1);
                    }
                    Thread.sleep(200);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Result r = run("""
                iter (v in subscribe("aeron:ipc", 16)) print(v);
                """);
        publisher.join();
        assertEquals(1, r.status(), r.err());
        assertEquals("5\n", r.out());
        assertTrue(r.err().contains("error[ChannelLost]: subscription aeron:ipc stream 16: a message could not be decoded (unknown tag 99"), r.err());
    }

    @Test
    void nothingOfTheTransportLoadsWithoutPublishOrSubscribe() throws Exception {
        Result r = run("print(1 + 1);\n", RunOptions.defaults().withStats(true));
        assertEquals("2\n", r.out());
        assertFalse(r.err().contains("remote"), r.err());
    }
}
