package dev.limn.offheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AtomicCellTest {

    @Test
    void layoutMatchesTheDiagram() {
        assertEquals(64, AtomicCell.CELL_BYTES);
        assertEquals(0, AtomicCell.VALUE_OFFSET);
    }

    @Test
    void eachCellHasItsOwnCacheLine() {
        try (AtomicCellPool pool = new AtomicCellPool(8)) {
            List<AtomicCell> cells = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                AtomicCell cell = pool.allocate(i);
                cells.add(cell);
            }
            for (int i = 0; i < 20; i++) {
                assertEquals(i, cells.get(i).lvLong(), "neighbours do not overlap");
            }
            cells.forEach(AtomicCell::release);
        }
    }

    @Test
    void intOperations() {
        try (AtomicCellPool pool = new AtomicCellPool()) {
            AtomicCell cell = pool.allocate();
            assertEquals(0, cell.lvLong(), "a new cell holds 0");
            cell.soLong(10);
            assertEquals(10, cell.lvLong());
            assertEquals(15, cell.xaddAndGet(5));
            assertEquals(12, cell.xaddAndGet(-3));
            assertTrue(cell.casLong(12, 20));
            assertFalse(cell.casLong(12, 30));
            assertEquals(20, cell.lvLong());
            assertEquals(20, cell.xchgLong(7));
            assertEquals(7, cell.lvLong());
            cell.soLong(Long.MAX_VALUE);
            assertEquals(Long.MIN_VALUE, cell.xaddAndGet(1), "adds wrap like Java longs");
            cell.release();
        }
    }

    @Test
    void anAddThatOverflowsIsNeverStored() {
        try (AtomicCellPool pool = new AtomicCellPool()) {
            AtomicCell cell = pool.allocate(Long.MAX_VALUE - 2);
            assertEquals(Long.MAX_VALUE, cell.addExactAndGet(2));
            assertThrows(ArithmeticException.class, () -> cell.addExactAndGet(1));
            assertEquals(Long.MAX_VALUE, cell.lvLong(), "the failed add left the value as it was");
            cell.soLong(Long.MIN_VALUE + 1);
            assertThrows(ArithmeticException.class, () -> cell.addExactAndGet(-2));
            assertEquals(Long.MIN_VALUE + 1, cell.lvLong());
            assertEquals(Long.MIN_VALUE, cell.addExactAndGet(-1));
            cell.release();
        }
    }

    @Test
    void floatOperations() {
        try (AtomicCellPool pool = new AtomicCellPool()) {
            AtomicCell cell = pool.allocateDouble(1.5);
            assertEquals(1.5, cell.lvDouble());
            cell.soDouble(2.0);
            assertEquals(2.5, cell.addAndGetDouble(0.5));
            assertTrue(cell.casDouble(2.5, 3.0));
            assertFalse(cell.casDouble(2.5, 4.0));
            assertEquals(3.0, cell.xchgDouble(-0.0));
            assertTrue(cell.casDouble(0.0, 1.0), "cas compares numerically: 0.0 matches -0.0");
            cell.soDouble(Double.NaN);
            assertFalse(cell.casDouble(Double.NaN, 1.0), "NaN matches nothing");
            assertTrue(Double.isNaN(cell.addAndGetDouble(1.0)));
            cell.release();
        }
    }

    @Test
    void concurrentAddsLoseNothing() throws Exception {
        try (AtomicCellPool pool = new AtomicCellPool()) {
            AtomicCell ints = pool.allocate();
            AtomicCell floats = pool.allocateDouble(0.0);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread thread = new Thread(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        ints.xaddAndGet(1);
                        floats.addAndGetDouble(1.0);
                    }
                });
                threads.add(thread);
                thread.start();
            }
            for (Thread thread : threads) {
                thread.join();
            }
            assertEquals(40_000, ints.lvLong());
            assertEquals(40_000.0, floats.lvDouble());
            ints.release();
            floats.release();
        }
    }

    @Test
    void lastReleaseReturnsTheCellToThePool() {
        try (AtomicCellPool pool = new AtomicCellPool()) {
            AtomicCell cell = pool.allocate();
            assertEquals(1, pool.liveCells());
            assertEquals(1, cell.refCount());
            cell.reserve();
            cell.reserve();
            assertEquals(3, cell.refCount());
            cell.release();
            cell.release();
            assertEquals(1, pool.liveCells(), "still held by one");
            cell.release();
            assertTrue(cell.isFreed());
            assertEquals(0, pool.liveCells());
            assertEquals(1, pool.stats().peakBlocks());
        }
    }

    @Test
    void useAfterFreeIsAnIllegalState() {
        try (AtomicCellPool pool = new AtomicCellPool()) {
            AtomicCell cell = pool.allocate();
            cell.release();
            IllegalStateException e = assertThrows(IllegalStateException.class, cell::lvLong);
            assertTrue(e.getMessage().contains("freed"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> cell.soLong(1));
            assertThrows(IllegalStateException.class, () -> cell.xaddAndGet(1));
            assertThrows(IllegalStateException.class, () -> cell.casLong(0, 1));
            assertThrows(IllegalStateException.class, () -> cell.xchgLong(1));
            assertThrows(IllegalStateException.class, () -> cell.addAndGetDouble(1));
            assertThrows(IllegalStateException.class, () -> cell.casDouble(0, 1));
            assertThrows(IllegalStateException.class, cell::reserve);
            e = assertThrows(IllegalStateException.class, cell::release);
            assertTrue(e.getMessage().contains("released more times"), e.getMessage());
            assertEquals("<atomic freed>", cell.toString());
        }
    }

    @Test
    void aFreedCellNeverSeesItsSuccessor() {
        try (AtomicCellPool pool = new AtomicCellPool(1)) {
            AtomicCell first = pool.allocate(1);
            first.release();
            AtomicCell second = pool.allocate(2); // reuses the same block
            assertThrows(IllegalStateException.class, first::lvLong);
            assertEquals(2, second.lvLong());
            second.release();
        }
    }

    @Test
    void closedPoolRefusesEverything() {
        AtomicCellPool pool = new AtomicCellPool();
        AtomicCell cell = pool.allocate();
        pool.close();
        assertTrue(pool.isClosed());
        assertThrows(IllegalStateException.class, pool::allocate);
        assertThrows(IllegalStateException.class, cell::lvLong);
        assertThrows(IllegalStateException.class, () -> cell.soLong(1));
        assertThrows(IllegalStateException.class, () -> cell.xaddAndGet(1));
        assertThrows(IllegalStateException.class, () -> cell.addExactAndGet(1));
        assertThrows(IllegalStateException.class, () -> cell.casLong(0, 1));
        assertThrows(IllegalStateException.class, () -> cell.xchgLong(1));
        assertThrows(IllegalStateException.class, () -> cell.addAndGetDouble(1.0));
        assertThrows(IllegalStateException.class, () -> cell.casDouble(0.0, 1.0));
        assertThrows(IllegalStateException.class, cell::release, "returning a cell to a closed pool");
    }
}
