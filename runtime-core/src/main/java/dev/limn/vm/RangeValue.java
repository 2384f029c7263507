package dev.limn.vm;

/** {@code from..to} (inclusive) or {@code from..<to}; empty when the end lies before the start. */
public record RangeValue(long from, long to, boolean inclusive) {
    /** The last element, or from - 1 (saturating) when empty. */
    public long last() {
        return inclusive ? to : to - 1;
    }

    /** Whether the range has no element ({@code 3..1}, {@code 0..<0}). */
    public boolean isEmpty() {
        return inclusive ? to < from : to <= from;
    }

    /**
     * The number of elements. {@code 0..9223372036854775807} has 2^63 of them, which no int
     * holds: a length that does not fit raises Overflow ({@link ArithmeticException}), never a
     * wrapped count. Iteration does not need it ({@link #isEmpty}, {@link #last}).
     */
    public long length() {
        return isEmpty() ? 0 : Math.addExact(Math.subtractExact(last(), from), 1);
    }

    /**
     * The number of elements, at most {@code Long.MAX_VALUE}: what a parallel loop or task
     * family runs. A range longer than that (only {@code 0..MAX} and wider, 2^63 elements and
     * more) runs its first {@code Long.MAX_VALUE} elements, which at a billion a second take
     * about three centuries.
     */
    public long lengthAtMostMax() {
        if (isEmpty()) {
            return 0;
        }
        long span = last() - from; // the distance, read unsigned: it may exceed Long.MAX_VALUE
        return Long.compareUnsigned(span, Long.MAX_VALUE) >= 0 ? Long.MAX_VALUE : span + 1;
    }

    /** Element {@code index} (from 0), or null when the range has no such element. */
    public Long at(long index) {
        if (index < 0 || isEmpty()) {
            return null;
        }
        long v = from + index;
        // from + index cannot wrap past last without index exceeding last - from (an unsigned compare)
        return Long.compareUnsigned(index, last() - from) <= 0 ? v : null;
    }

    @Override
    public String toString() {
        return from + (inclusive ? ".." : "..<") + to;
    }
}
