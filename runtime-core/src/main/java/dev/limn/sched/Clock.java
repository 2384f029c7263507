package dev.limn.sched;

/**
 * The scheduler's source of time. Timers, sleeps and time slices read only this, so a
 * deterministic mode can plug in a virtual clock without touching the interpreter.
 */
@FunctionalInterface
public interface Clock {

    /** Monotonic time in nanoseconds; only differences are meaningful. */
    long nanoTime();

    /** The machine's monotonic clock. */
    Clock SYSTEM = System::nanoTime;
}
