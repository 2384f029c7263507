package dev.limn.stress.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.sched.Fiber;
import dev.limn.value.ErrorValue;
import dev.limn.value.FutureValue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZLZ_Result;

/**
 * {@code f.cancel()} racing the work's own completion, with a fiber already waiting for the
 * future. The cancel action here completes the future with Cancelled at once (the work it
 * stands for, a task or a block, ends that way). A cancel may run its action while the value
 * is being stored (its done test is a hint), so what keeps the outcome whole is complete's
 * first-wins under one lock: FORBIDDEN are a value stored with the Cancelled error ("1/Cancelled",
 * value and error written by different completes), no outcome at all, and a waiter left
 * parked. (r1: what the work's complete(1) returned; r2: value/error kind; r3: the waiter was
 * woken.)
 */
@JCStressTest
@Description("Cancel racing completion leaves exactly one outcome, the value or Cancelled, and wakes the waiting fiber.")
@Outcome(id = "true, 1/none, true", expect = ACCEPTABLE, desc = "completed first: the cancel came too late")
@Outcome(id = "false, null/Cancelled, true", expect = ACCEPTABLE, desc = "cancelled first: the work's completion is ignored")
@Outcome(expect = FORBIDDEN, desc = "a mixed or missing outcome, or a waiter not woken")
@State
public class FutureCancelCompleteStress {

    private static final ErrorValue CANCELLED = new ErrorValue("Cancelled", "the future was cancelled");

    private final FutureValue future = new FutureValue("stress");
    private final Fiber waiter = StressChannels.runningFiber();

    public FutureCancelCompleteStress() {
        future.onCancel(() -> future.complete(null, CANCELLED));
        if (future.awaitDone(waiter)) {
            throw new IllegalStateException("a new future is not done");
        }
    }

    @Actor
    public void work(ZLZ_Result r) {
        r.r1 = future.complete(1L, null);
    }

    @Actor
    public void canceller() {
        future.cancel();
    }

    @Arbiter
    public void outcome(ZLZ_Result r) {
        ErrorValue err = future.error();
        r.r2 = future.value() + "/" + (err == null ? "none" : err.kind);
        r.r3 = waiter.commitPark();
    }
}
