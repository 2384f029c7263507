package dev.limn.offheap;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The slab blocks of one task's register file, in order: block 0 is allocated with the
 * chain, and {@link #grow()} chains one more when a call's register window does not fit in
 * the blocks held so far (deep recursion). A window never straddles two blocks: the VM
 * checks the frame size once at call entry and, when the rest of the current block is too
 * small, starts the window at register 0 of the next block.
 *
 * <p>Owned by one task at a time (like its register file); not thread-safe.
 * {@link #close()} frees every block deterministically.
 */
public final class BlockChain implements AutoCloseable {
    private final SlabAllocator allocator;
    private MemorySegment[] blocks = new MemorySegment[4];
    private int length;

    /** Allocates the first block. */
    public BlockChain(SlabAllocator allocator) {
        this.allocator = allocator;
        blocks[0] = allocator.allocate();
        length = 1;
    }

    /** The {@code index}-th block, 0 first. */
    public MemorySegment block(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException("block " + index + " of a chain of " + length);
        }
        return blocks[index];
    }

    /** Blocks in the chain; 0 once closed. */
    public int length() {
        return length;
    }

    /** Chains one more block and returns it. */
    public MemorySegment grow() {
        if (length == 0) {
            throw new IllegalStateException("cannot grow a closed block chain");
        }
        MemorySegment block = allocator.allocate();
        if (length == blocks.length) {
            blocks = Arrays.copyOf(blocks, length * 2);
        }
        blocks[length++] = block;
        return block;
    }

    /** Frees blocks from the end until {@code newLength} remain (at least 1). */
    public void shrinkTo(int newLength) {
        if (newLength < 1 || newLength > length) {
            throw new IllegalArgumentException("cannot shrink a chain of " + length + " blocks to " + newLength);
        }
        while (length > newLength) {
            allocator.free(blocks[--length]);
            blocks[length] = null;
        }
    }

    /** Frees every block; closing twice is harmless. */
    @Override
    public void close() {
        while (length > 0) {
            allocator.free(blocks[--length]);
            blocks[length] = null;
        }
    }
}
