package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** The embedding API as a host uses it: values, globals, calls, host functions, channels, errors, limits. */
class EmbeddingTest {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private LimnRuntime rt;

    @BeforeEach
    void start() {
        rt = LimnRuntime.builder().carriers(2).seed(42L).out(new PrintStream(printed, true, StandardCharsets.UTF_8)).build();
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    private Instance load(String source) {
        return rt.load(rt.compile("t.lm", source));
    }

    private void assertNothingLive() throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Map<String, Long> counts = rt.liveCounts();
        while (System.nanoTime() < end && (counts.get("tasks.live") != 0)) {
            Thread.sleep(5);
            counts = rt.liveCounts();
        }
        assertEquals(0L, counts.get("tasks.live"), counts.toString());
    }

    @Test
    void callsAFunctionAndGlobalsPersistBetweenCalls() {
        Instance s = load("""
                var calls = 0;
                fn add(a, b) { return a + b; }
                fn on_tick(price, size) { calls += 1; return price * size; }
                print("loaded");
                """);
        assertEquals("loaded\n", printed.toString(StandardCharsets.UTF_8));
        assertEquals(3L, s.call("add", 1L, 2L));
        assertEquals(250.0, s.call("on_tick", 100L, 2.5));
        assertEquals(500.0, s.call("on_tick", 200, 2.5f));
        assertEquals(2L, s.get("calls"));
        LimnFunction add = s.function("add");
        assertEquals(7L, add.call(3L, 4L));
        assertEquals("add", add.name());
    }

