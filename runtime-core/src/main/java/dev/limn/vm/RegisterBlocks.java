package dev.limn.vm;

import java.lang.foreign.MemorySegment;

import dev.limn.offheap.RegisterFile;
import dev.limn.offheap.SlabAllocator;

/**
 * Where task register files come from: off-heap blocks of {@link #BLOCK_REGISTERS}
 * registers from one {@link SlabAllocator}, which recycles them without allocating.
 * {@link #live()} counts blocks handed out and not yet freed; after a program ends it is 0.
 */
public final class RegisterBlocks {
    /** Registers per block: a frame's window (at most {@link Instr#MAX_A} + 1 registers) always fits. */
    public static final int BLOCK_REGISTERS = 1 << 16;

    private static final SlabAllocator SLAB = new SlabAllocator((int) (BLOCK_REGISTERS * RegisterFile.REGISTER_BYTES), 4);

    private RegisterBlocks() {}

    public static MemorySegment allocate() {
        return SLAB.allocate();
    }

    public static void free(MemorySegment block) {
        SLAB.free(block);
    }

    public static long live() {
        return SLAB.stats().liveBlocks();
    }

    public static long peak() {
        return SLAB.stats().peakBlocks();
    }
}
