package dev.limn.offheap;

/**
 * The off-heap home of a runtime's {@link AtomicCell}s: a {@link SlabAllocator} of
 * {@value AtomicCell#CELL_BYTES}-byte blocks, so every cell has a cache line to itself, plus
 * a live count that must read 0 when a program ends.
 *
 * <p>Thread-safe. After {@link #close()}, allocate throws {@link IllegalStateException} and
 * so does any access to a cell that was still live.
 */
public final class AtomicCellPool implements AutoCloseable {
    /** Cells reserved per slab when the pool grows (64 KiB slabs). */
    public static final int DEFAULT_CELLS_PER_SLAB = 1024;

    private final SlabAllocator slab;

    public AtomicCellPool() {
        this(DEFAULT_CELLS_PER_SLAB);
    }

    public AtomicCellPool(int cellsPerSlab) {
        this.slab = new SlabAllocator((int) AtomicCell.CELL_BYTES, cellsPerSlab);
    }

    /**
     * A new cell holding 0 with one reservation (its declaring scope's).
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public AtomicCell allocate() {
        return new AtomicCell(this, slab.allocate());
    }

    /** A new cell holding {@code value} with one reservation. */
    public AtomicCell allocate(long value) {
        AtomicCell cell = allocate();
        cell.soLong(value);
        return cell;
    }

    /** A new cell holding the float {@code value} with one reservation. */
    public AtomicCell allocateDouble(double value) {
        AtomicCell cell = allocate();
        cell.soDouble(value);
        return cell;
    }

    /** Cells allocated and not yet freed. */
    public long liveCells() {
        return slab.stats().liveBlocks();
    }

    /** The underlying slab statistics (live and peak cells, reserved bytes). */
    public SlabStats stats() {
        return slab.stats();
    }

    void free(java.lang.foreign.MemorySegment block) {
        slab.free(block);
    }

    @Override
    public void close() {
        slab.close();
    }

    public boolean isClosed() {
        return slab.isClosed();
    }
}
