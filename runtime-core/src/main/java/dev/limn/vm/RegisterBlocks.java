package dev.limn.vm;

import java.lang.foreign.MemorySegment;

import dev.limn.offheap.RegisterFile;
import dev.limn.offheap.SlabAllocator;

/**
 * Where task register files come from: off-heap blocks from two {@link SlabAllocator}s,
 * which recycle them without allocating. A task starts in a small block of
 * {@link #SMALL_REGISTERS} registers (4 KiB) when its function fits, so that 100,000 live
 * tasks cost 400 MiB at most rather than 100 GiB; calls that do not fit chain full blocks of
 * {@link #BLOCK_REGISTERS} registers (1 MiB). {@link #free} tells them apart by size.
 * {@link #live()} counts blocks of both kinds handed out and not yet freed; after a program
 * ends it is 0. Each {@link Engine} has its own; {@link #close} returns the slabs to the OS.
 */
public final class RegisterBlocks implements AutoCloseable {
    /** Registers per block: a frame's window (at most {@link Instr#MAX_A} + 1 registers) always fits. */
    public static final int BLOCK_REGISTERS = 1 << 16;

    /** Registers of a task's first block when its function fits. */
    public static final int SMALL_REGISTERS = 1 << 8;

    private static final long SMALL_BYTES = SMALL_REGISTERS * RegisterFile.REGISTER_BYTES;

    private final SlabAllocator full = new SlabAllocator((int) (BLOCK_REGISTERS * RegisterFile.REGISTER_BYTES), 4);
    private final SlabAllocator small = new SlabAllocator((int) SMALL_BYTES, 256);

    public MemorySegment allocate() {
        return full.allocate();
    }

    public MemorySegment allocateSmall() {
        return small.allocate();
    }

    public void free(MemorySegment block) {
        if (block.byteSize() == SMALL_BYTES) {
            small.free(block);
        } else {
            full.free(block);
        }
    }

    public long live() {
        return full.stats().liveBlocks() + small.stats().liveBlocks();
    }

    /** Peak of full blocks plus peak of small blocks (each sampled, see SlabStats). */
    public long peak() {
        return full.stats().peakBlocks() + small.stats().peakBlocks();
    }

    /**
     * Returns every slab to the OS. A block still held becomes inaccessible; the interpreter
     * reads registers through raw addresses, so call this only when no task can run.
     */
    @Override
    public void close() {
        full.close();
        small.close();
    }
}
