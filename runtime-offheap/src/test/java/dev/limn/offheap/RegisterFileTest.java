package dev.limn.offheap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class RegisterFileTest {

    @Test
    void layoutMatchesTheDiagram() {
        assertEquals(16, RegisterFile.REGISTER_BYTES);
        assertEquals(0, RegisterFile.PAYLOAD_OFFSET);
        assertEquals(8, RegisterFile.TAG_OFFSET);
    }

    @Test
    void registersHoldTagAndPayloadIndependently() {
        try (SlabAllocator slab = new SlabAllocator(16 * 32, 4)) {
            MemorySegment block = slab.allocate();
            assertEquals(32, RegisterFile.capacity(block));
            for (int r = 0; r < 32; r++) {
                RegisterFile.sp(block, r, (byte) r, -r * 1_000_000_007L);
            }
            for (int r = 0; r < 32; r++) {
                assertEquals((byte) r, RegisterFile.lpTag(block, r));
                assertEquals(-r * 1_000_000_007L, RegisterFile.lpPayload(block, r));
            }
            RegisterFile.spPayload(block, 3, Long.MIN_VALUE);
            RegisterFile.spTag(block, 3, (byte) -1);
            assertEquals(Long.MIN_VALUE, RegisterFile.lpPayload(block, 3));
            assertEquals((byte) -1, RegisterFile.lpTag(block, 3));
            assertEquals(2 * -1_000_000_007L, RegisterFile.lpPayload(block, 2), "neighbours untouched");
            slab.free(block);
        }
    }

    @Test
    void rawAccessorsSeeTheSameRegistersAsCheckedOnes() {
        try (SlabAllocator slab = new SlabAllocator(16 * 8, 4)) {
            MemorySegment block = slab.allocate();
            RegisterFile.sp(block, 5, (byte) 2, 42);
            long r5 = RegisterFile.address(block, 5);
            assertEquals(RegisterFile.address(block, 0) + 5 * RegisterFile.REGISTER_BYTES, r5);
            assertEquals(42, RegisterFile.lpPayloadAt(r5));
            assertEquals((byte) 2, RegisterFile.lpTagAt(r5));
            RegisterFile.spAt(r5, (byte) 3, -7);
            RegisterFile.spPayloadAt(r5 + RegisterFile.REGISTER_BYTES, Long.MAX_VALUE);
            assertEquals(-7, RegisterFile.lpPayload(block, 5));
            assertEquals((byte) 3, RegisterFile.lpTag(block, 5));
            assertEquals(Long.MAX_VALUE, RegisterFile.lpPayload(block, 6));
            slab.free(block);
        }
    }

    @Test
    void accessToABlockOfAClosedAllocatorIsAnExceptionNotACrash() {
        SlabAllocator slab = new SlabAllocator(16 * 4, 4);
        MemorySegment block = slab.allocate();
        slab.close();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> RegisterFile.lpPayload(block, 0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> RegisterFile.sp(block, 1, (byte) 1, 7));
    }

    @Test
    void accessPastTheBlockIsAnExceptionNotACrash() {
        try (SlabAllocator slab = new SlabAllocator(16 * 4, 4)) {
            MemorySegment block = slab.allocate();
            org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                    () -> RegisterFile.lpPayload(block, 4));
            slab.free(block);
        }
    }
}
