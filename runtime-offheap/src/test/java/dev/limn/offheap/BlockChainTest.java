package dev.limn.offheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class BlockChainTest {

    @Test
    void growChainsBlocksAndCloseFreesThemAll() {
        try (SlabAllocator slab = new SlabAllocator(16 * 8, 4)) {
            BlockChain chain = new BlockChain(slab);
            assertEquals(1, chain.length());
            MemorySegment first = chain.block(0);
            RegisterFile.sp(first, 7, (byte) 1, 70);
            for (int i = 1; i < 10; i++) {
                MemorySegment next = chain.grow();
                RegisterFile.sp(next, 0, (byte) 2, i);
            }
            assertEquals(10, chain.length());
            assertEquals(10, slab.stats().liveBlocks());
            assertEquals(70, RegisterFile.lpPayload(chain.block(0), 7));
            for (int i = 1; i < 10; i++) {
                assertEquals(i, RegisterFile.lpPayload(chain.block(i), 0));
                assertNotEquals(chain.block(i - 1).address(), chain.block(i).address());
            }
            chain.shrinkTo(3);
            assertEquals(3, chain.length());
            assertEquals(3, slab.stats().liveBlocks());
            assertThrows(IndexOutOfBoundsException.class, () -> chain.block(3));
            assertThrows(IllegalArgumentException.class, () -> chain.shrinkTo(0));
            chain.close();
            assertEquals(0, chain.length());
            assertEquals(0, slab.stats().liveBlocks());
            chain.close();
            assertThrows(IllegalStateException.class, chain::grow);
        }
    }
}
