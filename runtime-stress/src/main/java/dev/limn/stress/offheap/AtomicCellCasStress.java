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
import org.openjdk.jcstress.infra.results.ZZJ_Result;

/** CAS is linearizable: of two CASes from the same expected value exactly one wins. */
public class AtomicCellCasStress {

    @JCStressTest
    @Description("Two casLong(0, id): exactly one succeeds, and the cell holds the winner's id.")
    @Outcome(id = "true, false, 1", expect = ACCEPTABLE, desc = "first won")
    @Outcome(id = "false, true, 2", expect = ACCEPTABLE, desc = "second won")
    @Outcome(expect = FORBIDDEN, desc = "both or neither won, or the value disagrees")
    @State
    public static class Ints {
        private final AtomicCell cell = AtomicCellAddStress.POOL.allocate();

        @Actor
        public void first(ZZJ_Result r) {
            r.r1 = cell.casLong(0, 1);
        }

        @Actor
        public void second(ZZJ_Result r) {
            r.r2 = cell.casLong(0, 2);
        }

        @Arbiter
        public void value(ZZJ_Result r) {
            r.r3 = cell.lvLong();
            cell.release();
        }
    }

    @JCStressTest
    @Description("Two casDouble(0.0, id): exactly one succeeds, and the cell holds the winner's id.")
    @Outcome(id = "true, false, 1", expect = ACCEPTABLE, desc = "first won")
    @Outcome(id = "false, true, 2", expect = ACCEPTABLE, desc = "second won")
    @Outcome(expect = FORBIDDEN, desc = "both or neither won, or the value disagrees")
    @State
    public static class Floats {
        private final AtomicCell cell = AtomicCellAddStress.POOL.allocateDouble(-0.0);

        @Actor
        public void first(ZZJ_Result r) {
            r.r1 = cell.casDouble(0.0, 1.0);
        }

        @Actor
        public void second(ZZJ_Result r) {
            r.r2 = cell.casDouble(0.0, 2.0);
        }

        @Arbiter
        public void value(ZZJ_Result r) {
            r.r3 = (long) cell.lvDouble();
            cell.release();
        }
    }
}
