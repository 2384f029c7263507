package dev.limn.bench;

import dev.limn.block.ParallelLoop;
import dev.limn.block.ParallelStats;
import dev.limn.run.CompiledProgram;
import dev.limn.run.Limn;
import dev.limn.run.RunOptions;
import dev.limn.sched.Scheduler;

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
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

/**
 * Parallel loops (SPEC §5.4), each beside its plain-Java baseline in the same run. One
 * operation is one whole loop (Limn programs: one whole program run, compiled once in setup,
 * output checked every iteration).
 * <ul>
 *   <li>B6 parsum, CPU-bound: the sum over {@code [0, 20M)} of {@code (i*i) % 7} as 200 blocks,
 *       {@code parallel(cores=1)} vs {@code parallel(cores=2)}; target: cores=2 at least 1.8×
 *       faster on 2 idle cores. Baselines: a Java loop and {@code LongStream.parallel()}.</li>
 *   <li>Empty loop of 10,000,000 iterations: the per-iteration cost of the machinery, in Limn
 *       and with Java bodies on the same scheduler machinery ({@code ParallelLoop.forEach}),
 *       beside {@code IntStream.range(...).parallel().forEach}.</li>
 *   <li>The same Limn kernel run sequentially and by {@code parallel(cores=1)}: the parallel
 *       machinery may cost at most 10%.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ParallelBenchmarks {
    static final long PARSUM_N = 20_000_000;
    static final long PARSUM_RESULT = 40_000_001L;
    static final int EMPTY_N = 10_000_000;
    static final long KERNEL_RESULT = 3_999_997L;

    /** The Limn programs, compiled once per trial; set up only for the benchmarks that run them. */
    @State(Scope.Thread)
    public static class Programs {
        CompiledProgram parsumCores1;
        CompiledProgram parsumCores2;
        CompiledProgram emptyLoop;
        CompiledProgram kernelSequential;
        CompiledProgram kernelCores1;
        private final CheckedRuns runs = new CheckedRuns(RunOptions.defaults().withCores(2));

        @Setup(Level.Trial)
        public void compile() throws Exception {
            parsumCores1 = CheckedRuns.compile("b6_parsum_cores1.lm");
            parsumCores2 = CheckedRuns.compile("b6_parsum_cores2.lm");
            emptyLoop = CheckedRuns.compile("par_empty_10m.lm");
            kernelSequential = CheckedRuns.compile("par_kernel_sequential.lm");
            kernelCores1 = CheckedRuns.compile("par_kernel_cores1.lm");
        }

        @TearDown(Level.Iteration)
        public void verify() {
            runs.verify();
        }

        /** Runs {@code program} on 2 carriers; its output is checked against {@code expected}. */
        int run(CompiledProgram program, String expected) {
            return runs.run(program, expected);
        }
    }

    /** A 2-carrier scheduler for the loops with Java bodies. */
    @State(Scope.Thread)
    public static class Carriers {
        Scheduler scheduler;
        ParallelStats stats;

        @Setup(Level.Trial)
        public void start() {
            scheduler = Scheduler.builder().carriers(2).build();
            stats = new ParallelStats(2);
        }

        @TearDown(Level.Trial)
        public void stop() {
            scheduler.close();
        }

        long iterationsRun() {
            long total = 0;
            for (long n : stats.iterationsPerCarrier()) {
                total += n;
            }
            return total;
        }
    }

    // ---- B6 parsum: CPU-bound, 1 vs 2 pool threads -------------------------------------------------

    @Benchmark
    public int parsumCores1_limn(Programs p) {
        return p.run(p.parsumCores1, Long.toString(PARSUM_RESULT));
    }

    @Benchmark
    public int parsumCores2_limn(Programs p) {
        return p.run(p.parsumCores2, Long.toString(PARSUM_RESULT));
    }

    @Benchmark
    public long parsum_baselineJavaLoop() {
        long s = 0;
        for (long i = 0; i < PARSUM_N; i++) {
            s += (i * i) % 7;
        }
        return check(s, PARSUM_RESULT);
    }

    @Benchmark
    public long parsum_baselineLongStreamParallel() {
        return check(LongStream.range(0, PARSUM_N).parallel().map(i -> (i * i) % 7).sum(), PARSUM_RESULT);
    }

    // ---- empty loop of 10M iterations: per-iteration overhead ----------------------------------------

    @Benchmark
    public int emptyLoop10M_limn(Programs p) {
        return p.run(p.emptyLoop, "done");
    }

    /** The scheduler machinery alone with a Java body: chunking, splitting, stop checks. */
    @Benchmark
    public long emptyLoop10M_javaBodyOnCarriers(Carriers c, Blackhole bh) throws InterruptedException {
        long before = c.iterationsRun();
        ParallelLoop loop = ParallelLoop.forEach(c.scheduler, c.stats, EMPTY_N, 0, bh::consume);
        loop.awaitHost();
        return check(c.iterationsRun() - before, EMPTY_N);
    }

    @Benchmark
    public long emptyLoop10M_baselineIntStreamParallel(Blackhole bh) {
        // The body only hands i to the blackhole (as the Java body above does), so that the
        // JIT cannot remove the loop; an empty lambda is optimised away entirely.
        IntStream.range(0, EMPTY_N).parallel().forEach(bh::consume);
        return EMPTY_N;
    }

    // ---- the same kernel, sequential vs parallel(cores=1) ------------------------------------------

    @Benchmark
    public int kernelSequential_limn(Programs p) {
        return p.run(p.kernelSequential, Long.toString(KERNEL_RESULT));
    }

    @Benchmark
    public int kernelParallelCores1_limn(Programs p) {
        return p.run(p.kernelCores1, Long.toString(KERNEL_RESULT));
    }

    /**
     * A trial-level warm-up that runs both kernels alternately before measuring: the
     * interpreter's dispatch loop is then compiled from the profile of both programs, in every
     * fork. Each of the benchmarks above runs in its own fork, where the JIT compiles the
     * dispatch loop for that one program, and the shape of that code alone moves a kernel by
     * 10-20% either way (docs/benchmarks.md, "Parallel loops"); with one shared profile the two
     * runs differ only by what the parallel machinery does.
     */
    @State(Scope.Thread)
    public static class SharedWarmup {
        @Setup(Level.Trial)
        public void warmBoth(Programs p) {
            for (int i = 0; i < 30; i++) {
                p.run(p.kernelSequential, Long.toString(KERNEL_RESULT));
                p.run(p.kernelCores1, Long.toString(KERNEL_RESULT));
            }
            p.verify();
        }
    }

    @Benchmark
    public int kernelSequential_sharedWarmup(Programs p, SharedWarmup warmed) {
        return p.run(p.kernelSequential, Long.toString(KERNEL_RESULT));
    }

    @Benchmark
    public int kernelParallelCores1_sharedWarmup(Programs p, SharedWarmup warmed) {
        return p.run(p.kernelCores1, Long.toString(KERNEL_RESULT));
    }

    private static long check(long value, long expected) {
        if (value != expected) {
            throw new IllegalStateException("expected " + expected + " but got " + value);
        }
        return value;
    }

}
