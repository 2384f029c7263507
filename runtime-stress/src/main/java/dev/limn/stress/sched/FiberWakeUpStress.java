package dev.limn.stress.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.sched.Fiber;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * Property: an unpark racing with a fiber that is about to park is never lost and never
 * doubled: exactly one of the carrier (requeue after the park) and the waker (submit) ends up
 * responsible for running the fiber again. (r1: the carrier requeues; r2: the waker submits.)
 */
@JCStressTest
@Outcome(id = {"true, false", "false, true"}, expect = ACCEPTABLE, desc = "exactly one side runs it again")
@Outcome(id = "false, false", expect = FORBIDDEN, desc = "lost wake-up: the fiber stays parked")
@Outcome(id = "true, true", expect = FORBIDDEN, desc = "double wake-up: the fiber would run twice")
@State
public class FiberWakeUpStress {

    private final Fiber fiber = StressChannels.runningFiber(); // the fiber is running and has just decided to park

    @Actor
    public void carrier(ZZ_Result r) {
        r.r1 = fiber.commitPark();
    }

    @Actor
    public void waker(ZZ_Result r) {
        r.r2 = fiber.claimWake();
    }
}
