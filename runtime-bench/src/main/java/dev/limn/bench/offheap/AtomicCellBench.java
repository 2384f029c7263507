package dev.limn.bench.offheap;

import dev.limn.offheap.AtomicCell;
import dev.limn.offheap.AtomicCellPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * {@code c += 1} on one shared atomic cell, uncontended and with two threads, beside
 * {@code AtomicLong.getAndAdd} in the same run. Also two threads each adding to their own
 * cell, cells on adjacent 64-byte lines: whether adjacent-line prefetch makes neighbours
 * interfere (if it did, cells would move to 128-byte spacing).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AtomicCellBench {

    @State(Scope.Benchmark)
    public static class Shared {
        AtomicCellPool pool;
        AtomicCell cell;
        AtomicCell[] neighbours;
        final AtomicLong atomicLong = new AtomicLong();
        final java.util.concurrent.atomic.AtomicInteger nextThread = new java.util.concurrent.atomic.AtomicInteger();

        @Setup(Level.Trial)
        public void open() {
            pool = new AtomicCellPool();
            cell = pool.allocate();
            neighbours = new AtomicCell[] {pool.allocate(), pool.allocate()};
        }

        /** The benchmark checks itself: adds happened and every cell goes back to the pool. */
        @TearDown(Level.Trial)
        public void close() {
            boolean added = cell.lvLong() > 0 || atomicLong.get() > 0
                    || neighbours[0].lvLong() > 0 || neighbours[1].lvLong() > 0;
            cell.release();
            neighbours[0].release();
            neighbours[1].release();
            long live = pool.liveCells();
            pool.close();
            if (!added || live != 0) {
                throw new IllegalStateException("atomic cell benchmark: added=" + added + " live=" + live);
            }
        }
    }

    @State(Scope.Thread)
    public static class Own {
        AtomicCell cell;

        @Setup(Level.Trial)
        public void pick(Shared shared) {
            cell = shared.neighbours[shared.nextThread.getAndIncrement() % 2];
        }
    }

    @Benchmark
    @Threads(1)
    public long cellAdd(Shared shared) {
        return shared.cell.xaddAndGet(1);
    }

    @Benchmark
    @Threads(1)
    public long baselineAtomicLongAdd(Shared shared) {
        return shared.atomicLong.getAndAdd(1);
    }

    @Benchmark
    @Threads(2)
    public long cellAddTwoThreadsContended(Shared shared) {
        return shared.cell.xaddAndGet(1);
    }

    @Benchmark
    @Threads(2)
    public long baselineAtomicLongAddTwoThreadsContended(Shared shared) {
        return shared.atomicLong.getAndAdd(1);
    }

    @Benchmark
    @Threads(2)
    public long cellAddTwoThreadsAdjacentLines(Own own) {
        return own.cell.xaddAndGet(1);
    }
}
