package dev.limn.bench;

import dev.limn.api.LimnFunction;
import dev.limn.api.LimnRuntime;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * The distribution of one call's latency from Java into Limn: {@code LimnFunction.call(1L, 2L)}
 * on {@code fn add(a, b) { return a + b; }} ({@link #limnFunction}), beside a plain Java lambda
 * called with boxed {@code Long}s ({@link #javaLambda}). JMH's sample mode times single calls
 * and reports p50, p90, p99, p99.9, p99.99 and the maximum. {@link CallLatencyBench} has the
 * averages and the peer runtimes; this class is the tail.
 *
 * <p>How a run reaches a million timed calls. Sample mode does not time every call: per thread
 * and iteration it keeps at most {@code 20 × the iteration's milliseconds} samples; whenever
 * more arrive it halves every histogram bucket (a bucket of 1 stays 1, so rare slow calls are
 * never dropped) and times half as many calls from then on. An iteration of {@code t} ms
 * therefore ends with between about {@code 10 t} and {@code 40 t} samples for calls this fast,
 * and the annotations here, 10 iterations of 10 s, give 1 to 4 million samples per benchmark
 * (JMH prints the count as {@code N} beside the percentiles; each sample is one call, since the
 * batch size is 1). Each run costs about 2 minutes per benchmark. Run:
 * <pre>
 *   runtime-bench/run.sh CallLatencyPercentilesBench
 * </pre>
 * Every sample includes two {@code System.nanoTime} calls (some 20 ns together) and their
 * granularity, so the low percentiles are coarse and read beside the lambda's; the point is
 * p99 and p99.9 (GC, safepoints, deoptimization). A shared or busy machine puts its own
 * scheduling noise in the tail: figures for the record come from a quiet machine.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 10, time = 10)
@Fork(1)
public class CallLatencyPercentilesBench {
    static final String SOURCE = "fn add(a, b) { return a + b; }\n";

    // Non-final fields, so that the JIT cannot constant-fold a call away.
    long a = 1;
    long b = 2;
    BiFunction<Long, Long, Long> add = (x, y) -> x + y;

    @Benchmark
    public Long javaLambda() {
        return add.apply(a, b);
    }

    @Benchmark
    public Object limnFunction(LimnState limn) {
        return limn.add.call(a, b);
    }

    /** A runtime with {@code add} loaded once, and its handle; setup fails unless add(1, 2) is 3. */
    @State(Scope.Thread)
    public static class LimnState {
        LimnRuntime runtime;
        LimnFunction add;

        @Setup(Level.Trial)
        public void open() {
            runtime = LimnRuntime.builder().carriers(1).build();
            add = runtime.load(runtime.compile("add.lm", SOURCE)).function("add");
            CallLatencyBench.check(add.call(1L, 2L));
        }

        @TearDown(Level.Trial)
        public void close() {
            runtime.close();
        }
    }
}
