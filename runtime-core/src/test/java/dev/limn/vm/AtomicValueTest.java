package dev.limn.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.offheap.AtomicCellPool;
import dev.limn.value.LimnError;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.function.Function;

/**
 * Both homes of an atomic variable, {@link OffHeapAtomic} and {@link HeapAtomic}, give the same
 * result for every operation of SPEC §6.1, overflow and float comparison included: a heap
 * cell's read-modify-writes copy the off-heap cell's, and this test keeps them in step.
 */
class AtomicValueTest {
    private final AtomicCellPool pool = new AtomicCellPool(16);

    enum Home { OFF_HEAP, HEAP }

    @AfterEach
    void close() {
        pool.close();
    }

    private Function<Object, AtomicValue> maker(Home home) {
        return home == Home.OFF_HEAP ? initial -> AtomicValue.offHeap(pool, initial) : AtomicValue::onHeap;
    }

    @ParameterizedTest
    @EnumSource(Home.class)
    void intCell(Home home) {
        AtomicValue c = maker(home).apply(null);
        assertEquals(0L, c.load());
        assertTrue(c.holdsInt());
        c.store(5L);
        assertEquals(8L, c.add(3L));
        assertEquals(10L, c.addInt(2));
        assertEquals(30L, c.multiply(3L));
        assertTrue(c.cas(30L, 1L));
        assertFalse(c.cas(30L, 2L));
        assertTrue(c.cas(1.0, 7L), "an int cell matches a float equal to its value");
        assertFalse(c.cas(7.5, 9L), "no int equals 7.5");
        assertEquals(7L, c.swap(4L));
        assertEquals("4", c.toString());
    }

    @ParameterizedTest
    @EnumSource(Home.class)
    void anOverflowingAddOrMultiplyRaisesAndLeavesTheCell(Home home) {
        AtomicValue c = maker(home).apply(Long.MAX_VALUE - 1);
        assertEquals(Long.MAX_VALUE, c.addInt(1));
        assertEquals("Overflow", assertThrows(LimnError.class, () -> c.addInt(1)).value.kind);
        assertEquals("Overflow", assertThrows(LimnError.class, () -> c.add(1L)).value.kind);
        assertEquals("Overflow", assertThrows(LimnError.class, () -> c.multiply(2L)).value.kind);
        assertEquals(Long.MAX_VALUE, c.load());
        c.store(Long.MIN_VALUE + 1);
        assertEquals("Overflow", assertThrows(LimnError.class, () -> c.addInt(-2)).value.kind);
        assertEquals(Long.MIN_VALUE + 1, c.load());
    }

    @ParameterizedTest
    @EnumSource(Home.class)
    void floatCell(Home home) {
        AtomicValue c = maker(home).apply(0.0);
        assertFalse(c.holdsInt());
        assertEquals(1.5, c.add(1.5));
        c.store(2L);
        assertEquals(2.0, c.load(), "an int stored into a float cell becomes a float");
        assertEquals(4.0, c.multiply(2L));
        assertTrue(c.cas(4L, 1.0));
        c.store(-0.0);
        assertTrue(c.cas(0.0, 3.0), "0.0 matches -0.0");
        c.store(Double.NaN);
        assertFalse(c.cas(Double.NaN, 1.0), "NaN matches nothing");
        assertTrue(Double.isNaN((Double) c.swap(2.5)));
        assertEquals("2.5", c.toString());
    }

    @ParameterizedTest
    @EnumSource(Home.class)
    void wrongTypesRaiseTypeMismatch(Home home) {
        Function<Object, AtomicValue> make = maker(home);
        assertEquals("TypeMismatch", assertThrows(LimnError.class, () -> make.apply("s")).value.kind);
        AtomicValue i = make.apply(1L);
        assertEquals("TypeMismatch", assertThrows(LimnError.class, () -> i.store(1.5)).value.kind);
        assertEquals("TypeMismatch", assertThrows(LimnError.class, () -> i.add("x")).value.kind);
        assertEquals("TypeMismatch", assertThrows(LimnError.class, () -> i.cas(1L, "x")).value.kind);
        AtomicValue f = make.apply(1.0);
        assertEquals("TypeMismatch", assertThrows(LimnError.class, () -> f.swap(true)).value.kind);
        assertEquals("TypeMismatch", assertThrows(LimnError.class, () -> f.multiply(null)).value.kind);
        assertEquals(1L, i.load());
        assertEquals(1.0, f.load());
    }

    @Test
    void anOffHeapCellUsedAfterItsLastReleaseRaisesAnErrorNotAJavaException() {
        OffHeapAtomic c = AtomicValue.offHeap(pool, 1L);
        c.release();
        assertEquals(0, pool.liveCells());
        LimnError e = assertThrows(LimnError.class, c::load);
        assertEquals("Error", e.value.kind);
        assertEquals("atomic used after the scope that declared it ended", e.value.message);
        assertThrows(LimnError.class, () -> c.addInt(1));
        assertThrows(LimnError.class, () -> c.store(2L));
    }

    @Test
    void aHeapCellTakesNoOffHeapCell() {
        AtomicValue c = AtomicValue.onHeap(3L);
        c.add(1L);
        assertEquals(0, pool.liveCells());
        assertEquals(4L, c.load());
    }
}
