package dev.limn.vm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An atomic variable that a function captures (SPEC §6.1): a heap object that the garbage
 * collector frees once no scope, task or closure holds it, because a closure may outlive the
 * scope and the task that declared the variable, and a captured variable lives as long as any
 * closure that holds it. Nothing reserves or releases it, so it is not counted in
 * {@code atomic.cells.live}.
 *
 * <p>Its read-modify-writes are {@link dev.limn.offheap.AtomicCell}'s, on a field instead of an
 * off-heap block: {@link #addExactAndGet}, {@link #addAndGetDouble} and {@link #casDouble} must
 * change with theirs ({@code AtomicValueTest} runs every operation on both kinds). Unlike an
 * off-heap cell it is not padded to a cache line of its own.
 */
public final class HeapAtomic extends AtomicValue {
    private static final VarHandle BITS;
    static {
        try {
            BITS = MethodHandles.lookup().findVarHandle(HeapAtomic.class, "bits", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The int, or the float's raw bits; accessed only through {@link #BITS}. */
    private long bits;

    HeapAtomic(long bits, boolean isFloat) {
        super(isFloat);
        BITS.setRelease(this, bits);
    }

    @Override
    long lvBits() {
        return (long) BITS.getAcquire(this);
    }

    @Override
    void soBits(long value) {
        BITS.setRelease(this, value);
    }

    @Override
    boolean casBits(long expected, long update) {
        return BITS.compareAndSet(this, expected, update);
    }

    @Override
    long xchgBits(long value) {
        return (long) BITS.getAndSet(this, value);
    }

    @Override
    long addExactAndGet(long delta) {
        long seen = (long) BITS.getVolatile(this);
        while (true) {
            long next = Math.addExact(seen, delta);
            long witness = (long) BITS.compareAndExchange(this, seen, next);
            if (witness == seen) {
                return next;
            }
            seen = witness;
        }
    }

    @Override
    double addAndGetDouble(double delta) {
        while (true) {
            long seen = (long) BITS.getVolatile(this);
            double next = Double.longBitsToDouble(seen) + delta;
            if (BITS.compareAndSet(this, seen, Double.doubleToRawLongBits(next))) {
                return next;
            }
            Thread.onSpinWait();
        }
    }

    @Override
    boolean casDouble(double expected, double update) {
        long updateBits = Double.doubleToRawLongBits(update);
        while (true) {
            long seen = (long) BITS.getVolatile(this);
            if (Double.longBitsToDouble(seen) != expected) {
                return false;
            }
            // Retry only when the bits changed between the read and the CAS (e.g. -0.0 to 0.0).
            if (BITS.compareAndSet(this, seen, updateBits)) {
                return true;
            }
        }
    }
}
