package dev.limn.vm;

import java.lang.foreign.MemorySegment;

import dev.limn.offheap.RegisterFile;
import dev.limn.offheap.SlabAllocator;

/**
 * Where tasks' register segments come from: each segment is a block of one of two
 * {@link SlabAllocator}s, which recycle them without allocating. A task starts in a small
 * segment of {@link #SMALL_REGISTERS} registers (4 KiB) when its function fits, so that
 * 100,000 live tasks cost 400 MiB at most rather than 100 GiB; calls that do not fit chain
 * full segments of {@link #SEGMENT_REGISTERS} registers (1 MiB). {@link #free} tells them
 * apart by size. {@link #live()} counts segments of both kinds handed out and not yet freed
 * (the slab blocks of {@code --stats}); after a program ends it is 0. Each {@link Engine} has
 * its own; {@link #close} returns the slabs to the OS.
 */
public final class RegisterSegments implements AutoCloseable {
    /** Registers per full segment: a frame's window (at most {@link Instr#MAX_A} + 1 registers) always fits. */
    public static final int SEGMENT_REGISTERS = 1 << 16;

    /** Registers of a task's first segment when its function fits. */
    public static final int SMALL_REGISTERS = 1 << 8;

    private static final long SMALL_BYTES = SMALL_REGISTERS * RegisterFile.REGISTER_BYTES;

    private final SlabAllocator full = new SlabAllocator((int) (SEGMENT_REGISTERS * RegisterFile.REGISTER_BYTES), 4);
    /**
     * 32 segments (128 KiB) a slab: {@code Arena.allocate} zeroes a new slab with a Java loop
     * that the first task of a run executes interpreted, which cost 2–3 ms of start-up for
     * slabs of 1 MiB (docs/design.md).
     */
    private final SlabAllocator small = new SlabAllocator((int) SMALL_BYTES, 32);

    public MemorySegment allocate() {
        return full.allocate();
    }

    public MemorySegment allocateSmall() {
        return small.allocate();
    }

    public void free(MemorySegment segment) {
        if (segment.byteSize() == SMALL_BYTES) {
            small.free(segment);
        } else {
            full.free(segment);
        }
    }

    public long live() {
        return full.stats().liveBlocks() + small.stats().liveBlocks();
    }

    /** Peak of full segments plus peak of small segments (each sampled, see SlabStats). */
    public long peak() {
        return full.stats().peakBlocks() + small.stats().peakBlocks();
    }

    /**
     * Returns every slab to the OS. A segment still held becomes inaccessible; the interpreter
     * reads registers through raw addresses, so call this only when no task can run.
     */
    @Override
    public void close() {
        full.close();
        small.close();
    }
}
