package dev.limn.sched;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Chase–Lev work-stealing deque: the owner thread pushes and pops at the bottom (LIFO, good
 * locality), any other thread steals at the top (FIFO, oldest and usually largest work first).
 *
 * <pre>
 *            steal() (CAS top)                  push()/pop() (owner only)
 *                 v                                       v
 *   array: [ .. | top | top+1 | ... | bottom-1 | bottom | .. ]   indices wrap with mask
 * </pre>
 *
 * <p>Memory ordering follows Lê, Pop, Cohen and Zappa Nardelli, "Correct and efficient
 * work-stealing for weak memory models" (PPoPP 2013), with Java volatile where the C11 version
 * needs a seq_cst fence: pop's store to bottom and its load of top must not reorder (both
 * volatile), and a thief's load of top and then bottom likewise. Only the last element is
 * contended; that race is settled by a CAS on top in both pop and steal.
 *
 * <p>{@code top} and {@code bottom} are two slots of one padded {@code long[]}, 64 bytes apart
 * and 64 bytes from either end of the array, so the owner's writes to bottom do not slow
 * thieves' CAS on top, and neither shares a line with a neighbouring object:
 * <pre>
 *   index 0        8               9        16              17       24
 *         | (pad) | top: long      | (pad) | bottom: long  | (pad)  |
 * </pre>
 * An array element handle needs no method handles spun at start-up, unlike a memory
 * segment's (docs/design.md, "Start-up").
 *
 * <p>The array grows (never shrinks) when full; a thief holding an old array still reads correct elements because growing copies
 * and the old array is never modified afterwards. Stolen slots are not cleared (a thief may not
 * write a slot the owner may be refilling); they are overwritten on wrap-around.
 *
 * @param <T> element type; null is not allowed
 */
public final class WorkStealingDeque<T> {

    static final int TOP = 8;
    static final int BOTTOM = 16;
    static final int INDEX_LONGS = 24;

    private static final VarHandle ARRAY = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle INDEX = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] indices = new long[INDEX_LONGS];

    private volatile Object[] array;

    public WorkStealingDeque() {
        this(64);
    }

    /** @param initialCapacity rounded up to a power of two */
    public WorkStealingDeque(int initialCapacity) {
        int capacity = Integer.highestOneBit(Math.max(2, initialCapacity) - 1) << 1;
        array = new Object[capacity];
    }

    /** Owner only: adds {@code item} at the bottom. */
    public void push(T item) {
        if (item == null) {
            throw new NullPointerException("item");
        }
        long b = lpBottom();
        long t = lvTop();
        Object[] a = array;
        if (b - t > a.length - 1) {
            a = grow(a, t, b);
        }
        ARRAY.setRelease(a, (int) (b & (a.length - 1)), item);
        soBottom(b + 1);
    }

    /** Owner only: removes the most recently pushed item, or returns null when empty. */
    @SuppressWarnings("unchecked")
    public T pop() {
        long b = lpBottom() - 1;
        Object[] a = array;
        svBottom(b);
        long t = lvTop();
        if (t > b) {
            svBottom(b + 1);
            return null;
        }
        int index = (int) (b & (a.length - 1));
        Object item = ARRAY.getAcquire(a, index);
        if (t == b) {
            // Last element: race thieves for it.
            if (!casTop(t, t + 1)) {
                item = null;
            }
            svBottom(b + 1);
        } else {
            // Uncontended: no thief can reach index b while top < b.
            ARRAY.setRelease(a, index, null);
        }
        return (T) item;
    }

    /** Any thread: removes the oldest item, or returns null when empty or when it lost a race. */
    @SuppressWarnings("unchecked")
    public T steal() {
        long t = lvTop();
        long b = lvBottom();
        if (t >= b) {
            return null;
        }
        Object[] a = array;
        Object item = ARRAY.getAcquire(a, (int) (t & (a.length - 1)));
        if (item == null || !casTop(t, t + 1)) {
            return null;
        }
        return (T) item;
    }

    /** Approximate number of items (exact when quiescent). */
    public int size() {
        long b = lvBottom();
        long t = lvTop();
        return (int) Math.max(0, b - t);
    }

    public boolean isEmpty() {
        return lvBottom() <= lvTop();
    }

    private Object[] grow(Object[] old, long top, long bottom) {
        Object[] bigger = new Object[old.length << 1];
        for (long i = top; i < bottom; i++) {
            bigger[(int) (i & (bigger.length - 1))] = old[(int) (i & (old.length - 1))];
        }
        array = bigger;
        return bigger;
    }

    // ---- index accessors (one cache line each) -------------------------------------------------

    private long lvTop() {
        return (long) INDEX.getVolatile(indices, TOP);
    }

    private boolean casTop(long expected, long value) {
        return INDEX.compareAndSet(indices, TOP, expected, value);
    }

    private long lvBottom() {
        return (long) INDEX.getVolatile(indices, BOTTOM);
    }

    private long lpBottom() {
        return (long) INDEX.get(indices, BOTTOM);
    }

    private void svBottom(long value) {
        INDEX.setVolatile(indices, BOTTOM, value);
    }

    private void soBottom(long value) {
        INDEX.setRelease(indices, BOTTOM, value);
    }
}
