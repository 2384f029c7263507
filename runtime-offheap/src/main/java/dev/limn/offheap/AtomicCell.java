package dev.limn.offheap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A Limn {@code atomic} variable: an 8-byte off-heap cell alone on its cache line, shared
 * by every task that captures it, and reference-counted by the scopes and tasks that hold it.
 *
 * <pre>
 *  one pool block, 64-byte aligned:
 *  0             8                                               64
 *  +-------------+-----------------------------------------------+
 *  |  value (8)  |  padding (56): no other cell shares the line  |
 *  +-------------+-----------------------------------------------+
 * </pre>
 * The value holds an int, or the raw bits of a float ({@code *Double} accessors). Loads are
 * acquire, stores release, read-modify-writes are volatile (x86 {@code lock xadd},
 * {@code lock cmpxchg}, {@code xchg}).
 *
 * <h2>Life cycle</h2>
 * {@link AtomicCellPool#allocate()} returns a cell with one reservation, held by the scope
 * that declared it. Every further holder (a task that captures the cell) calls
 * {@link #reserve()} and, when done, {@link #release()}; the release that drops the count to
 * zero returns the block to the pool. Any later use of this object throws
 * {@link IllegalStateException}; the object is never recycled, so a stale reference can
 * never reach a block that another cell now owns.
 */
public final class AtomicCell {
    public static final long CELL_BYTES = 64;
    public static final long VALUE_OFFSET = 0;

    private static final VarHandle VALUE = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle REFS;
    static {
        try {
            REFS = MethodHandles.lookup().findVarHandle(AtomicCell.class, "refs", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final AtomicCellPool pool;
    /** The pool block; null once the last reservation is released. */
    private MemorySegment block;
    private volatile int refs;

    AtomicCell(AtomicCellPool pool, MemorySegment block) {
        this.pool = pool;
        this.block = block;
        this.refs = 1;
        VALUE.setRelease(block, VALUE_OFFSET, 0L);
    }

    private MemorySegment block() {
        MemorySegment segment = block;
        if (segment == null) {
            throw new IllegalStateException("atomic cell used after it was freed (its last reservation was released)");
        }
        return segment;
    }

    // ---------------------------------------------------------------- int view

    /** Acquire load. */
    public long lvLong() {
        return (long) VALUE.getAcquire(block(), VALUE_OFFSET);
    }

    /** Release store. */
    public void soLong(long value) {
        VALUE.setRelease(block(), VALUE_OFFSET, value);
    }

    /** Atomically adds {@code delta} (wrapping on overflow) and returns the new value. */
    public long xaddAndGet(long delta) {
        return (long) VALUE.getAndAdd(block(), VALUE_OFFSET, delta) + delta;
    }

    /**
     * Atomically adds {@code delta} unless the sum overflows, and returns the new value. A
     * compare-and-exchange loop: a sum that does not fit is never stored, so no other thread
     * can observe a wrapped value.
     *
     * @throws ArithmeticException if the sum does not fit in a long (the value is unchanged)
     */
    public long addExactAndGet(long delta) {
        MemorySegment segment = block();
        long seen = (long) VALUE.getVolatile(segment, VALUE_OFFSET);
        while (true) {
            long next = Math.addExact(seen, delta);
            long witness = (long) VALUE.compareAndExchange(segment, VALUE_OFFSET, seen, next);
            if (witness == seen) {
                return next;
            }
            seen = witness;
        }
    }

    /** Atomically sets {@code update} if the value is {@code expected}. */
    public boolean casLong(long expected, long update) {
        return VALUE.compareAndSet(block(), VALUE_OFFSET, expected, update);
    }

    /** Atomically sets {@code value} and returns the previous value. */
    public long xchgLong(long value) {
        return (long) VALUE.getAndSet(block(), VALUE_OFFSET, value);
    }

    // ---------------------------------------------------------------- float view

    public double lvDouble() {
        return Double.longBitsToDouble(lvLong());
    }

    public void soDouble(double value) {
        soLong(Double.doubleToRawLongBits(value));
    }

    /** Atomically adds {@code delta} (a CAS loop on the raw bits) and returns the new value. */
    public double addAndGetDouble(double delta) {
        MemorySegment segment = block();
        while (true) {
            long bits = (long) VALUE.getVolatile(segment, VALUE_OFFSET);
            double next = Double.longBitsToDouble(bits) + delta;
            if (VALUE.compareAndSet(segment, VALUE_OFFSET, bits, Double.doubleToRawLongBits(next))) {
                return next;
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Atomically sets {@code update} if the value equals {@code expected} numerically, as
     * Limn's {@code ==} does: {@code 0.0} matches {@code -0.0}, and NaN matches nothing.
     */
    public boolean casDouble(double expected, double update) {
        MemorySegment segment = block();
        long updateBits = Double.doubleToRawLongBits(update);
        while (true) {
            long bits = (long) VALUE.getVolatile(segment, VALUE_OFFSET);
            if (Double.longBitsToDouble(bits) != expected) {
                return false;
            }
            // Retry only when the bits changed between the read and the CAS (e.g. -0.0 to 0.0).
            if (VALUE.compareAndSet(segment, VALUE_OFFSET, bits, updateBits)) {
                return true;
            }
        }
    }

    public double xchgDouble(double value) {
        return Double.longBitsToDouble(xchgLong(Double.doubleToRawLongBits(value)));
    }

    // ---------------------------------------------------------------- reference counting

    /**
     * Adds a holder.
     *
     * @throws IllegalStateException if the cell was already freed
     */
    public void reserve() {
        while (true) {
            int count = refs;
            if (count <= 0) {
                throw new IllegalStateException("cannot reserve an atomic cell that was already freed");
            }
            if (REFS.compareAndSet(this, count, count + 1)) {
                return;
            }
        }
    }

    /**
     * Drops a holder; the last release returns the block to the pool.
     *
     * @throws IllegalStateException if released more often than reserved
     */
    public void release() {
        while (true) {
            int count = refs;
            if (count <= 0) {
                throw new IllegalStateException("atomic cell released more times than it was reserved");
            }
            if (REFS.compareAndSet(this, count, count - 1)) {
                if (count == 1) {
                    MemorySegment segment = block;
                    block = null;
                    pool.free(segment);
                }
                return;
            }
        }
    }

    /** Current number of holders; 0 once freed. */
    public int refCount() {
        return refs;
    }

    public boolean isFreed() {
        return refs == 0;
    }

    @Override
    public String toString() {
        return isFreed() ? "<atomic freed>" : "<atomic " + lvLong() + ">";
    }
}
