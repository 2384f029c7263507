package dev.limn.vm;

import dev.limn.offheap.AtomicCell;
import dev.limn.value.LimnError;

/**
 * An atomic variable that no function captures (SPEC §6.1): a pooled off-heap
 * {@link AtomicCell}, alone on its cache line, so tasks hammering one counter share no line
 * with anything else.
 *
 * <p>Reference counted, so the pool's live count is 0 after every program: the cell starts
 * with one reservation for the task that declared it ({@link TaskContext#hold}), released when
 * the variable's scope ends (ARELEASE) or, at the latest, when that task ends; the block of a
 * unit that captures it reserves it once and releases it when the block completes
 * ({@code Units.register}). A use after the last release would be a runtime bug: it raises an
 * {@code Error} rather than touch a block another cell may own.
 */
public final class OffHeapAtomic extends AtomicValue {
    final AtomicCell cell;

    OffHeapAtomic(AtomicCell cell, boolean isFloat) {
        super(isFloat);
        this.cell = cell;
    }

    @Override
    long lvBits() {
        try {
            return cell.lvLong();
        } catch (IllegalStateException e) {
            throw freed();
        }
    }

    @Override
    void soBits(long bits) {
        try {
            cell.soLong(bits);
        } catch (IllegalStateException e) {
            throw freed();
        }
    }

    @Override
    boolean casBits(long expected, long update) {
        try {
            return cell.casLong(expected, update);
        } catch (IllegalStateException e) {
            throw freed();
        }
    }

    @Override
    long xchgBits(long bits) {
        try {
            return cell.xchgLong(bits);
        } catch (IllegalStateException e) {
            throw freed();
        }
    }

    @Override
    long addExactAndGet(long delta) {
        try {
            return cell.addExactAndGet(delta);
        } catch (IllegalStateException e) {
            throw freed();
        }
    }

    @Override
    double addAndGetDouble(double delta) {
        try {
            return cell.addAndGetDouble(delta);
        } catch (IllegalStateException e) {
            throw freed();
        }
    }

    @Override
    boolean casDouble(double expected, double update) {
        try {
            return cell.casDouble(expected, update);
        } catch (IllegalStateException e) {
            throw freed();
        }
    }

    void reserve() {
        cell.reserve();
    }

    void release() {
        cell.release();
    }

    private static LimnError freed() {
        return new LimnError("Error", "atomic used after the scope that declared it ended");
    }
}
