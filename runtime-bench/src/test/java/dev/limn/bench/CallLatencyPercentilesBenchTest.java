package dev.limn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Each benchmark of {@link CallLatencyPercentilesBench} sets up and answers one call with 3. */
class CallLatencyPercentilesBenchTest {
    private final CallLatencyPercentilesBench bench = new CallLatencyPercentilesBench();

    @Test
    void javaLambda() {
        assertEquals(3L, CallLatencyBench.check(bench.javaLambda()));
    }

    @Test
    void limnFunction() {
        CallLatencyPercentilesBench.LimnState limn = new CallLatencyPercentilesBench.LimnState();
        limn.open();
        try {
            assertEquals(3L, CallLatencyBench.check(bench.limnFunction(limn)));
        } finally {
            limn.close();
        }
    }
}
