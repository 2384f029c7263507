package dev.limn.stress.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.sched.Fiber;
import dev.limn.value.FutureValue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LZ_Result;

/**
 * A fiber awaiting a future while another thread completes it (register, re-check, park,
 * against store done, drain the waiters). The FORBIDDEN "PARKED, false" is what an awaitDone
 * without the re-check after registering gives: it reads "not done", the completer sets done
 * and drains an empty waiter queue, then the fiber registers and parks for ever. A fiber that
 * sees done must also see the value written before it ("null" would be a torn completion).
 * (r1: the value awaitDone let the fiber read, or PARKED; r2: the fiber was woken.)
 */
@JCStressTest
@Description("An awaiting fiber either sees the future done, with its value, or is woken: no lost wake-up.")
@Outcome(id = {"1, false", "1, true"}, expect = ACCEPTABLE, desc = "saw it done (a spare wake-up is harmless)")
@Outcome(id = "PARKED, true", expect = ACCEPTABLE, desc = "registered, parked and woken")
@Outcome(id = "PARKED, false", expect = FORBIDDEN, desc = "lost wake-up: parked on a done future")
@Outcome(expect = FORBIDDEN, desc = "saw it done without its value")
@State
public class FutureAwaitWakeUpStress {

    private final FutureValue future = new FutureValue("stress");
    // Stays RUNNING throughout, so a wake-up only leaves the permit (no scheduler needed).
    private final Fiber fiber = StressChannels.runningFiber();

    @Actor
    public void completer() {
        future.complete(1L, null);
    }

    @Actor
    public void awaiter(LZ_Result r) {
        r.r1 = future.awaitDone(fiber) ? String.valueOf(future.value()) : "PARKED";
    }

    @Arbiter
    public void woken(LZ_Result r) {
        r.r2 = fiber.commitPark(); // true: the permit was left, the carrier would requeue it
    }
}
