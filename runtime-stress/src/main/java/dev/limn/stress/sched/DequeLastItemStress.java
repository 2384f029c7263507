package dev.limn.stress.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.sched.WorkStealingDeque;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Property: when the owner pops and a thief steals the deque's only item at the same time,
 * exactly one of them gets it. (r1: owner's pop, r2: thief's steal, r3: left afterwards; 0 = none.)
 */
@JCStressTest
@Outcome(id = {"1, 0, 0", "0, 1, 0"}, expect = ACCEPTABLE, desc = "taken exactly once")
@Outcome(expect = FORBIDDEN, desc = "lost or taken twice")
@State
public class DequeLastItemStress {

    private final WorkStealingDeque<Integer> deque = new WorkStealingDeque<>(2);

    public DequeLastItemStress() {
        deque.push(1);
    }

    @Actor
    public void owner(III_Result r) {
        Integer v = deque.pop();
        r.r1 = v == null ? 0 : v;
    }

    @Actor
    public void thief(III_Result r) {
        Integer v = deque.steal();
        r.r2 = v == null ? 0 : v;
    }

    @Arbiter
    public void left(III_Result r) {
        Integer v = deque.pop();
        r.r3 = v == null ? 0 : v;
    }
}
