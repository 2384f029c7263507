package dev.limn.block;

import java.util.List;

import dev.limn.sched.Scheduler;

/**
 * The {@code --stats} lines about carriers and parallel loops (SPEC §8, §9): the effective
 * carrier-to-CPU mapping when pinning was asked for, and per-carrier iterations, chunks,
 * splits and steals of parallel loops, e.g.
 * <pre>
 *   stats: carriers 2, pinned: carrier 0 -> cpu 1, carrier 1 -> cpu 0
 *   stats: parallel loops 1, chunks 3, splits 2, steals 2, iterations per carrier: 0: 500000, 1: 500000
 * </pre>
 */
public final class ParallelStats {

    private ParallelStats() {
    }

    /** The lines for {@code scheduler}. */
    public static List<String> lines(Scheduler scheduler) {
        return List.of(carrierLine(scheduler), loopLine(scheduler));
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

    static String loopLine(Scheduler scheduler) {
        long[] iterations = scheduler.iterationsPerCarrier();
        StringBuilder sb = new StringBuilder("stats: parallel loops ").append(scheduler.parallelLoops())
                .append(", chunks ").append(scheduler.parallelChunks())
                .append(", splits ").append(scheduler.parallelSplits())
                .append(", steals ").append(scheduler.parallelSteals())
                .append(", iterations per carrier: ");
        for (int i = 0; i < iterations.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(i).append(": ").append(iterations[i]);
        }
        return sb.toString();
    }
}
