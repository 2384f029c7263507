package dev.limn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link CallLatencyPaired} runs every engine (each call checked to return 3) and times every round. */
class CallLatencyPairedTest {

    @Test
    void everyEngineIsTimedInEveryRound() throws Exception {
        double[][][] times = CallLatencyPaired.measure(2, 1_000);
        assertEquals(2, times.length); // thread CPU time, wall-clock time
        for (double[][] clock : times) {
            assertEquals(CallLatencyPaired.NAMES.length, clock.length);
            for (double[] engine : clock) {
                assertEquals(2, engine.length);
                for (double nsPerCall : engine) {
                    assertTrue(nsPerCall > 0, "a round took no time");
                }
            }
        }
    }
}
