package dev.limn.vm;

import dev.limn.offheap.AtomicCell;
import dev.limn.offheap.AtomicCellPool;
import dev.limn.value.LimnError;

/**
 * The value of a variable declared {@code var c: atomic = 0;} (SPEC §6.1): an off-heap
 * {@link AtomicCell} holding an int, or a float's bits when declared with a float.
 *
 * <p>Reading the variable loads the cell (the compiler emits ALOAD), so an atomic never
 * flows into other values: only the variable's own scope and the tasks that capture it hold
 * the cell. Reference counting: the cell starts with one reservation for the task that
 * declared it (released when that task ends); every task that captures it reserves it at
 * spawn and releases it when it ends. So the pool's live count is 0 after every program.
 */
public final class AtomicValue {
    final AtomicCell cell;
    final boolean isFloat;

    private AtomicValue(AtomicCell cell, boolean isFloat) {
        this.cell = cell;
        this.isFloat = isFloat;
    }

    /** A new cell of {@code pool} holding {@code initial} (an int or a float); TypeMismatch otherwise. */
    static AtomicValue of(AtomicCellPool pool, Object initial) {
        if (initial == null) {
            return new AtomicValue(pool.allocate(0), false);
        }
        if (initial instanceof Long l) {
            return new AtomicValue(pool.allocate(l), false);
        }
        if (initial instanceof Double d) {
            return new AtomicValue(pool.allocateDouble(d), true);
        }
        throw LimnError.typeMismatch("an atomic holds an int or a float, got " + Values.typeName(initial));
    }

    /** The current value (acquire load). */
    Object load() {
        try {
            return isFloat ? (Object) cell.lvDouble() : (Object) cell.lvLong();
        } catch (IllegalStateException e) {
            throw freed();
        }
    }

    /** Atomic store of {@code v}; an int stored into a float cell becomes a float. */
    void store(Object v) {
        try {
            if (isFloat) {
                cell.soDouble(toDouble(v, "store"));
            } else {
                cell.soLong(toLong(v, "store"));
            }
        } catch (IllegalStateException e) {
            throw freed();
        }
    }

    /** Atomic add; returns the new value. */
    Object add(Object delta) {
        if (isFloat) {
            try {
                return cell.addAndGetDouble(toDouble(delta, "add"));
            } catch (IllegalStateException e) {
                throw freed();
            }
        }
        return addInt(toLong(delta, "add"));
    }

    /** Whether this cell holds an int (so {@link #addInt} applies). */
    boolean holdsInt() {
        return !isFloat;
    }

    /**
     * Atomic add of an int to an int cell (no boxing: {@code counter += i} in a task); returns
     * the new value. A sum that overflows raises {@code Overflow} and leaves the cell unchanged:
     * no task ever sees a wrapped value.
     */
    long addInt(long d) {
        try {
            return cell.addExactAndGet(d);
        } catch (ArithmeticException e) {
            throw new LimnError("Overflow", "integer overflow");
        } catch (IllegalStateException e) {
            throw freed();
        }
    }

    /** Atomic multiply (a CAS loop); returns the new value. */
    Object multiply(Object factor) {
        try {
            if (isFloat) {
                double f = toDouble(factor, "multiply");
                for (;;) {
                    double old = cell.lvDouble();
                    if (cell.casLong(Double.doubleToRawLongBits(old), Double.doubleToRawLongBits(old * f))) {
                        return old * f;
                    }
                }
            }
            long f = toLong(factor, "multiply");
            for (;;) {
                long old = cell.lvLong();
                long now = Math.multiplyExact(old, f);
                if (cell.casLong(old, now)) {
                    return now;
                }
            }
        } catch (IllegalStateException e) {
            throw freed();
        }
    }

    /** Stores {@code update} if the cell holds {@code expected} (compared like Limn's ==). */
    boolean cas(Object expected, Object update) {
        try {
            if (isFloat) {
                return cell.casDouble(toDouble(expected, "cas"), toDouble(update, "cas"));
            }
            if (expected instanceof Double d) {
                long l = (long) (double) d;
                if (l != d) {
                    return false; // no int equals it
                }
                return cell.casLong(l, toLong(update, "cas"));
            }
            return cell.casLong(toLong(expected, "cas"), toLong(update, "cas"));
        } catch (IllegalStateException e) {
            throw freed();
        }
    }

    /** Stores {@code v}; returns the old value. */
    Object swap(Object v) {
        try {
            return isFloat ? (Object) cell.xchgDouble(toDouble(v, "swap")) : (Object) cell.xchgLong(toLong(v, "swap"));
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

    private long toLong(Object v, String op) {
        if (v instanceof Long l) {
            return l;
        }
        throw LimnError.typeMismatch("atomic " + op + " on an int cell expects an int, got " + Values.typeName(v));
    }

    private double toDouble(Object v, String op) {
        if (v instanceof Double d) {
            return d;
        }
        if (v instanceof Long l) {
            return l;
        }
        throw LimnError.typeMismatch("atomic " + op + " on a float cell expects a number, got " + Values.typeName(v));
    }

    @Override
    public String toString() {
        return Values.str(load());
    }
}
