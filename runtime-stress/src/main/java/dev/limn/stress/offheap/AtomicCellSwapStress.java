package dev.limn.stress.offheap;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.offheap.AtomicCell;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/** Swap is linearizable: the two swaps happen in some order, each seeing the other's value. */
@JCStressTest
@Description("Two xchgLong from 0: one returns 0, the other the first one's value, and the last stays.")
@Outcome(id = "0, 1, 2", expect = ACCEPTABLE, desc = "first, then second")
@Outcome(id = "2, 0, 1", expect = ACCEPTABLE, desc = "second, then first")
@Outcome(expect = FORBIDDEN, desc = "a swap was lost or saw a value never stored")
@State
public class AtomicCellSwapStress {
    private final AtomicCell cell = AtomicCellAddStress.POOL.allocate();

    @Actor
    public void first(JJJ_Result r) {
        r.r1 = cell.xchgLong(1);
    }

    @Actor
    public void second(JJJ_Result r) {
        r.r2 = cell.xchgLong(2);
    }

    @Arbiter
    public void value(JJJ_Result r) {
        r.r3 = cell.lvLong();
        cell.release();
    }
}
