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
 * Property: every pushed item is taken exactly once when two steals race each other for the
 * top and the owner's pop races them for the last item. (Any thread may steal, the owner
 * included, so two actors give two concurrent thieves plus an owner pop; the test keeps to
 * two actors so that it also runs on two-CPU machines.)
 * (r1: 1 when each item was taken exactly once, else 10 * (item + 1) + times taken.)
 */
@JCStressTest
@Outcome(id = "1", expect = ACCEPTABLE, desc = "every item taken exactly once")
@Outcome(expect = FORBIDDEN, desc = "an item was lost or taken twice")
@State
public class DequeConcurrentStealsStress {

    private static final int ITEMS = 3;

    private final WorkStealingDeque<Integer> deque = new WorkStealingDeque<>(4);
    private final int[] byOwner = new int[ITEMS];
    private final int[] byThief = new int[ITEMS];

    public DequeConcurrentStealsStress() {
        for (int i = 0; i < ITEMS; i++) {
            deque.push(i);
        }
    }

    @Actor
    public void owner() {
        take(deque.steal(), byOwner); // races the thief's steals on top
        take(deque.pop(), byOwner);   // races them for what is left at the bottom
    }

    @Actor
    public void thief() {
        take(deque.steal(), byThief);
        take(deque.steal(), byThief);
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
            int times = byOwner[i] + byThief[i] + left[i];
            if (times != 1) {
                result = 10 * (i + 1) + times;
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
