package dev.limn.stress.block;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.block.BlockConfig;
import dev.limn.block.BlockRun;
import dev.limn.block.BlockSpec;
import dev.limn.sched.Carrier;
import dev.limn.sched.Fiber;
import dev.limn.value.ErrorValue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * A block's body starting a unit while another unit fails and stops the block (Stop: raise
 * the stop flag, then cancel every registered unit). The body starts a unit only if the
 * block is not stopping; {@link BlockRun#unitStarted} registers it, then reads the flag
 * again. FORBIDDEN "true, false": a unit started but never cancelled, which a unitStarted
 * without its check after registering allows (the body saw no stop, the stopper's snapshot
 * of the units was taken before the registration). (r1: the body started the unit; r2: the
 * unit's cancel trap is set.)
 */
@JCStressTest
@Description("A unit that starts while its block stops is cancelled: either the body sees the stop and starts none, or the unit is cancelled.")
@Outcome(id = "true, true", expect = ACCEPTABLE, desc = "started, then cancelled by the stop")
@Outcome(id = "false, false", expect = ACCEPTABLE, desc = "the body saw the stop and started no unit")
@Outcome(id = "true, false", expect = FORBIDDEN, desc = "a unit escaped the stop")
@Outcome(expect = FORBIDDEN, desc = "a unit never started was cancelled")
@State
public class BlockStopStartStress {

    private static final BlockSpec SPEC = new BlockSpec(BlockConfig.defaults(null), false, "stress block");
    private static final ErrorValue FAILURE = new ErrorValue("Stress", "the unit failed");

    private final BlockRun block = new BlockRun(SPEC, null, null, null);
    private final Fiber failing = unit();
    private final Fiber late = unit();

    public BlockStopStartStress() {
        block.unitStarted(failing);
    }

    /** A unit's fiber; never run: cancelling it only sets its trap (no scheduler to wake it on). */
    static Fiber unit() {
        return new Fiber() {
            @Override
            protected Status run(Carrier carrier) {
                return Status.DONE;
            }
        };
    }

    @Actor
    public void body(ZZ_Result r) {
        // What the body does before each unit it starts (ConcOps), then the start itself.
        if (!block.isStopping()) {
            block.unitStarted(late);
            r.r1 = true;
        }
    }

    @Actor
    public void failingUnit() {
        block.unitFinished(failing, FAILURE); // the first failure: Stop
    }

    @Arbiter
    public void outcome(ZZ_Result r) {
        r.r2 = (late.lvTrap() & Fiber.TRAP_CANCEL) != 0;
    }
}
