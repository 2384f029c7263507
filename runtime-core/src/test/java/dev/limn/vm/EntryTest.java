package dev.limn.vm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * When the watchdog nudges a host's call ({@link Entry#needsCheck}): only when the call's
 * check would act. A nudge sends the task to its slow path, so an undisturbed call gets none.
 */
class EntryTest {
    @Test
    void aCallRunningUndisturbedNeedsNoCheck() {
        Entry e = new Entry(null, "call of f");
        assertFalse(e.needsCheck(), "before a caller watches it");
        e.watchedBy(Thread.currentThread(), 0);
        assertFalse(e.needsCheck(), "no deadline, caller not interrupted");
        e.watchedBy(Thread.currentThread(), System.nanoTime() + 60_000_000_000L);
        assertFalse(e.needsCheck(), "deadline a minute away");
    }

    @Test
    void anInterruptedCallerOrAPassedDeadlineNeedsACheck() {
        Entry e = new Entry(null, "call of f");
        Thread caller = new Thread(() -> { });
        e.watchedBy(caller, 0);
        caller.interrupt(); // a thread not started keeps its interrupt status (JDK 14+)
        assertTrue(e.needsCheck(), "caller interrupted");
        e.watchedBy(Thread.currentThread(), System.nanoTime() - 1);
        assertTrue(e.needsCheck(), "deadline passed");
    }

    @Test
    void aStoppedCallNeedsChecksUntilItCompletes() {
        Entry e = new Entry(null, "call of f");
        e.watchedBy(Thread.currentThread(), 0);
        e.stop("Cancelled");
        assertTrue(e.needsCheck(), "stopped, still running: the grace and the termination need looks");
    }
}
