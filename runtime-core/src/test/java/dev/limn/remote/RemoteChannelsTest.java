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
import java.util.List;
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

    @Test
    void theStreamEndsWhenEveryPublicationHasClosedNotTheFirst() throws Exception {
        // two publications of one uri and stream: the first one's close must not end the stream
        Result r = run("""
                var s = subscribe("aeron:ipc", 9);
                var a = publish("aeron:ipc", 9);
                var b = publish("aeron:ipc", 9);
                var got = 0;
                var total = 0;
                concurrent {
                    task {
                        a.send(1);
                        b.send(2);
                        sleep(200ms);
                        a.close();
                        sleep(300ms);
                        iter (i in 1..100) b.send(i);
                        b.close();
                    }
                    task { iter (v in s) { got += 1; total += v; } }
                }
                print(got, total, s.is_closed());
                """);
        assertEquals(0, r.status(), r.err());
        assertEquals("102 5053 true\n", r.out());
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

    /**
     * A receiver slower than the wire: the subscription's local channel (4,096 values) fills
     * while it sleeps, and the bridge waits for room with timed parks instead of being woken by
     * receives. Every value still arrives once, in order, and the stream ends.
     */
    @Test
    void aSlowReceiverGetsEveryValueInOrderThroughAFullSubscription() throws Exception {
        Result r = run("""
                var p = publish("aeron:ipc", 21);
                var s = subscribe("aeron:ipc", 21);
                concurrent {
                    task { iter (i in 1..30000) p.send(i); p.close(); }
                    task {
                        var expect = 1;
                        var bad = 0;
                        iter (v in s) {
                            if (v != expect) bad += 1;
                            expect += 1;
                            if (expect % 5000 == 0) sleep(50ms);
                        }
                        print(expect - 1, bad);
                    }
                }
                """);
        assertEquals(0, r.status(), r.err());
        assertEquals("30000 0\n", r.out());
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

    // where the compiler sees the variable hold a subscription or publication, these are
    // compile errors (ChannelDirectionCheckTest); through a parameter they are runtime errors

    @Test
    void sendOnASubscriptionIsAnError() throws Exception {
        Result r = run("""
                fn put(c) { c.send(1); }
                put(subscribe("aeron:ipc", 9));
                """);
        assertEquals(1, r.status(), r.out());
        assertTrue(r.err().contains("error[TypeMismatch]: send on a receive-only channel (subscription aeron:ipc stream 9)"), r.err());
        assertTrue(r.err().contains("remote.lm:1:"), r.err());
        assertTrue(r.err().contains("in main task"), r.err());
    }

    @Test
    void receiveOnAPublicationIsAnError() throws Exception {
        String[] receives = {
            "fn take(p) { p.recv(); }", "fn take(p) { p.try_recv(); }", "fn take(p) { iter (v in p) print(v); }",
            "fn take(p) { concurrent { worker(v from p) { print(v); } } }",
            "fn take(p) { concurrent(input=p) { worker(v) { print(v); } } }",
            "fn take(p) { concurrent(ch=p) { worker(v) { print(v); } } }",
        };
        for (String receive : receives) {
            Result r = run(receive + "\ntake(publish(\"aeron:ipc\", 10));\n");
            assertEquals(1, r.status(), r.out());
            assertTrue(r.err().contains("error[TypeMismatch]: receive on a send-only channel (publication aeron:ipc stream 10)"), receive + "\n" + r.err());
            assertTrue(r.err().contains("remote.lm:1:"), r.err());
        }
    }

    @Test
    void aBlocksResultsSentToASubscriptionAreAnError() throws Exception {
        Result r = run("""
                fn fill(out) {
                    concurrent(ch=out) {
                        task { return 1; }
                    }
                }
                fill(subscribe("aeron:ipc", 17));
                """);
        assertEquals(1, r.status(), r.out());
        assertTrue(r.err().contains("error[TypeMismatch]: send on a receive-only channel (subscription aeron:ipc stream 17)"), r.err());
    }

    @Test
    void aBlocksErrorsChannelCannotBeRemote() throws Exception {
        for (String make : new String[] {"publish(\"aeron:ipc\", 18)", "subscribe(\"aeron:ipc\", 18)"}) {
            Result r = run("""
                    fn guarded(problems) {
                        concurrent(on_error=Auto, errors=problems) {
                            task { print("ran"); }
                        }
                    }
                    guarded(%s);
                    """.formatted(make));
            assertEquals(1, r.status(), r.out());
            assertEquals("", r.out(), "the block did not start");
            String kind = make.startsWith("publish") ? "publication" : "subscription";
            assertTrue(r.err().contains("error[TypeMismatch]: 'errors' names a remote channel (" + kind
                    + " aeron:ipc stream 18); a block's errors cannot cross processes, name a local channel"), r.err());
            assertTrue(r.err().contains("remote.lm:2:5"), r.err());
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

    /** A run's remote channels whose every call records the thread it was made on. */
    static final class Recording implements dev.limn.vm.RemoteChannels {
        final RemoteLinks links;
        final java.util.List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();

        Recording(dev.limn.vm.ProgramRun run, Path dir) {
            threads.add(Thread.currentThread());
            links = new RemoteLinks(run, dir);
        }

        @Override
        public void publish(dev.limn.chan.Channel local, String uri, int stream) {
            threads.add(Thread.currentThread());
            links.publish(local, uri, stream);
        }

        @Override
        public void subscribe(dev.limn.chan.Channel local, String uri, int stream) {
            threads.add(Thread.currentThread());
            links.subscribe(local, uri, stream);
        }

        @Override
        public java.util.List<String> statsLines() {
            return links.statsLines();
        }

        @Override
        public void close() {
            links.close();
        }
    }

    /** Runs {@code text} on an engine of {@code carriers}, pinned or not, with recorded remote channels; returns them after the run. */
    private Recording runRecorded(String text, int carriers, boolean pin, String expectedOut) throws Exception {
        CompiledProgram program = Limn.compile("remote.lm", text);
        Path dir = tmp.resolve("aeron");
        Recording[] made = new Recording[1];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (Engine engine = Engine.builder().carriers(carriers).pin(pin).build()) {
            dev.limn.vm.ProgramRun run = new dev.limn.vm.ProgramRun(engine, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), 200, null, 1L);
            run.remoteChannels(r -> made[0] = new Recording(r, dir));
            run.runMain(new dev.limn.vm.Closure(((dev.limn.run.LimnProgram) program).main(), new dev.limn.vm.Box[0]), 1L);
            assertEquals(dev.limn.vm.Interpreter.DONE, run.main().status(), err.toString(StandardCharsets.UTF_8));
            run.close();
        }
        assertEquals(expectedOut, out.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(dir) && !empty(dir), "the driver's directory is left: " + dir);
        return made[0];
    }

    private static final String ROUND_TRIP = """
            var s = subscribe("aeron:ipc", 30);
            var p = publish("aeron:ipc", 30);
            concurrent {
                task { iter (i in 1..100) p.send(i); p.close(); }
            }
            var total = 0;
            iter (v in s) total += v;
            print(total);
            """;

    @Test
    void theDriverTheClientAndEachChannelAreMadeOffTheCarriers() throws Exception {
        Recording r = runRecorded(ROUND_TRIP, 1, false, "5050\n");
        assertEquals(3, r.threads.size(), "made: the links, a subscription, a publication");
        for (Thread t : r.threads) {
            assertTrue(t.isVirtual() && t.getName().startsWith("limn-host-call-"), "made on " + t);
        }
        DriverThread driver = r.links.driverThread();
        assertEquals("limn-aeron-driver", driver.thread().getName());
        assertFalse(driver.thread().isAlive(), "the driver's thread ended with the run");
        assertEquals(-1, driver.cpu(), "no pinning: the driver's thread is not pinned");
    }

    @Test
    void withPinningTheDriverTakesACpuNoCarrierHas() throws Exception {
        java.util.BitSet mask = net.openhft.affinity.Affinity.getAffinity();
        int cpus = mask.cardinality();
        // one carrier: a CPU to spare where there are two; as many carriers as CPUs: none
        for (int carriers : new int[] {1, Math.max(1, cpus)}) {
            Recording r = runRecorded(ROUND_TRIP, carriers, true, "5050\n");
            int cpu = r.links.driverThread().cpu();
            if (carriers >= cpus) {
                assertEquals(-1, cpu, "every CPU has a carrier: the driver is not pinned");
            } else {
                java.util.BitSet planned = new java.util.BitSet();
                for (int c = mask.length() - 1, n = 0; c >= 0 && n < carriers; c = mask.previousSetBit(c - 1), n++) {
                    planned.set(c);
                }
                assertTrue(cpu == -1 || (mask.get(cpu) && !planned.get(cpu)), "driver on CPU " + cpu + ", carriers planned on " + planned);
            }
        }
    }

    @Test
    void aPinnedRunDeliversLikeAnUnpinnedOne() throws Exception {
        Result r = run(ROUND_TRIP, RunOptions.defaults().withSeed(1L).withAeronDir(tmp.resolve("pinned")).withPin(true).withCores(1));
        assertEquals(0, r.status(), r.err());
        assertEquals("5050\n", r.out());
        // the run's own driver directory (under /dev/shm) is deleted at its end
        r = run(ROUND_TRIP.replace("30", "31"), RunOptions.defaults().withSeed(1L).withPin(true));
        assertEquals(0, r.status(), r.err());
        assertEquals("5050\n", r.out());
        String mine = DriverDirectories.PREFIX + ProcessHandle.current().pid() + "-";
        try (Stream<Path> left = Files.list(DriverDirectories.base())) {
            assertEquals(List.of(), left.filter(d -> d.getFileName().toString().startsWith(mine)).toList());
        }
    }

    @Test
    void nothingOfTheTransportLoadsWithoutPublishOrSubscribe() throws Exception {
        Result r = run("print(1 + 1);\n", RunOptions.defaults().withStats(true));
        assertEquals("2\n", r.out());
        assertFalse(r.err().contains("remote"), r.err());
    }
}
