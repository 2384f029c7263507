package dev.limn.sched;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.openhft.affinity.Affinity;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Pinning a thread to a CPU: the plan (one CPU per carrier, highest first; the spare CPU a
 * runtime thread of its own may take), and the pin itself, which fails quietly where the CPU
 * cannot be had. Whether the kernel lets this process pin at all depends on the machine: the
 * test of a real pin checks the mask when the pin took, and is skipped where it could not.
 */
@Timeout(60)
class CpuPinTest {
    private static BitSet cpus(int... ids) {
        BitSet b = new BitSet();
        for (int id : ids) {
            b.set(id);
        }
        return b;
    }

    @Test
    void eachThreadGetsItsOwnCpuHighestFirst() {
        assertArrayEquals(new int[] {3, 2, 1}, CpuPin.plan(cpus(0, 1, 2, 3), 3));
        assertArrayEquals(new int[] {3, 2, 1, 0}, CpuPin.plan(cpus(0, 1, 2, 3), 4));
        assertArrayEquals(new int[] {5, 1, -1}, CpuPin.plan(cpus(1, 5), 3), "threads beyond the CPUs of the mask get none");
        assertArrayEquals(new int[] {}, CpuPin.plan(cpus(0, 1), 0));
    }

    @Test
    void theSpareCpuIsTheHighestNoThreadIsPlannedFor() {
        assertEquals(1, CpuPin.spare(cpus(0, 1, 2, 3), CpuPin.plan(cpus(0, 1, 2, 3), 2)));
        assertEquals(0, CpuPin.spare(cpus(0, 1, 2, 3), CpuPin.plan(cpus(0, 1, 2, 3), 3)));
        assertEquals(-1, CpuPin.spare(cpus(0, 1), CpuPin.plan(cpus(0, 1), 2)), "every CPU has a carrier");
        assertEquals(-1, CpuPin.spare(cpus(0, 1), CpuPin.plan(cpus(0, 1), 5)), "more carriers than CPUs");
        assertEquals(7, CpuPin.spare(cpus(2, 7), new int[] {2}));
        assertEquals(-1, CpuPin.spare(new BitSet(), new int[] {}), "an empty mask has nothing to spare");
    }

    @Test
    void aSchedulerHasASpareCpuOnlyWithPinningAndACpuNoCarrierTakes() {
        BitSet base = CpuPin.baseAffinity();
        try (Scheduler s = Scheduler.builder().carriers(1).build()) {
            assertEquals(-1, s.spareCpu(), "no pinning, no spare CPU");
            s.requestPinning();
            assertEquals(CpuPin.spare(base, CpuPin.plan(base, 1)), s.spareCpu());
            if (base.cardinality() >= 2) {
                assertTrue(s.spareCpu() >= 0);
                assertNotEquals(s.plannedCpu(0), s.spareCpu(), "the spare CPU is not the carrier's");
            }
        }
        int all = Math.max(1, base.cardinality());
        try (Scheduler s = Scheduler.builder().carriers(all).pin(true).build()) {
            assertEquals(-1, s.spareCpu(), "the carriers take every CPU");
        }
    }

    @Test
    void noCpuIsNoPin() {
        CpuPin pin = CpuPin.pinCurrentThread(-1);
        assertSame(CpuPin.NONE, pin);
        assertEquals(-1, pin.cpu());
        pin.release(); // nothing to undo
    }

    @Test
    void aCpuOutsideTheMaskLeavesTheThreadWhereItWas() throws Exception {
        int absent = CpuPin.baseAffinity().length() + 1000;
        AtomicReference<Object[]> seen = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            BitSet before = Affinity.getAffinity();
            CpuPin pin = CpuPin.pinCurrentThread(absent);
            seen.set(new Object[] {pin, before, Affinity.getAffinity()});
            pin.release();
        });
        t.join();
        Object[] r = seen.get();
        assertSame(CpuPin.NONE, r[0], "the pin failed quietly");
        assertEquals(r[1], r[2], "the thread's mask is unchanged");
    }

    @Test
    void aPinTakesTheThreadToItsCpuAndReleaseGivesItBack() throws Exception {
        BitSet base = CpuPin.baseAffinity();
        Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux") && base.cardinality() >= 1,
                "pinning is checked on Linux");
        for (int cpu : new int[] {base.length() - 1, base.nextSetBit(0)}) {
            AtomicReference<Object[]> seen = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                CpuPin pin = CpuPin.pinCurrentThread(cpu);
                BitSet pinned = Affinity.getAffinity();
                pin.release();
                seen.set(new Object[] {pin.cpu(), pinned, Affinity.getAffinity()});
            });
            t.join();
            Object[] r = seen.get();
            Assumptions.assumeTrue((int) r[0] == cpu, "this machine refused to pin to CPU " + cpu);
            assertEquals(cpus(cpu), r[1], "pinned to CPU " + cpu + " alone");
            assertEquals(base, r[2], "released: back to the process's mask " + Arrays.toString(base.stream().toArray()));
        }
    }
}
