package dev.limn.sched;

import net.openhft.affinity.Affinity;
import net.openhft.affinity.AffinityLock;

import java.util.BitSet;

/**
 * A thread pinned to one CPU (OpenHFT affinity), and the plan of which CPU each pinned thread
 * gets. Carriers pin themselves through it ({@link Carrier}), and so does the media driver's
 * thread of remote channels, to a CPU planned for no carrier ({@link Scheduler#spareCpu}).
 *
 * <p>A pin is made and released on the pinned thread itself. It fails quietly: a CPU outside
 * the process's affinity mask, one the kernel refuses, or an affinity library that cannot load
 * leaves the thread where it was, and {@link #cpu()} is -1.
 */
public final class CpuPin {
    /** No pin: the thread runs wherever the operating system puts it. */
    public static final CpuPin NONE = new CpuPin(-1, null, false);

    private final int cpu;
    private AffinityLock lock;
    private boolean direct;

    private CpuPin(int cpu, AffinityLock lock, boolean direct) {
        this.cpu = cpu;
        this.lock = lock;
        this.direct = direct;
    }

    /** The CPU the thread is (or, once released, was) pinned to; -1 when it is not pinned. */
    public int cpu() {
        return cpu;
    }

    /**
     * Pins the calling thread to {@code planned}; {@link #NONE} when {@code planned} is negative
     * or the pin fails. Through an {@link AffinityLock} where the library hands that CPU out, and
     * with {@link Affinity#setAffinity(int)} for the one it keeps for the operating system (CPU
     * 0), checking that the kernel took the mask.
     */
    public static CpuPin pinCurrentThread(int planned) {
        if (planned < 0) {
            return NONE;
        }
        try {
            if (planned != 0) {
                AffinityLock lock = AffinityLock.acquireLock(planned);
                if (lock.isAllocated() && lock.cpuId() == planned) {
                    return new CpuPin(planned, lock, false);
                }
                lock.release();
            }
            Affinity.setAffinity(planned);
            BitSet now = Affinity.getAffinity();
            if (now.cardinality() == 1 && now.get(planned)) {
                return new CpuPin(planned, null, true);
            }
            Affinity.resetToBaseAffinity();
        } catch (RuntimeException | LinkageError e) {
            // no such CPU, a refused mask, or no native affinity support: stay unpinned
        }
        return NONE;
    }

    /** Unpins the thread; on the pinned thread. Idempotent. */
    public void release() {
        if (lock != null) {
            lock.release();
            lock = null;
        }
        if (direct) {
            Affinity.resetToBaseAffinity();
            direct = false;
        }
    }

    /**
     * One CPU of {@code base} (a process's affinity mask) per thread, highest first (the affinity
     * library hands CPUs out from the top and keeps CPU 0 for the operating system, so the
     * threads get the quiet CPUs first and CPU 0 last); -1 for threads beyond the number of CPUs.
     */
    static int[] plan(BitSet base, int threads) {
        int[] plan = new int[threads];
        java.util.Arrays.fill(plan, -1);
        int next = 0;
        for (int cpu = base.length() - 1; cpu >= 0 && next < threads; cpu = base.previousSetBit(cpu - 1)) {
            if (base.get(cpu)) {
                plan[next++] = cpu;
            }
        }
        return plan;
    }

    /** The highest CPU of {@code base} that {@code planned} does not hold; -1 when every one is taken. */
    static int spare(BitSet base, int[] planned) {
        BitSet free = (BitSet) base.clone();
        for (int cpu : planned) {
            if (cpu >= 0) {
                free.clear(cpu);
            }
        }
        return free.length() - 1;
    }

    /** The process's affinity mask, as the affinity library read it at start. */
    static BitSet baseAffinity() {
        return AffinityLock.BASE_AFFINITY;
    }
}
