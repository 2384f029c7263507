package dev.limn.bench;

import dev.limn.run.CompiledProgram;
import dev.limn.run.Limn;
import dev.limn.run.RunOptions;

import org.jctools.queues.MpmcArrayQueue;
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

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The concurrency workloads B4, B5 and B7, each a whole Limn program run per operation (compiled
 * once in setup, output checked every iteration) beside its plain-Java baseline in the same run:
 * <ul>
 *   <li>{@code spawnJoin100k}: 100,000 tasks adding {@code i*2} into an atomic (one
 *       {@code task(i in R)} statement, and {@code OneByOne}: a task statement per loop iteration), beside 100,000
 *       virtual threads adding into an {@code AtomicLong};</li>
 *   <li>{@code oneProducerOneConsumerBounded1024}: 5,000,000 ints through a {@code channel(1024)}
 *       between two tasks, beside {@code ArrayBlockingQueue(1024)} and a JCTools
 *       {@code MpmcArrayQueue(1024)} (spinning) between two platform threads;</li>
 *   <li>{@code atomicAddTwoTasksContended}: 2 × 10,000,000 adds to one atomic, beside two
 *       platform threads on one {@code AtomicLong}.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ConcurrencyBenchmarks {
    static final long SPAWN_TASKS = 100_000;
    static final long SPAWN_RESULT = 9_999_900_000L;
    static final long CHANNEL_ITEMS = 5_000_000;
    static final long CHANNEL_RESULT = 12_499_997_500_000L;
    static final long ATOMIC_ADDS = 10_000_000;
    static final long ATOMIC_RESULT = 20_000_000L;

    private CompiledProgram spawn;
    private CompiledProgram spawnEach;
    private CompiledProgram channel;
    private CompiledProgram atomic;
    private final CheckedRuns runs = new CheckedRuns(RunOptions.defaults());

    @Setup(Level.Trial)
    public void compile() throws Exception {
        spawn = CheckedRuns.compile("b4_spawn.lm");
        spawnEach = CheckedRuns.compile("b4_spawn_each.lm");
        channel = CheckedRuns.compile("b5_chan.lm");
        atomic = CheckedRuns.compile("b7_atomic.lm");
    }

    @TearDown(Level.Iteration)
    public void verify() {
        runs.verify();
    }

    private int run(CompiledProgram program, long expected) {
        return runs.run(program, Long.toString(expected));
    }

    @Benchmark
    public int spawnJoin100k_limn() {
        return run(spawn, SPAWN_RESULT);
    }

    /** The same tasks started one task statement at a time: a task context each (no task family). */
    @Benchmark
    public int spawnJoin100kOneByOne_limn() {
        return run(spawnEach, SPAWN_RESULT);
    }

    @Benchmark
    public long spawnJoin100k_virtualThreads() throws InterruptedException {
        AtomicLong counter = new AtomicLong();
        Thread[] threads = new Thread[(int) SPAWN_TASKS];
        for (int i = 0; i < threads.length; i++) {
            final long v = i;
            threads[i] = Thread.ofVirtual().start(() -> counter.addAndGet(v * 2));
        }
        for (Thread t : threads) {
            t.join();
        }
        return check(counter.get(), SPAWN_RESULT);
    }

    @Benchmark
    public int oneProducerOneConsumerBounded1024_limn() {
        return run(channel, CHANNEL_RESULT);
    }

    @Benchmark
    public long oneProducerOneConsumerBounded1024_arrayBlockingQueue() throws InterruptedException {
        ArrayBlockingQueue<Long> q = new ArrayBlockingQueue<>(1024);
        long[] sum = new long[1];
        Thread producer = Thread.ofPlatform().start(() -> {
            try {
                for (long i = 0; i < CHANNEL_ITEMS; i++) {
                    q.put(i);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread consumer = Thread.ofPlatform().start(() -> {
            try {
                long s = 0;
                for (long k = 0; k < CHANNEL_ITEMS; k++) {
                    s += q.take();
                }
                sum[0] = s;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.join();
        consumer.join();
        return check(sum[0], CHANNEL_RESULT);
    }

    @Benchmark
    public long oneProducerOneConsumerBounded1024_jctoolsSpinning() throws InterruptedException {
        MpmcArrayQueue<Long> q = new MpmcArrayQueue<>(1024);
        long[] sum = new long[1];
        Thread producer = Thread.ofPlatform().start(() -> {
            for (long i = 0; i < CHANNEL_ITEMS; i++) {
                Long v = i;
                while (!q.offer(v)) {
                    Thread.onSpinWait();
                }
            }
        });
        Thread consumer = Thread.ofPlatform().start(() -> {
            long s = 0;
            for (long k = 0; k < CHANNEL_ITEMS; k++) {
                Long v;
                while ((v = q.poll()) == null) {
                    Thread.onSpinWait();
                }
                s += v;
            }
            sum[0] = s;
        });
        producer.join();
        consumer.join();
        return check(sum[0], CHANNEL_RESULT);
    }

    @Benchmark
    public int atomicAddTwoTasksContended_limn() {
        return run(atomic, ATOMIC_RESULT);
    }

    @Benchmark
    public long atomicAddTwoThreadsContended_atomicLong() throws InterruptedException {
        AtomicLong counter = new AtomicLong();
        Thread[] threads = new Thread[2];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = Thread.ofPlatform().start(() -> {
                for (long i = 0; i < ATOMIC_ADDS; i++) {
                    counter.incrementAndGet();
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        return check(counter.get(), ATOMIC_RESULT);
    }

    private static long check(long value, long expected) {
        if (value != expected) {
            throw new IllegalStateException("expected " + expected + " but computed " + value);
        }
        return value;
    }

}
