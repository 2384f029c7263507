package dev.limn.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The scheduler's side of running out of memory, without running out (the VM's side, with a
 * small heap, is {@code dev.limn.cli.OutOfMemoryTest}): the two reserves, and the look of
 * {@code runMain} that ends a program whose exhaustion lost a count, which hung before.
 */
@Timeout(60)
class OutOfMemoryReserveTest {

    @Test
    void theFirstExhaustionMayBeHandledTheSecondNotUntilTheReserveIsArmedAgain() {
        try (Scheduler s = Scheduler.builder().carriers(1).build()) {
            assertTrue(s.releaseReserve(), "the reserve was held: the first may be handled");
            assertFalse(s.releaseReserve(), "the reserve was spent: the second ends the program");
            assertFalse(s.releaseReserve());
            assertTrue(s.armReserve(), "memory is plentiful here");
            assertTrue(s.releaseReserve());
            assertTrue(s.armReserve());
            assertTrue(s.armReserve(), "armed already: nothing to do");
        }
    }

    @Test
    void aProgramThatLostACountAfterRunningOutEndsWithOutOfMemory() {
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            // as if the heap ran out in the scheduler's own work: a count that nothing will ever take back
            Fiber main = TestFibers.task(self -> {
                s.releaseReserve();
                s.incrementActive();
            });
            long start = System.nanoTime();
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> s.runMain(main));
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertTrue(e.getMessage().contains("cannot go on"), e.getMessage());
            assertTrue(seconds < 10, "gave up after " + seconds + " s");
        }
    }

    @Test
    void aProgramThatWaitsOnATimerAfterRunningOutIsNotStuck() throws InterruptedException {
        AtomicInteger woke = new AtomicInteger();
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            // sleeps past four looks of the watch (2 s): a pending timer can still move the program
            Fiber sleeper = new Fiber() {
                private Timer timer;

                @Override
                protected Status run(Carrier carrier) {
                    if (timer == null) {
                        scheduler().releaseReserve();
                        timer = scheduler().sleep(this, TimeUnit.MILLISECONDS.toNanos(3_000));
                        return Status.PARKED;
                    }
                    if (timer.isPending()) {
                        return Status.PARKED;
                    }
                    woke.incrementAndGet();
                    return Status.DONE;
                }
            };
            s.runMain(sleeper);
        }
        assertEquals(1, woke.get());
    }
}
