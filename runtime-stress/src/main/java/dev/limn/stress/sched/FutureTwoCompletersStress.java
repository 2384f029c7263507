package dev.limn.stress.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.value.FutureValue;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZL_Result;

/**
 * Two completions of one future, the second thread registering a completion callback just
 * before it completes (as {@code all}, {@code any} and {@code with_timeout} register on futures
 * that other tasks complete). FORBIDDEN outcomes: both completes returning true, or the value
 * of the loser (a done test outside the lock); a callback run twice, or never (whenDone
 * adding it after the completer took the callback list, when its done test and its add are
 * not under the completer's lock). (r1, r2: what complete(1) and complete(2) returned; r3:
 * the future's value / how many times the callback ran x what it saw.)
 */
@JCStressTest
@Description("Two completes race: the first wins, the other returns false, and a callback registered meanwhile runs once and sees the winner's value.")
@Outcome(id = "true, false, 1/1x1", expect = ACCEPTABLE, desc = "complete(1) won")
@Outcome(id = "false, true, 2/1x2", expect = ACCEPTABLE, desc = "complete(2) won")
@Outcome(expect = FORBIDDEN, desc = "both or neither won, or the callback ran other than once or saw another value")
@State
public class FutureTwoCompletersStress {

    private final FutureValue future = new FutureValue("stress");
    private final AtomicInteger callbackRuns = new AtomicInteger();
    private volatile Object callbackSaw;

    @Actor
    public void first(ZZL_Result r) {
        r.r1 = future.complete(1L, null);
    }

    @Actor
    public void second(ZZL_Result r) {
        future.whenDone(() -> {
            callbackSaw = future.value();
            callbackRuns.incrementAndGet();
        });
        r.r2 = future.complete(2L, null);
    }

    @Arbiter
    public void outcome(ZZL_Result r) {
        r.r3 = future.value() + "/" + callbackRuns.get() + "x" + callbackSaw;
    }
}
