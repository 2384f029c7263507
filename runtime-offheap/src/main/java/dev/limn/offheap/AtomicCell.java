package dev.limn.offheap;

import org.agrona.UnsafeApi;

import java.lang.foreign.MemorySegment;
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
 * {@code lock cmpxchg}, {@code xchg}). They go through {@code Unsafe} at the block's address,
 * after checking that the cell and its pool are still live: a memory segment's var handle
 * would do the same checks, but making one spins method handles, which every program with an
 * atomic paid at start-up (docs/design.md, "Start-up").
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
    /** The value's address in {@link #block}. */
    private final long address;
    private volatile int refs;

    AtomicCell(AtomicCellPool pool, MemorySegment block) {
        this.pool = pool;
        this.block = block;
        this.address = block.address() + VALUE_OFFSET;
        this.refs = 1;
        UnsafeApi.putLongRelease(null, address, 0L);
    }

    /** The value's address, once the cell is known to be live and its pool open. */
    private long address() {
        MemorySegment segment = block;
        if (segment == null) {
            throw new IllegalStateException("atomic cell used after it was freed (its last reservation was released)");
        }
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException("atomic cell used after its pool was closed");
        }
        return address;
    }

    // ---------------------------------------------------------------- int view

    /** Acquire load. */
    public long lvLong() {
        return UnsafeApi.getLongAcquire(null, address());
    }

    /** Release store. */
    public void soLong(long value) {
        UnsafeApi.putLongRelease(null, address(), value);
    }

    /** Atomically adds {@code delta} (wrapping on overflow) and returns the new value. */
    public long xaddAndGet(long delta) {
        return UnsafeApi.getAndAddLong(null, address(), delta) + delta;
    }

    /**
     * Atomically adds {@code delta} unless the sum overflows, and returns the new value. A
     * compare-and-exchange loop: a sum that does not fit is never stored, so no other thread
     * can observe a wrapped value.
     *
     * @throws ArithmeticException if the sum does not fit in a long (the value is unchanged)
     */
    public long addExactAndGet(long delta) {
        long at = address();
        long seen = UnsafeApi.getLongVolatile(null, at);
        while (true) {
            long next = Math.addExact(seen, delta);
            long witness = UnsafeApi.compareAndExchangeLong(null, at, seen, next);
            if (witness == seen) {
                return next;
            }
            seen = witness;
        }
    }

    /** Atomically sets {@code update} if the value is {@code expected}. */
    public boolean casLong(long expected, long update) {
        return UnsafeApi.compareAndSetLong(null, address(), expected, update);
    }

    /** Atomically sets {@code value} and returns the previous value. */
    public long xchgLong(long value) {
        return UnsafeApi.getAndSetLong(null, address(), value);
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
        long at = address();
        while (true) {
            long bits = UnsafeApi.getLongVolatile(null, at);
            double next = Double.longBitsToDouble(bits) + delta;
            if (UnsafeApi.compareAndSetLong(null, at, bits, Double.doubleToRawLongBits(next))) {
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
        long at = address();
        long updateBits = Double.doubleToRawLongBits(update);
        while (true) {
            long bits = UnsafeApi.getLongVolatile(null, at);
            if (Double.longBitsToDouble(bits) != expected) {
                return false;
            }
            // Retry only when the bits changed between the read and the CAS (e.g. -0.0 to 0.0).
            if (UnsafeApi.compareAndSetLong(null, at, bits, updateBits)) {
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
