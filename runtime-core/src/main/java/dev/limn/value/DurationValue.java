package dev.limn.value;

/** A duration as an object (inside collections and on cold paths); registers hold the nanoseconds unboxed. */
public record DurationValue(long nanos) {
    private static final long[] UNITS = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L};
    private static final String[] NAMES = {"h", "m", "s", "ms", "us", "ns"};

    /** The largest unit that divides the value exactly: 1500ms, 2s, 90s, 1h; zero prints 0s. */
    @Override
    public String toString() {
        if (nanos == 0) {
            return "0s";
        }
        for (int i = 0; i < UNITS.length; i++) {
            if (nanos % UNITS[i] == 0) {
                return (nanos / UNITS[i]) + NAMES[i];
            }
        }
        return nanos + "ns";
    }
}
