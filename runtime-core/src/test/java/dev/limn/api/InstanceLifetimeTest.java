package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What an instance keeps, and when it lets go of it: close, a dropped instance, channels a long run closes. */
class InstanceLifetimeTest {
    private static final String SOURCE = """
            var hits: atomic = 0;
            fn hit() { hits += 1; return hits; }
            fn churn(n) { iter (i in 0..<n) { var c = channel(); c.send(i); c.close(); } return n; }
            """;

    private static LimnRuntime runtime() {
        return LimnRuntime.builder().carriers(2).seed(1L).out(new PrintStream(OutputStream.nullOutputStream())).build();
    }

    @Test
    void closeFreesTheInstanceAndLaterUseIsRefused() {
        try (LimnRuntime rt = runtime()) {
            Program p = rt.compile("life.lm", SOURCE);
            Map<String, Long> before = rt.liveCounts();
            Instance s = rt.load(p);
            assertEquals(1L, s.call("hit"));
            // the registers its calls reuse (its atomic, captured by a function, lives on the heap)
            assertTrue(rt.liveCounts().get("slab.blocks.live") > before.get("slab.blocks.live"), rt.liveCounts().toString());
            s.close();
            s.close(); // idempotent
            assertEquals(before, rt.liveCounts());
            assertEquals("the instance is closed", assertThrows(IllegalStateException.class, () -> s.call("hit")).getMessage());
            assertThrows(IllegalStateException.class, () -> s.get("hits"));
            assertThrows(IllegalStateException.class, s::instructionsUsed);
        }
    }

    @Test
    void anInstanceTheHostDropsIsFreedByTheCollector() throws InterruptedException {
        try (LimnRuntime rt = runtime()) {
            Program p = rt.compile("life.lm", SOURCE);
            Map<String, Long> before = rt.liveCounts();
            for (int i = 0; i < 200; i++) {
                assertEquals(1L, rt.load(p).call("hit")); // each keeps its call's registers
            }
            assertTrue(rt.liveCounts().get("slab.blocks.live") >= before.get("slab.blocks.live") + 1, rt.liveCounts().toString());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            Map<String, Long> now = rt.liveCounts();
            while (!now.equals(before) && System.nanoTime() < end) {
                System.gc();
                Thread.sleep(20);
                now = rt.liveCounts();
            }
            assertEquals(before, now);
        }
    }

    @Test
    void aLongRunLetsGoOfTheChannelsItClosed() {
        try (LimnRuntime rt = runtime()) {
            Instance s = rt.load(rt.compile("life.lm", SOURCE));
            assertEquals(20_000L, s.call("churn", 20_000L));
            int kept = s.run.channelsKept();
            assertTrue(kept <= 1_024, "kept " + kept + " of 20,000 closed channels");
            assertEquals(0L, rt.liveCounts().get("channels.open"));
        }
    }
}
