package dev.limn.offheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;

/** The cached fast path: off in debug mode (-Dlimn.slab.debug=true or -Dlimn.vm.checked=true), see SlabAllocatorDebugTest. */
@DisabledIf("dev.limn.offheap.SlabAllocator#debugMode")
class SlabAllocatorTest {

    @Test
    void allocateGivesBlocksOfTheConfiguredSizeAlignedTo8() {
        try (SlabAllocator slab = new SlabAllocator(128, 4)) {
            assertEquals(128, slab.blockBytes());
            MemorySegment block = slab.allocate();
            assertEquals(128, block.byteSize());
            assertEquals(0, block.address() % 8);
            block.set(ValueLayout.JAVA_LONG, 120, 42L);
            assertEquals(42L, block.get(ValueLayout.JAVA_LONG, 120));
            slab.free(block);
        }
    }

    @Test
    void liveBlocksNeverOverlapAndTheSlabGrowsOnDemand() {
        try (SlabAllocator slab = new SlabAllocator(64, 4)) {
            List<MemorySegment> blocks = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                MemorySegment block = slab.allocate();
                block.fill((byte) i);
                blocks.add(block);
            }
            for (int i = 0; i < 10; i++) {
                for (long b = 0; b < 64; b++) {
                    assertEquals((byte) i, blocks.get(i).get(ValueLayout.JAVA_BYTE, b));
                }
            }
            SlabStats stats = slab.stats();
            assertEquals(10, stats.liveBlocks());
            assertEquals(10, stats.peakBlocks());
            assertEquals(3 * 4 * 64, stats.reservedBytes()); // three slabs of four blocks
            blocks.forEach(slab::free);
        }
    }

    @Test
    void statsCountLiveExactlyAndSamplePeak() {
        try (SlabAllocator slab = new SlabAllocator(32, 16)) {
            assertEquals(new SlabStats(0, 0, 0), slab.stats());
            MemorySegment a = slab.allocate();
            MemorySegment b = slab.allocate();
            MemorySegment c = slab.allocate();
            assertEquals(new SlabStats(3, 3, 32 * 16), slab.stats());
            slab.free(b);
            assertEquals(new SlabStats(2, 3, 32 * 16), slab.stats());
            slab.free(a);
            slab.free(c);
            assertEquals(new SlabStats(0, 3, 32 * 16), slab.stats());
        }
    }

    @Test
    void peakIsSampledWhenCachesRefillEvenWithoutStatsCalls() {
        try (SlabAllocator slab = new SlabAllocator(32, 1000)) {
            List<MemorySegment> blocks = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                blocks.add(slab.allocate());
            }
            blocks.forEach(slab::free);
            SlabStats stats = slab.stats();
            assertEquals(0, stats.liveBlocks());
            // Refills happen every CACHE_BATCH allocations; the last one saw at least this many.
            assertTrue(stats.peakBlocks() >= 200 - SlabAllocator.CACHE_BATCH, "peak " + stats.peakBlocks());
            assertTrue(stats.peakBlocks() <= 200, "peak " + stats.peakBlocks());
        }
    }

    @Test
    void liveCountsAddUpAcrossThreads() throws Exception {
        try (SlabAllocator slab = new SlabAllocator(64, 8)) {
            List<MemorySegment> blocks = new ArrayList<>();
            Thread allocator = new Thread(() -> {
                for (int i = 0; i < 5; i++) {
                    blocks.add(slab.allocate());
                }
            });
            allocator.start();
            allocator.join();
            assertEquals(5, slab.stats().liveBlocks());
            blocks.forEach(slab::free); // freed on this thread
            assertEquals(0, slab.stats().liveBlocks());
        }
    }

    @Test
    void freedBlocksAreReusedWithoutGrowing() {
        try (SlabAllocator slab = new SlabAllocator(64, 8)) {
            for (int round = 0; round < 1000; round++) {
                MemorySegment block = slab.allocate();
                slab.free(block);
            }
            assertEquals(64 * 8, slab.stats().reservedBytes());
            MemorySegment first = slab.allocate();
            slab.free(first);
            assertSame(first, slab.allocate(), "a freed block comes back from the thread's cache, same object");
        }
    }

    @Test
    void cacheSpillsAndRefillsThroughTheSharedStack() {
        try (SlabAllocator slab = new SlabAllocator(16, 64)) {
            List<MemorySegment> blocks = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                blocks.add(slab.allocate());
            }
            assertEquals(500, distinct(blocks));
            blocks.forEach(slab::free); // spills many times past the cache capacity
            blocks.clear();
            for (int i = 0; i < 500; i++) {
                blocks.add(slab.allocate());
            }
            assertEquals(500, distinct(blocks));
            assertEquals(8 * 64 * 16, slab.stats().reservedBytes(), "no growth: every freed block was reused");
            blocks.forEach(slab::free);
            assertEquals(0, slab.stats().liveBlocks());
        }
    }

    @Test
    void blocksFreedOnAnotherThreadAreReused() throws Exception {
        try (SlabAllocator slab = new SlabAllocator(64, 4)) {
            List<MemorySegment> blocks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                blocks.add(slab.allocate());
            }
            Thread freer = new Thread(() -> blocks.forEach(slab::free));
            freer.start();
            freer.join();
            assertEquals(0, slab.stats().liveBlocks());
            // The freer ended with the blocks in its cache: growing reclaims them first.
            for (int i = 0; i < 4; i++) {
                blocks.add(slab.allocate());
            }
            assertEquals(64 * 4, slab.stats().reservedBytes());
            blocks.subList(4, 8).forEach(slab::free);
        }
    }

    @Test
    void aThreadWhoseCacheSlotIsTakenUsesTheSharedStack() throws Exception {
        try (SlabAllocator slab = new SlabAllocator(64, 4)) {
            slab.free(slab.allocate()); // this thread takes its slot
            long mySlot = Thread.currentThread().threadId() % SlabAllocator.CACHE_SLOTS;
            List<MemorySegment> held = new ArrayList<>();
            Thread colliding = null;
            while (colliding == null) {
                Thread candidate = new Thread(() -> {
                    held.add(slab.allocate());
                    held.add(slab.allocate());
                    slab.free(held.removeFirst());
                });
                if (candidate.threadId() % SlabAllocator.CACHE_SLOTS == mySlot) {
                    colliding = candidate;
                }
            }
            colliding.start();
            colliding.join();
            assertEquals(1, slab.stats().liveBlocks());
            assertEquals(2, slab.stats().peakBlocks());
            slab.free(held.getFirst());
            assertEquals(0, slab.stats().liveBlocks());
        }
    }

    @Test
    void virtualThreadsUseTheSharedStack() throws Exception {
        try (SlabAllocator slab = new SlabAllocator(64, 4)) {
            Thread vt = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 100; i++) {
                    MemorySegment a = slab.allocate();
                    MemorySegment b = slab.allocate();
                    slab.free(a);
                    slab.free(b);
                }
            });
            vt.join();
            assertEquals(new SlabStats(0, 2, 64 * 4), slab.stats());
        }
    }

    @Test
    void concurrentAllocateAndFreeNeverHandOneBlockToTwoOwners() throws Exception {
        int threads = 4;
        int rounds = 20_000;
        try (SlabAllocator slab = new SlabAllocator(64, 16)) {
            Set<Long> owned = ConcurrentHashMap.newKeySet();
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread worker = new Thread(() -> {
                    try {
                        start.await();
                        MemorySegment[] held = new MemorySegment[8];
                        for (int r = 0; r < rounds; r++) {
                            int n = 1 + (r + id) % held.length;
                            for (int i = 0; i < n; i++) {
                                held[i] = slab.allocate();
                                if (!owned.add(held[i].address())) {
                                    throw new AssertionError("block handed to two owners: " + held[i]);
                                }
                                held[i].set(ValueLayout.JAVA_LONG, 0, id);
                            }
                            for (int i = 0; i < n; i++) {
                                if (held[i].get(ValueLayout.JAVA_LONG, 0) != id) {
                                    throw new AssertionError("block written by another owner");
                                }
                                owned.remove(held[i].address());
                                slab.free(held[i]);
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                workers.add(worker);
                worker.start();
            }
            for (Thread worker : workers) {
                worker.join();
            }
            assertEquals(List.of(), failures);
            SlabStats stats = slab.stats();
            assertEquals(0, stats.liveBlocks());
            assertTrue(stats.peakBlocks() <= threads * 16L, "peak " + stats.peakBlocks());
        }
    }

    @Test
    void freeingAForeignBlockIsAnIllegalArgument() {
        try (SlabAllocator slab = new SlabAllocator(64, 4);
             SlabAllocator other = new SlabAllocator(64, 4);
             Arena arena = Arena.ofConfined()) {
            MemorySegment mine = slab.allocate();
            MemorySegment theirs = other.allocate();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> slab.free(theirs));
            assertTrue(e.getMessage().contains("not a block of this slab allocator"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> slab.free(arena.allocate(64)));
            assertThrows(IllegalArgumentException.class, () -> slab.free(mine.asSlice(0, 32)));
            assertThrows(IllegalArgumentException.class, () -> slab.free(MemorySegment.ofArray(new byte[64])));
            assertThrows(IllegalArgumentException.class, () -> slab.free(MemorySegment.NULL));
            assertEquals(1, slab.stats().liveBlocks(), "a rejected free changes nothing");
            slab.free(mine);
            other.free(theirs);
        }
    }

    @Test
    void everyUseAfterCloseIsAnIllegalState() {
        SlabAllocator slab = new SlabAllocator(64, 4);
        MemorySegment block = slab.allocate();
        slab.close();
        assertTrue(slab.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, slab::allocate);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> slab.free(block));
        assertThrows(IllegalStateException.class, () -> block.get(ValueLayout.JAVA_LONG, 0));
        assertEquals(1, slab.stats().liveBlocks(), "stats stay readable after close");
        slab.close(); // twice is harmless
    }

    @Test
    void blocksPerSlabIsRoundedUpToAPowerOfTwo() {
        try (SlabAllocator slab = new SlabAllocator(64, 100)) {
            slab.free(slab.allocate());
            assertEquals(128 * 64, slab.stats().reservedBytes());
        }
        try (SlabAllocator slab = new SlabAllocator(24, 1)) { // neither a power of two
            MemorySegment a = slab.allocate();
            MemorySegment b = slab.allocate();
            assertEquals(2 * 24, slab.stats().reservedBytes());
            slab.free(a);
            slab.free(b);
        }
    }

    @Test
    void constructorRejectsBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> new SlabAllocator(0, 4));
        assertThrows(IllegalArgumentException.class, () -> new SlabAllocator(12, 4));
        assertThrows(IllegalArgumentException.class, () -> new SlabAllocator(64, 0));
        assertThrows(IllegalArgumentException.class, () -> new SlabAllocator(1 << 20, 1 << 12));
    }

    @Test
    void debugModeIsOffByDefault() {
        assertEquals(Boolean.getBoolean("limn.slab.debug"), SlabAllocator.debugMode());
    }

    private static int distinct(List<MemorySegment> blocks) {
        Set<Long> addresses = new HashSet<>();
        for (MemorySegment block : blocks) {
            addresses.add(block.address());
        }
        return addresses.size();
    }
}
