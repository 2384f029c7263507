package dev.limn.stress.block;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.block.BlockConfig;
import dev.limn.block.BlockRun;
import dev.limn.block.BlockSpec;
import dev.limn.sched.Fiber;
import dev.limn.value.ErrorValue;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZI_Result;

/**
 * A block's body starting its second unit and reaching its end while its first unit finishes
 * on another thread; the arbiter then finishes the second unit. The block counts its body
 * and its live units in one atomic counter, and whoever brings it to 0 completes the block.
 * FORBIDDEN: done before the arbiter finished the second unit (a body that is not counted, or
 * a unit counted only after it registered, lets the first unit's finish reach 0); not done at
 * the end (a lost decrement); completed twice (two arrivals both seeing 0). Completion itself
 * is first-wins on the future, so the test counts runs of the completion step through the
 * on_error=Auto summary, which every completion writes once. (r1: done before the arbiter
 * finished the second unit; r2: done after; r3: how many times the block completed.)
 */
@JCStressTest
@Description("A block completes exactly once, and only after its body ended and every unit it started finished.")
@Outcome(id = "false, true, 1", expect = ACCEPTABLE, desc = "completed once, by the last unit to finish")
@Outcome(expect = FORBIDDEN, desc = "completed early, never, or twice")
@State
public class BlockCompletionStress {

    private static final BlockSpec SPEC = new BlockSpec(BlockConfig.defaults(null), false, "stress block");

    private final BlockRun block = new BlockRun(SPEC, null, null, null);
    private final Fiber first = BlockStopStartStress.unit();
    private final Fiber second = BlockStopStartStress.unit();
    private final AtomicInteger completions = new AtomicInteger();

    public BlockCompletionStress() {
        // No scheduler: the block has no timeout, so it schedules no timer. The summary line
        // of the one absorbed error marks each run of the completion step.
        block.startClock(null, line -> completions.incrementAndGet());
        block.unitErrorAbsorbed(new ErrorValue("Stress", "one absorbed error"));
        block.unitStarted(first); // the body started its first unit, which runs now
    }

    @Actor
    public void body() {
        block.unitStarted(second);
        block.bodyEnded();
    }

    @Actor
    public void firstUnit() {
        block.unitFinished(first, null);
    }

    @Arbiter
    public void outcome(ZZI_Result r) {
        r.r1 = block.completion().isDone();
        block.unitFinished(second, null);
        r.r2 = block.completion().isDone();
        r.r3 = completions.get();
    }
}
