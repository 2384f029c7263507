package dev.limn.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import dev.limn.chan.Channel;
import dev.limn.sched.Carrier;
import dev.limn.sched.DeadlockException;
import dev.limn.sched.Fiber;
import dev.limn.sched.Scheduler;
import dev.limn.sched.Timer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ParallelLoopTest {
    /** Each test's loops report here (JUnit makes an instance per test). */
    private final ParallelStats stats = new ParallelStats(2);


    /** A fiber that starts a loop, joins it, then runs {@code after} (the way a parallel block runs). */
    private static final class Parent extends Fiber {
        private final java.util.function.Function<Scheduler, ParallelLoop> starter;
        ParallelLoop loop;

        Parent(java.util.function.Function<Scheduler, ParallelLoop> starter) {
            this.starter = starter;
        }

        @Override
        protected Status run(Carrier carrier) {
            if (loop == null) {
                loop = starter.apply(scheduler());
            }
            return loop.join(this);
        }
    }

    @Test
    void sumOverTenMillionWithTwoCarriersMatchesTheFormulaAndMakesFewChunks() throws Exception {
        long n = 10_000_000;
        LongAdder sum = new LongAdder();
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            Parent parent = new Parent(sched -> ParallelLoop.forEach(sched, stats, n, 0, sum::add));
            s.runMain(parent);
            assertTrue(parent.loop.isDone());
            assertEquals(n * (n - 1) / 2, sum.sum());
            assertEquals(n, Arrays.stream(stats.iterationsPerCarrier()).sum());
            assertTrue(stats.chunks() >= 1 && stats.chunks() <= 1_000,
                    "chunks " + stats.chunks() + " for " + n + " iterations");
            assertEquals(stats.chunks() - 1, stats.splits());
            assertNull(parent.loop.error());
            assertEquals(0, parent.loop.cancelledIterations());
            assertEquals(0, s.liveFibers());
            assertEquals(0, s.activeCount());
        }
    }

    @Test
    void everyIndexRunsExactlyOnce() throws Exception {
        int n = 200_003;
        java.util.concurrent.atomic.AtomicIntegerArray seen = new java.util.concurrent.atomic.AtomicIntegerArray(n);
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            s.runMain(new Parent(sched -> ParallelLoop.forEach(sched, stats, n, 0, i -> seen.incrementAndGet((int) i))));
        }
        for (int i = 0; i < n; i++) {
            assertEquals(1, seen.get(i), "index " + i);
        }
    }

    @Test
    void coresOneRunsTheWholeLoopAsOneChunk() throws Exception {
        LongAdder sum = new LongAdder();
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            Parent parent = new Parent(sched -> ParallelLoop.forEach(sched, stats, 1_000_000, 1, sum::add));
            s.runMain(parent);
            assertEquals(1, parent.loop.maxChunks());
            assertEquals(1, stats.chunks());
            assertEquals(0, stats.splits());
            assertEquals(1_000_000L * 999_999 / 2, sum.sum());
            long[] perCarrier = stats.iterationsPerCarrier();
            assertTrue(perCarrier[0] == 1_000_000 || perCarrier[1] == 1_000_000, Arrays.toString(perCarrier));
        }
    }

    @Test
    void coresAboveTheCarrierCountIsCappedAtIt() {
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            ParallelLoop loop = ParallelLoop.forEach(s, stats, 0, 64, i -> { });
            assertEquals(2, loop.maxChunks());
        }
    }

    @Test
    void anEmptyLoopIsDoneAtOnce() throws Exception {
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            ParallelLoop loop = ParallelLoop.forEach(s, stats, 0, 0, i -> {
                throw new AssertionError("no iteration expected");
            });
            assertTrue(loop.isDone());
            Parent parent = new Parent(sched -> loop);
            s.runMain(parent);
            assertEquals(0, stats.chunks());
        }
    }

    @Test
    void anErrorAtIterationKStopsTheRestPromptly() throws Exception {
        long n = 10_000_000;
        long k = 1_000;
        RuntimeException boom = new RuntimeException("iteration failed");
        AtomicLong startedAfterCancel = new AtomicLong();
        LongAdder ran = new LongAdder();
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            Parent parent = new Parent(sched -> ParallelLoop.start(sched, stats, n, 0, chunk -> new ChunkFiber(chunk, self -> new ChunkBody() {
                @Override
                public Fiber.Status begin(long i) {
                    if ((self.lpTrap() & Fiber.TRAP_CANCEL) != 0) {
                        startedAfterCancel.incrementAndGet();
                    }
                    if (i == k) {
                        throw boom;
                    }
                    ran.increment();
                    return Fiber.Status.DONE;
                }

                @Override
                public Fiber.Status resume() {
                    throw new AssertionError("never suspends");
                }
            })));
            s.runMain(parent);
            ParallelLoop loop = parent.loop;
            assertSame(boom, loop.error());
            assertEquals(k, loop.failedIndex());
            assertEquals(0, loop.otherFailures());
            assertTrue(loop.isStopped());
            // Every index either ran, failed, or was cancelled.
            assertEquals(n, ran.sum() + 1 + loop.cancelledIterations());
            // The failing chunk held at least half of the range after index k.
            assertTrue(loop.cancelledIterations() >= n / 2 - k - 1, "cancelled " + loop.cancelledIterations());
            // A chunk reads its trap before every iteration: at most one iteration per chunk can
            // begin between that read and the cancel.
            assertTrue(startedAfterCancel.get() <= loop.maxChunks(), "started after cancel: " + startedAfterCancel.get());
            assertEquals(0, s.liveFibers());
        }
    }

    @Test
    void anIterationThatWaitsSuspendsOnlyItsChunk() throws Exception {
        // One carrier: if a waiting iteration blocked the carrier, the receiver could never run.
        int n = 1_000;
        Channel channel = Channel.bounded(1);
        LongAdder received = new LongAdder();
        try (Scheduler s = Scheduler.builder().carriers(1).build()) {
            Fiber receiver = dev.limn.sched.TestFibers.receiver(channel, v -> received.add((Long) v));
            Fiber parent = new Fiber() {
                ParallelLoop loop;

                @Override
                protected Status run(Carrier carrier) {
                    if (loop == null) {
                        scheduler().spawn(receiver);
                        loop = ParallelLoop.start(scheduler(), stats, n, 0, chunk -> new ChunkFiber(chunk, self -> new SendBody(self, channel)));
                    }
                    Status st = loop.join(this);
                    if (st == Status.DONE) {
                        channel.close();
                    }
                    return st;
                }
            };
            s.runMain(parent);
            assertEquals((long) n * (n - 1) / 2, received.sum());
            assertTrue(s.parks() > 0);
        }
    }

    /** Sends each index to a channel; parks while it is full. */
    private static final class SendBody implements ChunkBody {
        private final Fiber self;
        private final Channel channel;
        private long index;

        SendBody(Fiber self, Channel channel) {
            this.self = self;
            this.channel = channel;
        }

        @Override
        public Fiber.Status begin(long index) {
            this.index = index;
            return resume();
        }

        @Override
        public Fiber.Status resume() {
            if ((self.lvTrap() & Fiber.TRAP_CANCEL) != 0) {
                throw new CancellationException();
            }
            return switch (channel.send(self, index)) {
                case SENT -> Fiber.Status.DONE;
                case PARKED -> Fiber.Status.PARKED;
                case CLOSED, FULL -> throw new IllegalStateException("closed");
            };
        }
    }

    @Test
    void aSendThatCanNeverCompleteIsReportedAsADeadlock() throws Exception {
        Channel channel = Channel.bounded(1);
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            DeadlockException e = assertThrows(DeadlockException.class, () -> s.runMain(new Parent(sched ->
                    ParallelLoop.start(sched, stats, 10, 1, chunk -> new ChunkFiber(chunk, self -> new SendBody(self, channel))))));
            assertTrue(e.getMessage().contains("send to"), e.getMessage());
            assertTrue(e.getMessage().contains("await parallel loop"), e.getMessage());
        }
    }

    @Test
    void cancellingTheLoopWakesSuspendedIterationsAndEndsIt() throws Exception {
        LongAdder begun = new LongAdder();
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            ParallelLoop loop = ParallelLoop.start(s, stats, 1_000, 0, chunk -> new ChunkFiber(chunk, self -> new ChunkBody() {
                Timer timer;

                @Override
                public Fiber.Status begin(long index) {
                    begun.increment();
                    timer = self.scheduler().sleep(self, TimeUnit.HOURS.toNanos(1));
                    return Fiber.Status.PARKED;
                }

                @Override
                public Fiber.Status resume() {
                    if ((self.lvTrap() & Fiber.TRAP_CANCEL) != 0) {
                        self.scheduler().cancel(timer);
                        throw new CancellationException();
                    }
                    return Fiber.Status.PARKED; // spurious wake-up: keep sleeping
                }
            }));
            while (begun.sum() == 0) {
                Thread.onSpinWait();
            }
            loop.cancel();
            assertTrue(loop.awaitHost(30, TimeUnit.SECONDS), "loop did not end after cancel");
            assertNull(loop.error());
            assertEquals(1_000, loop.cancelledIterations() + Arrays.stream(stats.iterationsPerCarrier()).sum());
            assertTrue(loop.cancelledIterations() >= 1_000 - 2);
        }
    }

    @Test
    void firstErrorWinsWhenSeveralIterationsFail() throws Exception {
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            Parent parent = new Parent(sched -> ParallelLoop.forEach(sched, stats, 100_000, 0, i -> {
                if (i % 10 == 3) {
                    throw new IllegalStateException("bad " + i);
                }
            }));
            s.runMain(parent);
            ParallelLoop loop = parent.loop;
            assertTrue(loop.error() instanceof IllegalStateException);
            assertEquals("bad " + loop.failedIndex(), loop.error().getMessage());
            assertTrue(loop.otherFailures() <= 1, "others: " + loop.otherFailures());
            assertEquals(0, s.liveFibers());
        }
    }

    @Test
    void statsLinesNameTheCarriersAndTheLoopCounts() throws Exception {
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            s.runMain(new Parent(sched -> ParallelLoop.forEach(sched, stats, 1000, 1, i -> { })));
            java.util.List<String> lines = stats.lines(s);
            assertEquals("stats: carriers 2, not pinned", lines.get(0));
            assertTrue(lines.get(1).startsWith("stats: parallel loops 1, chunks 1, splits 0, steals 0, iterations per carrier: 0: "),
                    lines.get(1));
            long[] perCarrier = stats.iterationsPerCarrier();
            assertTrue(lines.get(1).endsWith("0: " + perCarrier[0] + ", 1: " + perCarrier[1]), lines.get(1));
        }
    }

    @Test
    void aLoopThatLeavesTheStopToItsOwnerRecordsTheErrorAndRunsTheRest() throws Exception {
        LongAdder ran = new LongAdder();
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            Parent parent = new Parent(sched -> ParallelLoop.start(sched, stats, 10_000, 1, chunk -> new ChunkFiber(chunk, self -> new ChunkBody() {
                @Override
                public Fiber.Status begin(long index) {
                    if (index == 5) {
                        throw new IllegalStateException("five");
                    }
                    ran.increment();
                    return Fiber.Status.DONE;
                }

                @Override
                public Fiber.Status resume() {
                    throw new AssertionError();
                }
            }), false));
            s.runMain(parent);
            assertEquals("five", parent.loop.error().getMessage());
            assertEquals(5, parent.loop.failedIndex());
            assertTrue(!parent.loop.isStopped());
            // The failing chunk ends at its error; the owner would cancel the others.
            assertEquals(5, ran.sum());
            assertEquals(10_000 - 6, parent.loop.cancelledIterations());
        }
    }

    @Test
    void aChunkThatFailsBeforeItsFirstIterationStillCompletesTheLoop() throws Exception {
        RuntimeException setup = new RuntimeException("no registers");
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            Parent parent = new Parent(sched -> ParallelLoop.start(sched, stats, 100, 0, chunk -> new Fiber() {
                @Override
                protected Status run(Carrier carrier) {
                    chunk.failBeforeStart(setup);
                    return Status.DONE;
                }
            }));
            s.runMain(parent);
            assertTrue(parent.loop.isDone());
            assertSame(setup, parent.loop.error());
            assertEquals(0, parent.loop.failedIndex());
            assertEquals(99, parent.loop.cancelledIterations());
        }
    }
}
