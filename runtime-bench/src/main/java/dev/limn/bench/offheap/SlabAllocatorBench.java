package dev.limn.bench.offheap;

import dev.limn.offheap.SlabAllocator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
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
 * One allocate + free pair of a 256-byte block (a task context's size class), uncontended
 * and with two threads sharing one allocator. Baselines: a plain single-threaded
 * {@code ArrayDeque} pool of pre-sliced segments per thread (the floor for any pool) and a
 * confined arena per block (what not pooling costs).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SlabAllocatorBench {
    static final int BLOCK_BYTES = 256;

    @State(Scope.Benchmark)
    public static class Shared {
        SlabAllocator slab;

        @Setup(Level.Trial)
        public void open() {
            slab = new SlabAllocator(BLOCK_BYTES, 1024);
        }

        /** The benchmark checks itself: every pair returned its block. */
        @TearDown(Level.Trial)
        public void close() {
            long live = slab.stats().liveBlocks();
            slab.close();
            if (live != 0) {
                throw new IllegalStateException("slab benchmark leaked " + live + " blocks");
            }
        }
    }

    @State(Scope.Thread)
    public static class PlainPool {
        Arena arena;
        ArrayDeque<MemorySegment> free;

        @Setup(Level.Trial)
        public void open() {
            arena = Arena.ofShared();
            free = new ArrayDeque<>();
            MemorySegment memory = arena.allocate(BLOCK_BYTES * 64L, 64);
            for (int i = 0; i < 64; i++) {
                free.push(memory.asSlice((long) i * BLOCK_BYTES, BLOCK_BYTES));
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            int size = free.size();
            arena.close();
            if (size != 64) {
                throw new IllegalStateException("plain pool lost blocks: " + size);
            }
        }
    }

    @Benchmark
    @Threads(1)
    public long slabAllocateFree(Shared shared) {
        MemorySegment block = shared.slab.allocate();
        long address = block.address();
        shared.slab.free(block);
        return address;
    }

    @Benchmark
    @Threads(2)
    public long slabAllocateFreeTwoThreads(Shared shared) {
        MemorySegment block = shared.slab.allocate();
        long address = block.address();
        shared.slab.free(block);
        return address;
    }

    @Benchmark
    @Threads(1)
    public long baselineArrayDequePool(PlainPool pool) {
        MemorySegment block = pool.free.pop();
        long address = block.address();
        pool.free.push(block);
        return address;
    }

    @Benchmark
    @Threads(2)
    public long baselineArrayDequePoolTwoThreads(PlainPool pool) {
        MemorySegment block = pool.free.pop();
        long address = block.address();
        pool.free.push(block);
        return address;
    }

    @Benchmark
    @Threads(1)
    public long baselineConfinedArena() {
        try (Arena arena = Arena.ofConfined()) {
            return arena.allocate(BLOCK_BYTES).address();
        }
    }
}
