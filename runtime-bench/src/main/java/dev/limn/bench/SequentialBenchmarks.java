package dev.limn.bench;

import dev.limn.run.CompiledProgram;
import dev.limn.run.Limn;
import dev.limn.run.RunOptions;

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

/**
 * The sequential workloads B1–B3 (a 100M-iteration counting loop, naive {@code fib(32)}, a
 * 600×400 Mandelbrot with 200 iterations) run by Limn in steady state, each beside the same
 * kernel in plain Java. One operation is one whole program run (the program is compiled once
 * in setup); each run's output is checked against the expected result at the end of every
 * iteration. The Limn sources are the {@code .lm} twins under {@code src/main/limn}, the same
 * files the whole-process comparison with other runtimes uses.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SequentialBenchmarks {
    static final String LOOP_RESULT = "4999999950000000";
    static final String FIB_RESULT = "2178309";
    static final String MANDEL_RESULT = "13428357";

    private CompiledProgram loop;
    private CompiledProgram fib;
    private CompiledProgram mandel;
    private final CheckedRuns runs = new CheckedRuns(RunOptions.defaults());

    @Setup(Level.Trial)
    public void compile() throws Exception {
        loop = CheckedRuns.compile("b1_loop.lm");
        fib = CheckedRuns.compile("b2_fib.lm");
        mandel = CheckedRuns.compile("b3_mandel.lm");
    }

    @TearDown(Level.Iteration)
    public void verify() {
        runs.verify();
    }

    private int run(CompiledProgram program, String expected) {
        return runs.run(program, expected);
    }

    @Benchmark
    public int countingLoop100M_limn() {
        return run(loop, LOOP_RESULT);
    }

    @Benchmark
    public long countingLoop100M_java() {
        long s = 0;
        for (long i = 0; i < 100_000_000L; i++) {
            s += i;
        }
        return check(s, LOOP_RESULT);
    }

    @Benchmark
    public int fib32_limn() {
        return run(fib, FIB_RESULT);
    }

    @Benchmark
    public long fib32_java() {
        return check(javaFib(32), FIB_RESULT);
    }

    @Benchmark
    public int mandelbrot600x400_limn() {
        return run(mandel, MANDEL_RESULT);
    }

    @Benchmark
    public long mandelbrot600x400_java() {
        final int w = 600;
        final int h = 400;
        final int maxit = 200;
        long total = 0;
        for (int py = 0; py < h; py++) {
            double ci = -1.0 + py * (2.0 / 400.0);
            for (int px = 0; px < w; px++) {
                double cr = -2.0 + px * (3.0 / 600.0);
                double zr = 0.0;
                double zi = 0.0;
                int i = 0;
                while (i < maxit) {
                    double zr2 = zr * zr;
                    double zi2 = zi * zi;
                    if (zr2 + zi2 > 4.0) {
                        break;
                    }
                    zi = 2.0 * zr * zi + ci;
                    zr = zr2 - zi2 + cr;
                    i++;
                }
                total += i;
            }
        }
        return check(total, MANDEL_RESULT);
    }

    private static long javaFib(int n) {
        return n < 2 ? n : javaFib(n - 1) + javaFib(n - 2);
    }

    private static long check(long value, String expected) {
        if (!Long.toString(value).equals(expected)) {
            throw new IllegalStateException("expected " + expected + " but computed " + value);
        }
        return value;
    }

}
