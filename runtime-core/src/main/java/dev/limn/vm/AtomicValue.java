package dev.limn.vm;

import dev.limn.offheap.AtomicCellPool;
import dev.limn.value.LimnError;

/**
 * The value of a variable declared {@code var c: atomic = 0;} (SPEC §6.1): a cell holding an
 * int, or a float's bits when declared with a float. The compiler picks the cell's home per
 * variable (NEWATOMIC's k):
 * <ul>
 *   <li>{@link OffHeapAtomic} — a pooled off-heap cell alone on its cache line, reference
 *       counted by the declaring task and the blocks whose units capture it; for a variable
 *       that only its own scope and task bodies touch, which never outlive the block.</li>
 *   <li>{@link HeapAtomic} — an ordinary object the garbage collector frees; for a variable a
 *       function captures, since the closure may outlive every scope and task, and a captured
 *       variable lives as long as any closure that holds it.</li>
 * </ul>
 * Both have the same semantics, written here once over a few primitives each kind provides:
 * loads are acquire, stores release, read-modify-writes volatile; an int add or multiply that
 * overflows raises {@code Overflow} and leaves the cell unchanged, so no task ever sees a
 * wrapped value.
 *
 * <p>Reading the variable loads the cell (the compiler emits ALOAD), so an atomic never flows
 * into other values: only the variable itself, and the closures and tasks that capture it,
 * hold the cell.
 */
public abstract sealed class AtomicValue permits OffHeapAtomic, HeapAtomic {
    final boolean isFloat;

    AtomicValue(boolean isFloat) {
        this.isFloat = isFloat;
    }

    /** A new off-heap cell of {@code pool} holding {@code initial} (an int or a float); TypeMismatch otherwise. */
    static OffHeapAtomic offHeap(AtomicCellPool pool, Object initial) {
        if (initial == null || initial instanceof Long) {
            return new OffHeapAtomic(pool.allocate(initial == null ? 0 : (Long) initial), false);
        }
        if (initial instanceof Double d) {
            return new OffHeapAtomic(pool.allocateDouble(d), true);
        }
        throw notANumber(initial);
    }

    /** A new heap cell holding {@code initial} (an int or a float); TypeMismatch otherwise. */
    static HeapAtomic onHeap(Object initial) {
        if (initial == null || initial instanceof Long) {
            return new HeapAtomic(initial == null ? 0 : (Long) initial, false);
        }
        if (initial instanceof Double d) {
            return new HeapAtomic(Double.doubleToRawLongBits(d), true);
        }
        throw notANumber(initial);
    }

    private static LimnError notANumber(Object initial) {
        return LimnError.typeMismatch("an atomic holds an int or a float, got " + Values.typeName(initial));
    }

    // ---- the primitives of each kind: the cell's 64 bits -------------------------------------------

    /** Acquire load. */
    abstract long lvBits();

    /** Release store. */
    abstract void soBits(long bits);

    /** Volatile compare-and-set. */
    abstract boolean casBits(long expected, long update);

    /** Volatile exchange; returns the old bits. */
    abstract long xchgBits(long bits);

    /**
     * Atomically adds {@code delta} to an int cell unless the sum overflows; returns the new value.
     *
     * @throws ArithmeticException if the sum does not fit (the cell is unchanged)
     */
    abstract long addExactAndGet(long delta);

    /** Atomically adds {@code delta} to a float cell; returns the new value. */
    abstract double addAndGetDouble(double delta);

    /** Stores {@code update} in a float cell if it holds {@code expected}, compared like Limn's == (0.0 matches -0.0). */
    abstract boolean casDouble(double expected, double update);

    // ---- the operations of SPEC §6.1 ---------------------------------------------------------------

    /** The current value (acquire load). */
    final Object load() {
        long bits = lvBits();
        return isFloat ? (Object) Double.longBitsToDouble(bits) : (Object) bits;
    }

    /** Atomic store of {@code v}; an int stored into a float cell becomes a float. */
    final void store(Object v) {
        soBits(isFloat ? Double.doubleToRawLongBits(toDouble(v, "store")) : toLong(v, "store"));
    }

    /** Atomic add; returns the new value. */
    final Object add(Object delta) {
        if (isFloat) {
            return addAndGetDouble(toDouble(delta, "add"));
        }
        return addInt(toLong(delta, "add"));
    }

    /** Whether this cell holds an int (so {@link #addInt} applies). */
    final boolean holdsInt() {
        return !isFloat;
    }

    /**
     * Atomic add of an int to an int cell (no boxing: {@code counter += i} in a task); returns
     * the new value. A sum that overflows raises {@code Overflow} and leaves the cell unchanged:
     * no task ever sees a wrapped value.
     */
    final long addInt(long delta) {
        try {
            return addExactAndGet(delta);
        } catch (ArithmeticException e) {
            throw overflow();
        }
    }

    /** Atomic multiply (a CAS loop); returns the new value. An int product that overflows raises {@code Overflow}. */
    final Object multiply(Object factor) {
        if (isFloat) {
            double f = toDouble(factor, "multiply");
            for (;;) {
                long bits = lvBits();
                double now = Double.longBitsToDouble(bits) * f;
                if (casBits(bits, Double.doubleToRawLongBits(now))) {
                    return now;
                }
            }
        }
        long f = toLong(factor, "multiply");
        for (;;) {
            long old = lvBits();
            long now;
            try {
                now = Math.multiplyExact(old, f);
            } catch (ArithmeticException e) {
                throw overflow();
            }
            if (casBits(old, now)) {
                return now;
            }
        }
    }

    /** Stores {@code update} if the cell holds {@code expected} (compared like Limn's ==). */
    final boolean cas(Object expected, Object update) {
        if (isFloat) {
            return casDouble(toDouble(expected, "cas"), toDouble(update, "cas"));
        }
        if (expected instanceof Double d) {
            long l = (long) (double) d;
            if (l != d) {
                return false; // no int equals it
            }
            return casBits(l, toLong(update, "cas"));
        }
        return casBits(toLong(expected, "cas"), toLong(update, "cas"));
    }

    /** Stores {@code v}; returns the old value. */
    final Object swap(Object v) {
        if (isFloat) {
            return Double.longBitsToDouble(xchgBits(Double.doubleToRawLongBits(toDouble(v, "swap"))));
        }
        return xchgBits(toLong(v, "swap"));
    }

    private static LimnError overflow() {
        return new LimnError("Overflow", "integer overflow");
    }

    private static long toLong(Object v, String op) {
        if (v instanceof Long l) {
            return l;
        }
        throw LimnError.typeMismatch("atomic " + op + " on an int cell expects an int, got " + Values.typeName(v));
    }

    private static double toDouble(Object v, String op) {
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
