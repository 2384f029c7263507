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
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LZ_Result;

/**
 * The fiber that runs a parallel loop joining it while the loop's last chunk ends on another
 * thread (join: store the joiner, then load done; completion: store done, then load the
 * joiner). FORBIDDEN "PARKED, false": a join that tests done before publishing itself and not
 * after, or a completion that reads the joiner before setting done, lets the joiner park
 * on a finished loop for ever. (r1: what join returned; r2: the joiner was woken.)
 */
@JCStressTest
@Description("A fiber joining a parallel loop as its last chunk ends either sees it done or is woken: no lost wake-up.")
@Outcome(id = {"DONE, false", "DONE, true"}, expect = ACCEPTABLE, desc = "saw it done (a spare wake-up is harmless)")
@Outcome(id = "PARKED, true", expect = ACCEPTABLE, desc = "parked and woken by the last chunk")
@Outcome(id = "PARKED, false", expect = FORBIDDEN, desc = "lost wake-up: parked on a finished loop")
@State
public class ParallelLoopJoinStress implements ParallelLoop.ChunkFibers {

    /** One carrier is enough: with cores=1 the loop never splits, so idleness does not matter. */
    private static final Scheduler SCHEDULER = StressSchedulers.idleScheduler(1);
    private static final Carrier CARRIER = StressSchedulers.carrier(SCHEDULER, 0);

    private final Fiber joiner = new Fiber() {
        @Override
        protected Status run(Carrier carrier) {
            return Status.PARKED;
        }
    };
    private RangeChunk chunk;
    private Fiber chunkFiber;
    private final ParallelLoop loop;

    public ParallelLoopJoinStress() {
        joiner.beginRun(); // RUNNING throughout, so a wake-up only leaves the permit
        loop = ParallelLoop.start(SCHEDULER, new ParallelStats(1), 1, 1, this);
        if (chunk.nextIndex(chunkFiber, CARRIER) != 0) { // the chunk is in its only iteration
            throw new IllegalStateException("the chunk did not start at index 0");
        }
    }

    @Override
    public Fiber newFiber(RangeChunk chunk) {
        this.chunk = chunk;
        chunkFiber = new Fiber() {
            @Override
            protected Status run(Carrier carrier) {
                throw new IllegalStateException("stepped by the test, never run");
            }
        };
        return chunkFiber;
    }

    @Override
    public void spawn(Scheduler scheduler, Fiber fiber) {
        // Not spawned: the test's thread steps the chunk.
    }

    @Actor
    public void lastChunk() {
        chunk.nextIndex(chunkFiber, CARRIER); // marks index 0 done: -1, the range is over
        chunk.flushIterations(CARRIER);
        chunk.endSteps(null);
    }

    @Actor
    public void join(LZ_Result r) {
        r.r1 = loop.join(joiner).name();
    }

    @Arbiter
    public void woken(LZ_Result r) {
        r.r2 = joiner.commitPark();
    }
}
