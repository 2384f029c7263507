package dev.limn.stress.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.sched.Fiber;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZZ_Result;

/**
 * Property: a carrier that is slow to finish a fiber's park never takes a wake-up meant for
 * the fiber's next run. The fiber has decided to park (run k). Carrier A commits that park
 * (r1: "requeue"). Meanwhile a first waker wakes it (r2: "I claimed it, submit it"); when it
 * did, the fiber runs again on carrier B (run k+1), a second waker arrives during that run,
 * and B commits run k+1's park (r3: "requeue"). The second wake-up must turn B's park into a
 * requeue. The old protocol (store PARKED, then take a separate permit) let A, descheduled
 * between its two steps, take the second waker's permit: B then parked with nobody left to
 * wake it.
 */
@JCStressTest
@Outcome(id = "true, false, false", expect = ACCEPTABLE, desc = "the first wake-up came during run k: A requeues it")
@Outcome(id = "false, true, true", expect = ACCEPTABLE, desc = "A parked it, the waker ran it, the second wake-up requeues run k+1")
@Outcome(id = "false, true, false", expect = FORBIDDEN, desc = "lost wake-up: run k+1 parks with the second wake-up gone")
@Outcome(id = {"false, false, false", "false, false, true"}, expect = FORBIDDEN, desc = "lost wake-up: nobody runs it after run k")
@Outcome(id = {"true, true, false", "true, true, true"}, expect = FORBIDDEN, desc = "double wake-up: run k would run twice")
@State
public class FiberLateParkStress {

    private final Fiber fiber = StressChannels.runningFiber(); // run k: running, and has just decided to park

    @Actor
    public void carrierA(ZZZ_Result r) {
        r.r1 = fiber.commitPark();
    }

    @Actor
    public void wakersAndCarrierB(ZZZ_Result r) {
        r.r2 = fiber.claimWake();
        if (r.r2) {
            fiber.beginRun(); // run k+1 on carrier B
            fiber.claimWake(); // the second waker, while run k+1 runs (it registered a new wait)
            r.r3 = fiber.commitPark();
        }
    }
}