    @Test
    void everyRowOfTheValueTable() {
        Instance s = load("""
                fn id(v) { return v; }
                fn make() { return [1, 2.5, true, "s", nil, {"k": [1]}, 250ms]; }
                fn adder(n) { return fn(x) { return x + n; }; }
                """);
        assertEquals(5L, s.call("id", 5L));
        assertEquals(5L, s.call("id", 5));
        assertEquals(5L, s.call("id", (short) 5));
        assertEquals(5L, s.call("id", (byte) 5));
        assertEquals(1.5, s.call("id", 1.5));
        assertEquals(1.5, s.call("id", 1.5f));
        assertEquals(true, s.call("id", true));
        assertEquals("hé", s.call("id", "hé"));
        assertNull(s.call("id", (Object) null));
        assertEquals(List.of(1L, List.of("x")), s.call("id", List.of(1, List.of("x"))));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", 2L);
        m.put("a", 1L);
        Object back = s.call("id", m);
        assertInstanceOf(LinkedHashMap.class, back);
        assertEquals(List.of("b", "a"), new ArrayList<>(((Map<?, ?>) back).keySet()));
        assertEquals(Duration.ofMillis(1500), s.call("id", Duration.ofMillis(1500)));
        List<?> made = (List<?>) s.call("make");
        assertEquals(List.of(1L, 2.5, true, "s"), made.subList(0, 4));
        assertNull(made.get(4));
        assertEquals(Map.of("k", List.of(1L)), made.get(5));
        assertEquals(Duration.ofMillis(250), made.get(6));
        LimnFunction plus2 = (LimnFunction) s.call("adder", 2L);
        assertEquals(12L, plus2.call(10L));
        assertEquals(12L, s.call("id", plus2) instanceof LimnFunction f ? f.call(10L) : null);
        LimnChannel ch = rt.channel(4);
        assertEquals(ch, s.call("id", ch));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> s.call("id", new Object()));
        assertTrue(bad.getMessage().contains("argument 1") && bad.getMessage().contains("java.lang.Object"), bad.getMessage());
    }

    @Test
    void errorsReachTheHostWithKindAndPlace() {
        Instance s = load("""
                fn div(a, b) {
                    return a / b;
                }
                fn two(a, b) { return a; }
                fn mine() { return err(Mine("no luck")); }
                var n = 1;
                """);
        LimnException e = assertThrows(LimnException.class, () -> s.call("div", 1L, 0L));
        assertEquals("DivisionByZero", e.kind());
        assertEquals(2, e.line());
        assertEquals("call of div", e.task());
        assertEquals("ArityMismatch", assertThrows(LimnException.class, () -> s.call("two", 1L)).kind());
        assertEquals("Mine", assertThrows(LimnException.class, () -> s.call("mine")).kind());
        assertThrows(IllegalArgumentException.class, () -> s.call("nope"));
        assertThrows(IllegalArgumentException.class, () -> s.call("n"));
        assertThrows(IllegalArgumentException.class, () -> s.get("nope"));
        LimnCompileException c = assertThrows(LimnCompileException.class, () -> rt.compile("bad.lm", "var x = ;\nprint(y);\n"));
        assertEquals(2, c.diagnostics().size());
        assertEquals(1, c.diagnostics().getFirst().line());
        assertTrue(c.getMessage().contains("bad.lm:1:"), c.getMessage());
        LimnException top = assertThrows(LimnException.class, () -> load("var a = [1];\nprint(a[5]);\n"));
        assertEquals("main task", top.task());
    }

    @Test
    void hostFunctionsAndHostErrors() {
        rt.define("price", args -> 101.5);
        rt.define("twice", args -> ((Long) args[0]) * 2);
        rt.define("boom", args -> {
            throw new java.io.IOException("disk on fire");
        });
        Instance s = load("""
                fn p() { return price() + twice(2); }
                fn caught() {
                    attempt { boom(); } handle HostError(e) { return "handled"; }
                    return "not reached";
                }
                fn uncaught() { return boom(); }
                """);
        assertEquals(105.5, s.call("p"));
        assertEquals("handled", s.call("caught"));
        LimnException e = assertThrows(LimnException.class, () -> s.call("uncaught"));
        assertEquals("HostError", e.kind());
        assertInstanceOf(java.io.IOException.class, e.getCause());
        LimnCompileException c = assertThrows(LimnCompileException.class, () -> rt.compile("u.lm", "undefined_fn();\n"));
        assertTrue(c.getMessage().contains("undefined variable 'undefined_fn'"), c.getMessage());
    }

    @Test
    void blockingHostFunctionRunsOnAVirtualThreadWhileItsTaskWaits() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        rt.define("fetch", args -> {
            ranOn.set(Thread.currentThread());
            Thread.sleep(20);
            return "got " + args[0];
        }, HostFunction.Mode.BLOCKING);
        Instance s = load("""
                fn get(k) { return fetch(k); }
                fn many() {
                    concurrent(ch=out) { task(i in 1..4) { return fetch(i); } }
                    var n = 0;
                    iter (v in out) n += 1;
                    return n;
                }
                """);
        assertEquals("got 7", s.call("get", 7L));
        assertTrue(ranOn.get().isVirtual());
        assertEquals(4L, s.call("many"));
    }

    @Test
    void hostGlobalsAreCheckedAtLoad() {
        Program p = rt.compile("g.lm", "var doubled = threshold * 2;\n", Set.of("threshold"));
        assertEquals(6L, rt.load(p, Map.of("threshold", 3L)).get("doubled"));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> rt.load(p, Map.of()));
        assertTrue(missing.getMessage().contains("threshold"), missing.getMessage());
        IllegalArgumentException extra = assertThrows(IllegalArgumentException.class,
                () -> rt.load(p, Map.of("threshold", 1L, "other", 2L)));
        assertTrue(extra.getMessage().contains("other"), extra.getMessage());
    }

    @Test
    void callsThatSuspendGoOnOnTheCarriers() throws Exception {
        Instance s = load("""
                fn squares(n) {
                    concurrent(ch=out) { task(i in 1..n) { return i * i; } }
                    var total = 0;
                    iter (v in out) total += v;
                    return total;
                }
                fn nap() { sleep(10ms); return "rested"; }
                """);
        assertEquals(385L, s.call("squares", 10L));
        assertEquals("rested", s.call("nap"));
        assertNothingLive();
    }

    @Test
    void callsFromSeveralThreadsAreSerialised() throws Exception {
        Instance s = load("""
                var count = 0;
                fn bump() { var c = count; count = c + 1; return count; }
                """);
        int threads = 4;
        int each = 500;
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            ts.add(Thread.ofPlatform().start(() -> {
                for (int j = 0; j < each; j++) {
                    s.call("bump");
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        assertEquals((long) threads * each, s.get("count"));
    }

    @Test
    void timeoutEndsALoopOnTheHostThreadAndOneOnTheCarriers() throws Exception {
        Instance s = load("""
                fn spin() { while (true) { } }
                fn wait_forever() { sleep(1h); }
                """);
        LimnException spin = assertThrows(LimnException.class, () -> s.call(Duration.ofMillis(50), "spin"));
        assertEquals("Timeout", spin.kind());
        LimnException sleep = assertThrows(LimnException.class, () -> s.call(Duration.ofMillis(50), "wait_forever"));
        assertEquals("Timeout", sleep.kind());
        assertNothingLive();
    }

    @Test
    void interruptingTheCallingThreadCancelsTheCall() throws Exception {
        Instance s = load("fn spin() { while (true) { } }\n");
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread host = Thread.ofPlatform().start(() -> {
            try {
                s.call("spin");
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
        Thread.sleep(50);
        host.interrupt();
        host.join(5_000);
        assertTrue(!host.isAlive(), "the call did not return");
        assertEquals("Cancelled", ((LimnException) outcome.get()).kind());
        assertNothingLive();
    }

    @Test
    void cancellingAnAsyncCallCancelsTheTask() throws Exception {
        Instance s = load("""
                fn slow(n) { sleep(1h); return n; }
                fn quick(n) { return n + 1; }
                """);
        CompletableFuture<Object> later = s.callAsync("slow", 5L);
        Thread.sleep(50);
        assertTrue(later.cancel(true));
        assertThrows(CancellationException.class, later::join);
        assertEquals(6L, s.callAsync("quick", 5L).get(5, TimeUnit.SECONDS));
        assertNothingLive();
    }

    @Test
    void hostChannelsInBothDirections() throws Exception {
        LimnChannel ticks = rt.channel(16);
        LimnChannel results = rt.channel();
        Program p = rt.compile("c.lm", """
                fn run() {
                    var n = 0;
                    iter (t in ticks) { n += t; results.send(t * 10); }
                    results.close();
                    return n;
                }
                """, Set.of("ticks", "results"));
        Instance s = rt.load(p, Map.of("ticks", ticks, "results", results));
        CompletableFuture<Object> total = s.callAsync("run");
        for (long i = 1; i <= 100; i++) {
            ticks.send(i);
        }
        ticks.close();
        List<Object> got = new ArrayList<>();
        for (Object v : results) {
            got.add(v);
        }
        assertEquals(5050L, total.get(5, TimeUnit.SECONDS));
        assertEquals(100, got.size());
        assertEquals(10L, got.getFirst());
        assertThrows(IllegalStateException.class, () -> ticks.send(1L));
    }

    @Test
    void aCallThatCouldWaitForeverSeesEndOfStreamOrDeadlock() throws Exception {
        Instance s = load("""
                fn drain() { var c = channel(); var n = 0; iter (v in c) { n += 1; } return n; }
                fn stuck() { var c = channel(1); c.send(1); c.send(2); return 0; }
                fn add(a, b) { return a + b; }
                """);
        for (int i = 0; i < 20; i++) {
            // the call parks on the carriers; quiescence is not held off by its waiting caller
            assertEquals(0L, s.call("drain"));
            LimnException e = assertThrows(LimnException.class, () -> s.call("stuck"));
            assertEquals("Deadlock", e.kind(), e.getMessage());
            assertEquals(3L, s.call("add", 1L, 2L));
        }
        assertNothingLive();
    }

    @Test
    void closingTheRuntimeEndsRunningCallsCleanly() throws Exception {
        Instance s = load("fn spin() { while (true) { } }\nfn nap() { sleep(1h); }\n");
        AtomicReference<Throwable> a = new AtomicReference<>();
        AtomicReference<Throwable> b = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Thread t1 = Thread.ofPlatform().start(() -> {
            started.countDown();
            try {
                s.call("spin");
            } catch (Throwable t) {
                a.set(t);
            }
        });
        started.await();
        Thread.sleep(30);
        Thread t2 = Thread.ofPlatform().start(() -> {
            try {
                s.callAsync("nap").join();
            } catch (Throwable t) {
                b.set(t);
            }
        });
        Thread.sleep(30);
        rt.close();
        t1.join(5_000);
        t2.join(5_000);
        assertInstanceOf(IllegalStateException.class, a.get());
        assertTrue(b.get() != null);
        assertThrows(IllegalStateException.class, () -> s.call("nap"));
        assertEquals(0L, rt.liveCounts().get("tasks.live"));
    }

    @Test
    void closingTheRuntimeWakesHostThreadsWaitingOnChannels() throws Exception {
        LimnChannel empty = rt.channel(1);
        LimnChannel full = rt.channel(1);
        full.send(1L);
        Instance s = load("fn make() { return channel(1); }");
        LimnChannel fromLimn = (LimnChannel) s.call("make");
        List<AtomicReference<Throwable>> outcomes = new ArrayList<>();
        List<Thread> waiting = new ArrayList<>();
        for (Runnable wait : List.<Runnable>of(empty::receive, () -> full.send(2L), fromLimn::receive)) {
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            outcomes.add(outcome);
            waiting.add(Thread.ofPlatform().start(() -> {
                try {
                    wait.run();
                } catch (Throwable t) {
                    outcome.set(t);
                }
            }));
        }
        Thread.sleep(100); // each is waiting (or about to: a wait that starts after close is refused at once)
        rt.close();
        for (int i = 0; i < waiting.size(); i++) {
            waiting.get(i).join(5_000);
            assertTrue(!waiting.get(i).isAlive(), "wait " + i + " still blocked after close");
            IllegalStateException e = assertInstanceOf(IllegalStateException.class, outcomes.get(i).get(), "wait " + i);
            assertEquals("the runtime is closed", e.getMessage());
        }
        assertThrows(IllegalStateException.class, () -> empty.receive(), "a wait after close");
    }

    @Test
    void twoRuntimesAtOnce() {
        try (LimnRuntime other = LimnRuntime.builder().carriers(1).build()) {
            Instance a = load("var who = \"a\";\nfn f(x) { return x + 1; }\n");
            Instance b = other.load(other.compile("b.lm", "var who = \"b\";\nfn f(x) { return x + 2; }\n"));
            assertEquals(2L, a.call("f", 1L));
            assertEquals(3L, b.call("f", 1L));
            assertEquals("a", a.get("who"));
            assertEquals("b", b.get("who"));
        }
    }

    @Test
    void atomicsAndClosuresOfTheTopLevelOutliveIt() {
        Instance s = load("""
                var hits: atomic = 0;
                var log = [];
                fn hit() {
                    concurrent { task(i in 1..10) { hits += 1; } }
                    log.push(hits);
                    return hits;
                }
                """);
        assertEquals(10L, s.call("hit"));
        assertEquals(20L, s.call("hit"));
        assertEquals(20L, s.get("hits"));
        assertEquals(List.of(10L, 20L), s.get("log"));
    }
}
