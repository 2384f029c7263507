package dev.limn.stress.block;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.block.ParallelLoop;
import dev.limn.block.ParallelStats;
import dev.limn.block.RangeChunk;
import dev.limn.sched.Carrier;
import dev.limn.sched.Fiber;
import dev.limn.sched.Scheduler;
import dev.limn.sched.StressSchedulers;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZL_Result;

/**
 * A parallel loop of 8 iterations with at most two chunks, stepped the way the VM's chunk
 * tasks step it ({@link RangeChunk#nextIndex}) by the test's threads instead of carriers.
 * The constructor lets chunk A = [0, 8) split at its first index (A keeps [0, 4), B gets
 * [4, 8)) and runs B up to its last index. Then B ends on one thread while A, on the other,
 * tries to split again at index 1: it gets the slot B gives back only if B ended first, and
 * the chunk C = [3, 4) it splits off is left to the arbiter, as a chunk spawned but not yet
 * stolen. The loop counts live chunks and the one that brings the count to 0 completes it;
 * the splitter counts C before handing it out. FORBIDDEN: done while C had not run (C counted
 * too late: A's end and B's end reach 0), not done after every chunk ended (a lost count), an
 * index run twice or never (a split that gives away indices it still runs, or keeps fewer).
 * (r1: done when the actors finished; r2: A split off C; r3: the run count of each index,
 * then whether the loop was done at the end.)
 */
@JCStressTest
@Description("Every index of a parallel loop runs exactly once and the loop completes once, after its last chunk, even when a split races the end of another chunk.")
@Outcome(id = "true, false, 11111111 done", expect = ACCEPTABLE, desc = "A found no free slot: done when A and B ended")
@Outcome(id = "false, true, 11111111 done", expect = ACCEPTABLE, desc = "A split after B ended: done only once C ran")
@Outcome(id = "true, true, 11111111 done", expect = FORBIDDEN, desc = "done while a split-off chunk had not run")
@Outcome(expect = FORBIDDEN, desc = "an index ran twice or never, or the loop did not complete")
@State
public class ParallelLoopSplitStress implements ParallelLoop.ChunkFibers {

    private static final int COUNT = 8;
    /** Two idle carriers: a loop may have two chunks, and a chunk sees an idle carrier, so it splits when a slot is free. */
    private static final Scheduler SCHEDULER = StressSchedulers.idleScheduler(2);
    private static final Carrier CARRIER_A = StressSchedulers.carrier(SCHEDULER, 0);
    private static final Carrier CARRIER_B = StressSchedulers.carrier(SCHEDULER, 1);

    private final AtomicIntegerArray runs = new AtomicIntegerArray(COUNT);
    /** Chunks in launch order, and their fibers: added by whoever splits, under the loop's lock. */
    private final List<RangeChunk> chunks = new CopyOnWriteArrayList<>();
    private final List<Fiber> fibers = new CopyOnWriteArrayList<>();
    private final ParallelLoop loop;

    public ParallelLoopSplitStress() {
        loop = ParallelLoop.start(SCHEDULER, new ParallelStats(2), COUNT, 2, this);
        runs.incrementAndGet((int) step(0, CARRIER_A)); // index 0; A splits off B = [4, 8)
        if (chunks.size() != 2) {
            throw new IllegalStateException("the first chunk did not split: " + chunks);
        }
        for (int i = 4; i < COUNT; i++) {
            runs.incrementAndGet((int) step(1, CARRIER_B)); // B runs 4..7 (no slot left to split)
        }
    }

    @Override
    public Fiber newFiber(RangeChunk chunk) {
        Fiber fiber = new Fiber() {
            @Override
            protected Status run(Carrier carrier) {
                throw new IllegalStateException("stepped by the test, never run");
            }
        };
        chunks.add(chunk);
        fibers.add(fiber);
        return fiber;
    }

    @Override
    public void spawn(Scheduler scheduler, Fiber fiber) {
        // Not spawned: the test's threads step the chunk (a chunk spawned here waits, as one
        // sitting in a deque would, until a thread picks it).
    }

    @Actor
    public void chunkA() {
        runToEnd(0, CARRIER_A);
    }

    @Actor
    public void chunkB() {
        runToEnd(1, CARRIER_B); // marks 7 done and ends B
    }

    @Arbiter
    public void outcome(ZZL_Result r) {
        r.r1 = loop.isDone();
        r.r2 = chunks.size() == 3;
        if (r.r2) {
            runToEnd(2, CARRIER_B); // C, picked up late
        }
        StringBuilder counts = new StringBuilder();
        for (int i = 0; i < COUNT; i++) {
            counts.append(runs.get(i));
        }
        r.r3 = counts + (loop.isDone() ? " done" : " not done");
    }

    private long step(int chunk, Carrier carrier) {
        return chunks.get(chunk).nextIndex(fibers.get(chunk), carrier);
    }

    /** What a chunk task does: run each index it hands out, then flush its count and end. */
    private void runToEnd(int chunk, Carrier carrier) {
        long i;
        while ((i = step(chunk, carrier)) >= 0) {
            runs.incrementAndGet((int) i);
        }
        chunks.get(chunk).flushIterations(carrier);
        chunks.get(chunk).endSteps(null);
    }
}
