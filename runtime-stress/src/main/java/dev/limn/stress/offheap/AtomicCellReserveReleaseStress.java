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
import org.openjdk.jcstress.infra.results.LIL_Result;

/**
 * Reference counting of atomic cells: the last release returns the block to the pool, and
 * nothing brings the cell back afterwards. Reservations are a CAS loop that refuses a count
 * of 0; releases a CAS loop in which only the one that moved the count from 1 to 0 frees.
 */
public class AtomicCellReserveReleaseStress {

    /**
     * A reserve racing the last release. FORBIDDEN "reserved, 1, freed": a reserve that
     * increments without testing for 0 (a plain getAndAdd) brings a freed cell back to one
     * holder whose block is gone. (r1: the reserve's result; r2: the count afterwards; r3: the
     * cell reads, or throws because its block went back to the pool.)
     */
    @JCStressTest
    @Description("A reserve racing the last release either keeps the cell alive or throws; it never resurrects a freed cell.")
    @Outcome(id = "reserved, 1, live", expect = ACCEPTABLE, desc = "reserved first: the release left the new holder")
    @Outcome(id = "threw, 0, freed", expect = ACCEPTABLE, desc = "released first: the reserve was refused")
    @Outcome(id = "reserved, 1, freed", expect = FORBIDDEN, desc = "resurrected: a holder of a freed block")
    @Outcome(expect = FORBIDDEN, desc = "a lost count, or a cell freed while held")
    @State
    public static class ReserveAgainstLastRelease {
        private final AtomicCell cell = AtomicCellAddStress.POOL.allocate();

        @Actor
        public void lastHolder() {
            cell.release();
        }

        @Actor
        public void capture(LIL_Result r) {
            try {
                cell.reserve();
                r.r1 = "reserved";
            } catch (IllegalStateException freed) {
                r.r1 = "threw";
            }
        }

        @Arbiter
        public void outcome(LIL_Result r) {
            r.r2 = cell.refCount();
            r.r3 = state(cell);
            if (r.r3.equals("live")) {
                cell.release(); // the capture's reservation: return the block (a resurrected cell has none to return)
            }
        }
    }

    /**
     * The two holders of a cell, a task that uses it and then leaves, and the scope that
     * declared it, releasing at the same time. FORBIDDEN: a non-atomic decrement loses one
     * (the count stays at 1 and the block is never freed: "1, 1, live"), and a release that
     * frees before the count reaches 0 pulls the block from under the task (its add throws:
     * "-1"). (r1: the task's
     * add, -1 if the cell was already freed; r2: the count afterwards; r3: the cell reads, or
     * throws because its block went back to the pool.) A second return of the block to the
     * pool is not counted per state (the pool is shared: a pool per state costs an arena per
     * state); a double free shows only as the second release failing on the cleared block.
     */
    @JCStressTest
    @Description("Two holders releasing at once: the count reaches 0 exactly, the block is freed, and never while a holder still uses it.")
    @Outcome(id = "1, 0, freed", expect = ACCEPTABLE, desc = "both released, the last one freed the block")
    @Outcome(expect = FORBIDDEN, desc = "a lost release, a leak, or a block freed under its holder")
    @State
    public static class TwoReleases {
        private final AtomicCell cell = AtomicCellAddStress.POOL.allocate();

        public TwoReleases() {
            cell.reserve(); // the task captured it
        }

        @Actor
        public void task(LIL_Result r) {
            try {
                r.r1 = String.valueOf(cell.xaddAndGet(1));
            } catch (IllegalStateException freed) {
                r.r1 = "-1";
            }
            cell.release();
        }

        @Actor
        public void scope() {
            cell.release();
        }

        @Arbiter
        public void outcome(LIL_Result r) {
            r.r2 = cell.refCount();
            r.r3 = state(cell);
            while (cell.refCount() > 0) {
                cell.release(); // a lost release left the block allocated: do not leak the pool
            }
        }
    }

    /** "live" if the cell still has its block, "freed" if using it throws. */
    static String state(AtomicCell cell) {
        try {
            cell.lvLong();
            return "live";
        } catch (IllegalStateException freed) {
            return "freed";
        }
    }
}
