package dev.limn.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import net.openhft.affinity.Affinity;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class IdleAndPinningTest {

    /** A fiber that sleeps {@code nanos} on the scheduler's timer, like {@code sleep(2)} in a program. */
    private static Fiber sleeper(long nanos) {
        return new Fiber() {
            private Timer timer;

            @Override
            protected Status run(Carrier carrier) {
                if (timer == null) {
                    timer = scheduler().sleep(this, nanos);
                    return Status.PARKED;
                }
                return Status.DONE;
            }
        };
    }

    @Test
    void aProgramThatSleepsTwoSecondsCostsNoMeasurableCpu() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            s.runMain(sleeper(TimeUnit.MILLISECONDS.toNanos(10))); // threads started and warm
            List<Thread> threads = new ArrayList<>(Arrays.asList(s.carrierThreads()));
            threads.add(s.timerThread());
            long before = cpuNanos(mx, threads);
            long[] each = threads.stream().mapToLong(t -> mx.getThreadCpuTime(t.threadId())).toArray();
            s.runMain(sleeper(TimeUnit.SECONDS.toNanos(2)));
            for (int i = 0; i < each.length; i++) {
                System.out.println(threads.get(i).getName() + " " + (mx.getThreadCpuTime(threads.get(i).threadId()) - each[i]) / 1000 + " us");
            }
            long usedMs = TimeUnit.NANOSECONDS.toMillis(cpuNanos(mx, threads) - before);
            System.out.println("scheduler threads used " + usedMs + " ms of CPU while the program slept 2 s");
            assertTrue(usedMs < 50, "scheduler threads used " + usedMs + " ms of CPU in a 2 s sleep");
        }
    }

    private static long cpuNanos(ThreadMXBean mx, List<Thread> threads) {
        long total = 0;
        for (Thread t : threads) {
            total += Math.max(0, mx.getThreadCpuTime(t.threadId()));
        }
        return total;
    }

    @Test
    void pinnedCarriersEachGetTheirOwnCpu() throws Exception {
        int cpus = Affinity.getAffinity().cardinality();
        Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux") && cpus >= 2,
                "pinning is checked on Linux with at least 2 CPUs");
        int carriers = 2;
        BitSet[] masks = new BitSet[carriers];
        try (Scheduler s = Scheduler.builder().carriers(carriers).pin(true).build()) {
            // Pinning happens in each carrier's onStart; wait until both have started.
            while (Arrays.stream(s.carrierThreads()).anyMatch(t -> t == null)) {
                Thread.onSpinWait();
            }
            int[] mapping = s.carrierCpus();
            while (Arrays.stream(mapping).anyMatch(c -> c < 0)) {
                Thread.sleep(1);
                mapping = s.carrierCpus();
            }
            assertEquals(carriers, Arrays.stream(mapping).distinct().count(), Arrays.toString(mapping));
            // A host call started from a pinned carrier must not inherit its one-CPU mask.
            BitSet[] hostMask = new BitSet[1];
            s.runMain(new Fiber() {
                private HostCall<BitSet> call;

                @Override
                protected Status run(Carrier carrier) {
                    masks[carrier.index()] = Affinity.getAffinity();
                    if (call == null) {
                        call = scheduler().runBlocking(this, Affinity::getAffinity);
                        return Status.PARKED;
                    }
                    if (!call.isDone()) {
                        return Status.PARKED;
                    }
                    hostMask[0] = call.result();
                    return Status.DONE;
                }
            });
            assertEquals(cpus, hostMask[0].cardinality(), "host call mask " + hostMask[0]);
            for (int i = 0; i < carriers; i++) {
                if (masks[i] != null) {
                    assertEquals(BitSet.valueOf(new long[] {1L << mapping[i]}), masks[i], "carrier " + i);
                }
            }
        }
    }

    @Test
    void pinningAskedForLaterPinsEveryCarrierBeforeItsNextFiber() throws Exception {
        int cpus = Affinity.getAffinity().cardinality();
        Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux") && cpus >= 2,
                "pinning is checked on Linux with at least 2 CPUs");
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            s.runMain(sleeper(0));
            assertTrue(!s.isPinning());
            assertEquals(List.of(-1, -1), Arrays.stream(s.carrierCpus()).boxed().toList());
            s.requestPinning();
            assertTrue(s.isPinning());
            int[] mapping = s.carrierCpus();
            while (Arrays.stream(mapping).anyMatch(c -> c < 0)) {
                Thread.sleep(1); // idle carriers were woken to pin themselves
                mapping = s.carrierCpus();
            }
            assertEquals(2, Arrays.stream(mapping).distinct().count(), Arrays.toString(mapping));
        }
    }
}
