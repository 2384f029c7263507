package dev.limn.offheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs in the surefire execution that sets {@code -Dlimn.slab.debug=true} (see the pom), and in
 * any JVM in the checked VM mode, which turns the debug mode on too.
 */
@EnabledIf("dev.limn.offheap.SlabAllocator#debugMode")
class SlabAllocatorDebugTest {

    @Test
    void debugModeIsOn() {
        assertTrue(SlabAllocator.debugMode());
    }

    @Test
    void doubleFreeFailsLoudly() {
        try (SlabAllocator slab = new SlabAllocator(64, 4)) {
            MemorySegment block = slab.allocate();
            slab.free(block);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> slab.free(block));
            assertTrue(e.getMessage().contains("double free"), e.getMessage());
            assertEquals(0, slab.stats().liveBlocks());
        }
    }

    @Test
    void doubleFreeIsCaughtEvenAfterTheBlockWasReallocated() {
        try (SlabAllocator slab = new SlabAllocator(64, 1)) {
            MemorySegment stale = slab.allocate();
            slab.free(stale);
            MemorySegment fresh = slab.allocate(); // the same memory, a new view
            assertEquals(stale.address(), fresh.address());
            assertNotSame(stale, fresh);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> slab.free(stale));
            assertTrue(e.getMessage().contains("double free"), e.getMessage());
            fresh.set(ValueLayout.JAVA_LONG, 0, 7L); // the new owner is unaffected
            slab.free(fresh);
        }
    }

    @Test
    void useAfterFreeFailsLoudly() {
        try (SlabAllocator slab = new SlabAllocator(64, 4)) {
            MemorySegment block = slab.allocate();
            block.set(ValueLayout.JAVA_LONG, 0, 42L);
            slab.free(block);
            assertThrows(IllegalStateException.class, () -> block.get(ValueLayout.JAVA_LONG, 0));
            assertThrows(IllegalStateException.class, () -> block.set(ValueLayout.JAVA_LONG, 0, 1L));
            assertThrows(IllegalStateException.class, () -> RegisterFile.lpPayload(block, 0));
        }
    }

    @Test
    void freedBlocksArePoisoned() {
        try (SlabAllocator slab = new SlabAllocator(64, 1)) {
            MemorySegment block = slab.allocate();
            block.fill((byte) 0);
            slab.free(block);
            MemorySegment again = slab.allocate();
            for (long i = 0; i < 64; i++) {
                assertEquals(SlabAllocator.POISON_BYTE, again.get(ValueLayout.JAVA_BYTE, i));
            }
            slab.free(again);
        }
    }

    @Test
    void foreignBlocksAreStillIllegalArguments() {
        try (SlabAllocator slab = new SlabAllocator(64, 4); SlabAllocator other = new SlabAllocator(64, 4)) {
            MemorySegment mine = slab.allocate();
            MemorySegment theirs = other.allocate();
            assertThrows(IllegalArgumentException.class, () -> slab.free(theirs));
            assertThrows(IllegalArgumentException.class, () -> slab.free(mine.asSlice(8, 56)));
            slab.free(mine);
            other.free(theirs);
        }
    }

    @Test
    void closeInvalidatesOutstandingViews() {
        SlabAllocator slab = new SlabAllocator(64, 4);
        MemorySegment block = slab.allocate();
        slab.close();
        assertThrows(IllegalStateException.class, () -> block.get(ValueLayout.JAVA_LONG, 0));
        assertThrows(IllegalStateException.class, slab::allocate);
    }

    @Test
    void atomicCellUseAfterFreeFailsLoudly() {
        try (AtomicCellPool pool = new AtomicCellPool(4)) {
            AtomicCell cell = pool.allocate(5);
            cell.release();
            assertThrows(IllegalStateException.class, cell::lvLong);
            assertEquals(0, pool.liveCells());
        }
    }
}
