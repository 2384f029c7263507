package dev.limn.vm;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * The compiled tier's switch and its per-run statistics. The interpreter is the first tier and
 * the fallback; the second compiles a function to JVM bytecode ({@link TierCompiler}) once it
 * is hot, or at its first call with {@link Mode#ALWAYS}.
 */
public final class Tier {
    /** Whether a run uses the compiled tier. */
    public enum Mode {
        /** The interpreter only. */
        OFF,
        /** Functions and loops are compiled once hot (the default). */
        AUTO,
        /** Every function is compiled at its first call. */
        ALWAYS;

        /** "off", "auto" or "always" (any case). */
        public static Mode parse(String s) {
            for (Mode m : values()) {
                if (m.name().equalsIgnoreCase(s.trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("the tier is off, auto or always, got \"" + s + "\"");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The system property that sets the default mode ({@code -Dlimn.tier=off|auto|always}). */
    public static final String PROPERTY = "limn.tier";

    private Tier() {}

    /** The mode of {@code -Dlimn.tier}, else {@link Mode#AUTO}. */
    public static Mode defaultMode() {
        String s = System.getProperty(PROPERTY);
        return s == null ? Mode.AUTO : Mode.parse(s);
    }

    /** What one run's tier did, for {@code --stats}. */
    static final class Stats {
        final LongAdder compiled = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder guardExits = new LongAdder();
        final LongAdder compileNanos = new LongAdder();

        String line(Mode mode) {
            return "stats: tier " + mode + ", functions compiled " + compiled.sum() + ", not compilable " + failed.sum()
                    + ", guard exits " + guardExits.sum() + ", compile time "
                    + String.format(Locale.ROOT, "%.1f ms", compileNanos.sum() / 1e6);
        }
    }
}
