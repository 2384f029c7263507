package dev.limn.block;

import dev.limn.sched.Scheduler;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The parallel-loop statistics of one program run (SPEC §8, §9), and its {@code --stats} lines
 * about carriers and parallel loops: the effective carrier-to-CPU mapping when pinning was
 * asked for, and the loops, chunks, splits, steals and per-carrier iterations, e.g.
 * <pre>
 *   stats: carriers 2, pinned: carrier 0 -> cpu 1, carrier 1 -> cpu 0
 *   stats: parallel loops 1, chunks 3, splits 2, steals 2, iterations per carrier: 0: 500000, 1: 500000
 * </pre>
 * Counts are striped ({@link LongAdder}); each carrier's iteration count is written only by
 * that carrier (a release store, its slot padded onto a cache line of its own) and read by
 * {@link #iterationsPerCarrier}.
 */
public final class ParallelStats {
    /** Longs per carrier slot: 128 bytes, so two carriers never write the same or an adjacent line. */
    private static final int STRIDE = 16;

    private final LongAdder loops = new LongAdder();
    private final LongAdder chunks = new LongAdder();
    private final LongAdder splits = new LongAdder();
    private final LongAdder steals = new LongAdder();
    private final int carriers;
    private final AtomicLongArray iterations;

    /** Statistics for a scheduler of {@code carriers} carriers (carrier indexes 0 to carriers - 1). */
    public ParallelStats(int carriers) {
        this.carriers = carriers;
        this.iterations = new AtomicLongArray(carriers * STRIDE);
    }

    /** A parallel loop started (a task family is no loop: it is not counted). */
    void countLoop() {
        loops.increment();
    }

    /** A chunk was created: the first of a loop, or one split off. */
    void countChunk() {
        chunks.increment();
    }

    /** A running chunk gave half of its remaining range to an idle carrier. */
    void countSplit() {
        splits.increment();
    }

    /** A chunk began on a carrier other than the one that created it. */
    void countSteal() {
        steals.increment();
    }

    /** Carrier {@code carrier}'s own thread only: {@code n} more iterations ran on it. */
    void addIterations(int carrier, long n) {
        int slot = carrier * STRIDE;
        iterations.setRelease(slot, iterations.getPlain(slot) + n);
    }

    public long loops() {
        return loops.sum();
    }

    public long chunks() {
        return chunks.sum();
    }

    public long splits() {
        return splits.sum();
    }

    public long steals() {
        return steals.sum();
    }

    /** Parallel-loop iterations run on each carrier (index = carrier number). */
    public long[] iterationsPerCarrier() {
        long[] counts = new long[carriers];
        for (int i = 0; i < carriers; i++) {
            counts[i] = iterations.getAcquire(i * STRIDE);
        }
        return counts;
    }

    /** The {@code --stats} lines: {@code scheduler}'s carriers, then these loops. */
    public List<String> lines(Scheduler scheduler) {
        return List.of(carrierLine(scheduler), loopLine());
    }

    static String carrierLine(Scheduler scheduler) {
        int[] cpus = scheduler.carrierCpus();
        StringBuilder sb = new StringBuilder("stats: carriers ").append(cpus.length);
        if (!scheduler.isPinning()) {
            return sb.append(", not pinned").toString();
        }
        sb.append(", pinned: ");
        for (int i = 0; i < cpus.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append("carrier ").append(i).append(" -> ");
            sb.append(cpus[i] >= 0 ? "cpu " + cpus[i] : "no cpu left (not pinned)");
        }
        return sb.toString();
    }

    String loopLine() {
        long[] perCarrier = iterationsPerCarrier();
        StringBuilder sb = new StringBuilder("stats: parallel loops ").append(loops())
                .append(", chunks ").append(chunks())
                .append(", splits ").append(splits())
                .append(", steals ").append(steals())
                .append(", iterations per carrier: ");
        for (int i = 0; i < perCarrier.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(i).append(": ").append(perCarrier[i]);
        }
        return sb.toString();
    }
}
