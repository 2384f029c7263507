package dev.limn.stress.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.sched.WorkStealingDeque;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Property: every item pushed is taken exactly once while the owner pushes and pops and a
 * thief steals twice concurrently (the owner's pushes also grow the array under the thief).
 * (r1: 1 when each of the items was taken exactly once, else a code of what went wrong.)
 */
@JCStressTest
@Outcome(id = "1", expect = ACCEPTABLE, desc = "every item taken exactly once")
@Outcome(expect = FORBIDDEN, desc = "an item was lost or taken twice")
@State
public class DequePopStealStress {

    private static final int ITEMS = 4;

    private final WorkStealingDeque<Integer> deque = new WorkStealingDeque<>(2);
    private final int[] byOwner = new int[ITEMS];
    private final int[] byThief1 = new int[ITEMS];
    private final int[] byThief2 = new int[ITEMS];

    public DequePopStealStress() {
        deque.push(0);
        deque.push(1);
    }

    @Actor
    public void owner() {
        deque.push(2);
        deque.push(3); // grows the array
        take(deque.pop(), byOwner);
        take(deque.pop(), byOwner);
    }

    @Actor
    public void thief() {
        take(deque.steal(), byThief1);
        take(deque.steal(), byThief2);
    }

    @Arbiter
    public void check(I_Result r) {
        int[] left = new int[ITEMS];
        Integer v;
        while ((v = deque.pop()) != null) {
            left[v]++;
        }
        int result = 1;
        for (int i = 0; i < ITEMS; i++) {
            int times = byOwner[i] + byThief1[i] + byThief2[i] + left[i];
            if (times != 1) {
                result = 10 * (i + 1) + times; // item i+1 taken `times` times
            }
        }
        r.r1 = result;
    }

    private static void take(Integer v, int[] counts) {
        if (v != null) {
            counts[v]++;
        }
    }
}
