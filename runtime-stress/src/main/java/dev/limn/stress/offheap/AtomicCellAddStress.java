package dev.limn.stress.offheap;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.offheap.AtomicCell;
import dev.limn.offheap.AtomicCellPool;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/** Two concurrent adds lose no update, on the int view and on the float (CAS loop) view. */
public class AtomicCellAddStress {
    static final AtomicCellPool POOL = new AtomicCellPool(4096);

    @JCStressTest
    @Description("Concurrent xaddAndGet lose no update and return distinct new values.")
    @Outcome(id = {"1, 2, 2", "2, 1, 2"}, expect = ACCEPTABLE, desc = "the adds took turns")
    @Outcome(expect = FORBIDDEN, desc = "an update was lost")
    @State
    public static class Ints {
        private final AtomicCell cell = POOL.allocate();

        @Actor
        public void first(JJJ_Result r) {
            r.r1 = cell.xaddAndGet(1);
        }

        @Actor
        public void second(JJJ_Result r) {
            r.r2 = cell.xaddAndGet(1);
        }

        @Arbiter
        public void total(JJJ_Result r) {
            r.r3 = cell.lvLong();
            cell.release();
        }
    }

    @JCStressTest
    @Description("Concurrent addAndGetDouble lose no update.")
    @Outcome(id = {"1, 3, 3", "3, 2, 3"}, expect = ACCEPTABLE, desc = "the adds took turns")
    @Outcome(expect = FORBIDDEN, desc = "an update was lost")
    @State
    public static class Floats {
        private final AtomicCell cell = POOL.allocateDouble(0.0);

        @Actor
        public void first(JJJ_Result r) {
            r.r1 = (long) cell.addAndGetDouble(1.0);
        }

        @Actor
        public void second(JJJ_Result r) {
            r.r2 = (long) cell.addAndGetDouble(2.0);
        }

        @Arbiter
        public void total(JJJ_Result r) {
            r.r3 = (long) cell.lvDouble();
            cell.release();
        }
    }
}
