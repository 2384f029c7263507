package dev.limn.vm;

/** {@code from..to} (inclusive) or {@code from..<to}; empty when the end lies before the start. */
public record RangeValue(long from, long to, boolean inclusive) {
    /** The last element, or from - 1 (saturating) when empty. */
    public long last() {
        return inclusive ? to : to - 1;
    }

    public long length() {
        long last = inclusive ? to : to - 1;
        if (!inclusive && to == Long.MIN_VALUE) {
            return 0;
        }
        return last < from ? 0 : last - from + 1;
    }

    @Override
    public String toString() {
        return from + (inclusive ? ".." : "..<") + to;
    }
}
