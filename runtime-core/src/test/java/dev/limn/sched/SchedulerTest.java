package dev.limn.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.limn.chan.Channel;
import net.openhft.affinity.Affinity;
import net.openhft.affinity.AffinityLock;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SchedulerTest {

    @Test
    void tenThousandFibersPingPongThroughChannels() throws Exception {
        int pairs = 5_000;
        int rounds = 20;
        AtomicInteger finished = new AtomicInteger();
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            List<Fiber> fibers = new ArrayList<>();
            for (int p = 0; p < pairs; p++) {
                Channel ping = Channel.bounded(1);
                Channel pong = Channel.bounded(1);
                fibers.add(new PingPong(ping, pong, rounds, true, finished));
                fibers.add(new PingPong(pong, ping, rounds, false, finished));
            }
            s.runMain(TestFibers.spawner(fibers));
            assertEquals(2 * pairs, finished.get());
            assertEquals(2 * pairs + 1, s.fibersStarted());
            assertEquals(s.fibersStarted(), s.fibersCompleted());
            assertEquals(0, s.liveFibers());
            assertEquals(0, s.activeCount());
            assertTrue(s.peakLiveFibers() > 1);
        }
    }

    /** Each round the starter sends then receives; the responder receives then sends. */
    private static final class PingPong extends Fiber {
        private final Channel out;
        private final Channel in;
        private final int rounds;
        private final boolean starter;
        private final AtomicInteger finished;
        private int step; // 0: first half of the round, 1: second half
        private int round;

        PingPong(Channel out, Channel in, int rounds, boolean starter, AtomicInteger finished) {
            this.out = out;
            this.in = in;
            this.rounds = rounds;
            this.starter = starter;
            this.finished = finished;
        }

        @Override
        protected Status run(Carrier carrier) {
            while (round < rounds) {
                boolean send = (step == 0) == starter;
                if (send) {
                    if (out.send(this, round) == Channel.SendResult.PARKED) {
                        return Status.PARKED;
                    }
                } else {
                    Object v = in.recv(this);
                    if (v == Channel.PARKED) {
                        return Status.PARKED;
                    }
                    if (!Integer.valueOf(round).equals(v)) {
                        throw new IllegalStateException("round " + round + " received " + v);
                    }
                }
                if (++step == 2) {
                    step = 0;
                    round++;
                }
            }
            finished.incrementAndGet();
            return Status.DONE;
        }
    }

    @Test
    void sleepersWakeInDeadlineOrder() throws Exception {
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            List<Fiber> sleepers = new ArrayList<>();
            for (int ms : new int[] {90, 30, 60}) {
                sleepers.add(new Fiber() {
                    private boolean slept;

                    @Override
                    protected Status run(Carrier carrier) {
                        if (!slept) {
                            slept = true;
                            scheduler().sleep(this, TimeUnit.MILLISECONDS.toNanos(ms));
                            return Status.PARKED;
                        }
                        order.add(ms);
                        return Status.DONE;
                    }
                });
            }
            s.runMain(TestFibers.spawner(sleepers));
        }
        assertEquals(List.of(30, 60, 90), order);
    }

    @Test
    void nearTimerFiresBeforeAFarOneAndMayCancelIt() throws Exception {
        List<String> fired = Collections.synchronizedList(new ArrayList<>());
        try (Scheduler s = Scheduler.builder().carriers(1).build()) {
            Thread.sleep(300); // the wheel sits idle first: it must not lag behind the clock
            s.runMain(TestFibers.task(self -> {
                Scheduler sch = self.scheduler();
                long now = sch.nanoTime();
                Timer far = sch.schedule(now + TimeUnit.HOURS.toNanos(1), () -> fired.add("far"));
                sch.schedule(now + TimeUnit.MILLISECONDS.toNanos(20), () -> {
                    fired.add("near");
                    fired.add(sch.cancel(far) ? "cancelled far" : "far already gone");
                });
            }));
            assertEquals(0, s.activeCount());
        }
        assertEquals(List.of("near", "cancelled far"), fired);
    }

    @Test
    void cancellingASleepingFiberWakesItEarly() throws Exception {
        AtomicReference<String> outcome = new AtomicReference<>();
        Fiber sleeper = new Fiber() {
            private Timer timer;

            @Override
            protected Status run(Carrier carrier) {
                if ((lvTrap() & TRAP_CANCEL) != 0) {
                    outcome.set(scheduler().cancel(timer) ? "cancelled while sleeping" : "woke normally");
                    return Status.DONE;
                }
                if (timer == null) {
                    timer = scheduler().sleep(this, TimeUnit.HOURS.toNanos(1));
                }
                return Status.PARKED;
            }
        };
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            s.runMain(TestFibers.task(self -> {
                self.scheduler().spawn(sleeper);
                self.scheduler().spawn(new Fiber() {
                    private boolean slept;

                    @Override
                    protected Status run(Carrier carrier) {
                        if (!slept) {
                            slept = true;
                            scheduler().sleep(this, TimeUnit.MILLISECONDS.toNanos(20));
                            return Status.PARKED;
                        }
                        sleeper.cancel();
                        return Status.DONE;
                    }
                });
            }));
            assertEquals(0, s.activeCount());
        }
        assertEquals("cancelled while sleeping", outcome.get());
    }

    @Test
    void cancelledTimerNeverRunsAndDoesNotKeepTheProgramAlive() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        try (Scheduler s = Scheduler.builder().carriers(1).build()) {
            s.runMain(TestFibers.task(self -> {
                Timer t = self.scheduler().schedule(self.scheduler().nanoTime() + TimeUnit.HOURS.toNanos(1), ran::incrementAndGet);
                assertTrue(self.scheduler().cancel(t));
            }));
            assertEquals(0, ran.get());
            assertEquals(0, s.activeCount());
        }
    }

    @Test
    void quiescenceGivesEndOfStreamToBlockedReceivers() throws Exception {
        Channel c = Channel.unbounded(); // never closed
        List<Object> got = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger ended = new AtomicInteger();
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            Fiber receiver = new Fiber() {
                @Override
                protected Status run(Carrier carrier) {
                    for (;;) {
                        Object v = c.recv(this);
                        if (v == Channel.PARKED) {
                            return Status.PARKED;
                        }
                        if (v == Channel.END) {
                            ended.incrementAndGet();
                            return Status.DONE;
                        }
                        got.add(v);
                    }
                }
            };
            s.runMain(TestFibers.task(self -> {
                self.scheduler().spawn(receiver);
                c.trySend(1);
                c.trySend(2);
                c.trySend(3);
            }));
            assertEquals(0, s.liveFibers());
        }
        assertEquals(List.of(1, 2, 3), got);
        assertEquals(1, ended.get());
        assertTrue(!c.isClosed());
    }

    @Test
    void hostProducerKeepsReceiversWaitingUntilTheHostCloses() throws Exception {
        Channel c = Channel.unbounded();
        List<Object> got = Collections.synchronizedList(new ArrayList<>());
        try (Scheduler s = Scheduler.builder().carriers(1).build()) {
            c.registerHostProducer(s);
            Thread host = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(50); // the receiver parks on the empty channel meanwhile
                    for (int i = 0; i < 5; i++) {
                        c.put(i);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                c.close();
            });
            // Without the registration the receiver would get end of stream at once.
            s.runMain(TestFibers.receiver(c, got::add));
            host.join();
            assertEquals(0, s.activeCount());
        }
        assertEquals(List.of(0, 1, 2, 3, 4), got);
    }

    @Test
    void deadlockIsDetectedAndEachBlockedFiberReported() throws Exception {
        Channel full = Channel.bounded(1);
        full.trySend("x");
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            DeadlockException e = assertThrows(DeadlockException.class,
                    () -> s.runMain(TestFibers.sender(full, List.of("y"), () -> { })));
            assertEquals(1, e.blocked().size());
            Blocked b = e.blocked().get(0);
            assertEquals(Fiber.WaitKind.SEND, b.kind());
            assertEquals("send to <channel 1/1 open>", b.description());
            assertEquals("task 1 waits on send to <channel 1/1 open>", b.toString());
            assertEquals(1, s.deadlocks());
        }
    }

    @Test
    void deadlockHandlerMayCancelTheBlockedFibers() throws Exception {
        Channel full = Channel.bounded(1);
        full.trySend("x");
        AtomicReference<List<Blocked>> reported = new AtomicReference<>();
        AtomicInteger cancelled = new AtomicInteger();
        Fiber stuck = new Fiber() {
            @Override
            protected Status run(Carrier carrier) {
                if ((lvTrap() & TRAP_CANCEL) != 0) {
                    Channel.abandonWait(this);
                    cancelled.incrementAndGet();
                    return Status.DONE;
                }
                return full.send(this, "y") == Channel.SendResult.PARKED ? Status.PARKED : Status.DONE;
            }
        };
        try (Scheduler s = Scheduler.builder().carriers(1).deadlockHandler(blocked -> {
            reported.set(blocked);
            blocked.forEach(b -> b.fiber().cancel());
        }).build()) {
            s.runMain(stuck);
            assertEquals(0, s.liveFibers());
        }
        assertEquals(1, cancelled.get());
        assertEquals(List.of(stuck), reported.get().stream().map(Blocked::fiber).toList());
    }

    @Test
    @Timeout(10) // a swallowed wake-up shows as a hang: the host producer prevents quiescence
    void aReceiverCancelledAfterBeingChosenDoesNotSwallowTheValue() throws Exception {
        Channel c = Channel.unbounded();
        List<Fiber> registered = Collections.synchronizedList(new ArrayList<>());
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        class Receiver extends Fiber {
            @Override
            protected Status run(Carrier carrier) {
                if ((lvTrap() & TRAP_CANCEL) != 0) {
                    log.add("cancelled");
                    return Status.DONE; // leaves without abandonWait: the carrier must do it
                }
                if (!registered.contains(this)) {
                    registered.add(this);
                }
                Object v = c.recv(this);
                if (v == Channel.PARKED) {
                    return Status.PARKED;
                }
                if (v == Channel.END) {
                    log.add("end");
                    return Status.DONE;
                }
                log.add("got " + v);
                c.close(); // releases the host producer: the program may end now
                return run(carrier);
            }
        }
        try (Scheduler s = Scheduler.builder().carriers(1).build()) {
            c.registerHostProducer(s); // no quiescence to rescue a lost wake-up
            s.runMain(TestFibers.task(self -> {
                Scheduler sch = self.scheduler();
                sch.spawn(new Receiver());
                sch.spawn(new Receiver());
                sch.spawn(new Fiber() {
                    private boolean slept;

                    @Override
                    protected Status run(Carrier carrier) {
                        if (!slept) {
                            slept = true; // let both receivers park first
                            scheduler().sleep(this, TimeUnit.MILLISECONDS.toNanos(20));
                            return Status.PARKED;
                        }
                        c.trySend(1); // chooses the first registered receiver...
                        registered.get(0).cancel(); // ...which is cancelled before it runs
                        return Status.DONE;
                    }
                });
            }));
        }
        assertEquals(2, registered.size());
        assertEquals(List.of("cancelled", "got 1", "end"), log);
    }

    @Test
    void idleCarriersStealWork() throws Exception {
        AtomicInteger done = new AtomicInteger();
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            List<Fiber> busy = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                busy.add(TestFibers.task(self -> {
                    long until = System.nanoTime() + 500_000;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    done.incrementAndGet();
                }));
            }
            s.runMain(TestFibers.spawner(busy));
            assertEquals(200, done.get());
            assertTrue(s.steals() > 0, "steals: " + s.steals());
        }
    }

    @Test
    void idleSchedulerDoesNotBurnCpu() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            s.runMain(TestFibers.task(self -> { }));
            Thread.sleep(200); // let the back-off reach its parking phase
            List<Thread> threads = new ArrayList<>(List.of(s.carrierThreads()));
            long before = 0;
            for (Thread t : threads) {
                before += mx.getThreadCpuTime(t.threadId());
            }
            Thread.sleep(1000);
            long after = 0;
            for (Thread t : threads) {
                after += mx.getThreadCpuTime(t.threadId());
            }
            long usedMs = TimeUnit.NANOSECONDS.toMillis(after - before);
            assertTrue(usedMs < 200, "carriers used " + usedMs + " ms of CPU in 1 s of idleness");
        }
    }

    @Test
    void timeSliceMakesALongRunningFiberYield() throws Exception {
        AtomicInteger flag = new AtomicInteger();
        AtomicInteger yields = new AtomicInteger();
        // One carrier: without time slicing the spinner would never let the setter run.
        try (Scheduler s = Scheduler.builder().carriers(1).build()) {
            Fiber spinner = new Fiber() {
                @Override
                protected Status run(Carrier carrier) {
                    while (flag.get() == 0) {
                        if ((lpTrap() & TRAP_TIME_SLICE) != 0) {
                            yields.incrementAndGet();
                            return Status.YIELD;
                        }
                        Thread.onSpinWait();
                    }
                    return Status.DONE;
                }
            };
            s.runMain(TestFibers.task(self -> {
                // The carrier pops its own deque newest first: the spinner runs first.
                self.scheduler().spawn(TestFibers.task(f -> flag.set(1)));
                self.scheduler().spawn(spinner);
            }));
        }
        assertEquals(1, flag.get());
        assertTrue(yields.get() >= 1);
    }

    @Test
    void runBlockingParksTheFiberAndResumesItWithTheResult() throws Exception {
        AtomicReference<Object> result = new AtomicReference<>();
        try (Scheduler s = Scheduler.builder().carriers(1).build()) {
            s.runMain(new Fiber() {
                private HostCall<String> call;

                @Override
                protected Status run(Carrier carrier) {
                    if (call == null) {
                        call = scheduler().runBlocking(this, () -> {
                            Thread.sleep(20);
                            return "from host";
                        });
                        return Status.PARKED;
                    }
                    if (!call.isDone()) {
                        return Status.PARKED; // spurious wake-up: the call's completion unparks us
                    }
                    result.set(call.result());
                    return Status.DONE;
                }
            });
            assertEquals(1, s.hostCalls());
        }
        assertEquals("from host", result.get());
    }

    @Test
    void unparkBeforeParkIsNotLost() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            s.runMain(new Fiber() {
                @Override
                protected Status run(Carrier carrier) {
                    if (runs.incrementAndGet() == 1) {
                        waitingOn(WaitKind.AWAIT, "self");
                        unpark(); // the wake-up arrives while we are still running
                        return Status.PARKED;
                    }
                    return Status.DONE;
                }
            });
        }
        assertEquals(2, runs.get());
    }

    @Test
    void aPinnedCarrierReportsTheCpuItIsBoundTo() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        AtomicReference<BitSet> maskWhileRunning = new AtomicReference<>();
        int[] cpus;
        try (Scheduler s = Scheduler.builder().carriers(1).pin(true).build()) {
            s.runMain(TestFibers.task(self -> {
                ran.incrementAndGet();
                maskWhileRunning.set(Affinity.getAffinity());
            }));
            cpus = s.carrierCpus();
        }
        assertEquals(1, ran.get());
        assertEquals(1, cpus.length);
        // Elsewhere the affinity library may have no way to pin, and -1 is the honest report.
        Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux"), "pinning is checked on Linux");
        // The one carrier gets the highest CPU of the process (CPU 0 is kept for last), and
        // it is bound to exactly that CPU while it runs a fiber, not merely reporting it.
        int highest = AffinityLock.BASE_AFFINITY.length() - 1;
        assertEquals(highest, cpus[0]);
        BitSet only = new BitSet();
        only.set(highest);
        assertEquals(only, maskWhileRunning.get());
    }

    @Test
    void javaExceptionEscapingAFiberIsReportedByRunMain() throws Exception {
        try (Scheduler s = Scheduler.builder().carriers(1).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> s.runMain(TestFibers.task(self -> {
                        throw new ArithmeticException("boom");
                    })));
            assertNotNull(e.getCause());
            assertEquals(1, s.fibersFailed());
            assertEquals(0, s.liveFibers());
        }
    }

    @Test
    void aThiefVisitsEveryOtherCarrierOnceAndNeverItself() {
        for (int n = 2; n <= 5; n++) {
            for (int index = 0; index < n; index++) {
                for (int cursor : new int[] {0, 1, 2, 3, 7, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
                    java.util.Set<Integer> seen = new java.util.HashSet<>();
                    for (int i = 1; i < n; i++) {
                        int v = Carrier.victim(index, cursor, i, n);
                        assertTrue(v >= 0 && v < n && v != index, "n=" + n + " index=" + index + " cursor=" + cursor + " -> " + v);
                        seen.add(v);
                    }
                    assertEquals(n - 1, seen.size(), "n=" + n + " index=" + index + " cursor=" + cursor);
                }
            }
        }
    }
}
