package dev.limn.sched;

import java.util.concurrent.TimeUnit;

/**
 * What stress tests outside {@code dev.limn.sched} need from its package-private parts. This
 * class is in runtime-stress, not runtime-core: the runtime's jars are on the class path (no
 * module), so the package may be split, and the main code keeps these parts package-private.
 */
public final class StressSchedulers {
    private StressSchedulers() {
    }

    /**
     * A scheduler that never runs a fiber, once every carrier has gone idle: a parallel chunk
     * then sees an idle carrier and splits. Shared by a test's states (a scheduler per state
     * would start threads per state); its carriers and timer thread are daemons.
     */
    public static Scheduler idleScheduler(int carriers) {
        Scheduler scheduler = Scheduler.builder().carriers(carriers).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (scheduler.lvIdleCarriers() < carriers) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("carriers did not go idle: " + scheduler.lvIdleCarriers() + " of " + carriers);
            }
            Thread.onSpinWait();
        }
        return scheduler;
    }

    /** Carrier {@code index} of {@code scheduler}: a chunk stepped by a test thread needs one for its counts and split test. */
    public static Carrier carrier(Scheduler scheduler, int index) {
        return scheduler.carriers[index];
    }
}
