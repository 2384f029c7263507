package dev.limn.vm;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.value.LimnError;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The heap cell of an atomic that a function captures keeps the off-heap cell's promise
 * ({@code AtomicCellOverflowStress}): an add that would overflow is never stored, so a reader
 * never sees a wrapped value, and of two adds racing at one below the maximum exactly one
 * succeeds. This class sits in {@code dev.limn.vm} because {@link HeapAtomic}'s operations are
 * package-private.
 */
public class HeapAtomicOverflowStress {
    static final long START = Long.MAX_VALUE - 1;

    @JCStressTest
    @Description("A reader never sees a wrapped value: the adder reaches MAX, then its next add overflows and is not stored.")
    @Outcome(id = {"1, 0, 0, 1", "1, 0, 1, 1", "1, 1, 1, 1"}, expect = ACCEPTABLE,
            desc = "the reader saw MAX-1 or MAX, in order; the overflowing add changed nothing")
    @Outcome(expect = FORBIDDEN, desc = "a wrapped value was visible, or the overflowing add was stored")
    @State
    public static class ReaderSeesNoWrap {
        private final HeapAtomic cell = AtomicValue.onHeap(START);

        @Actor
        public void adder(IIII_Result r) {
            r.r1 = addOne(cell) + addOne(cell);
        }

        @Actor
        public void reader(IIII_Result r) {
            r.r2 = code(cell.lvBits());
            r.r3 = code(cell.lvBits());
        }

        @Arbiter
        public void last(IIII_Result r) {
            r.r4 = code(cell.lvBits());
        }
    }

    @JCStressTest
    @Description("Of two adds racing at MAX-1, exactly one succeeds and the cell ends at MAX.")
    @Outcome(id = {"1, 0, 1", "0, 1, 1"}, expect = ACCEPTABLE, desc = "one add reached the maximum, the other overflowed")
    @Outcome(expect = FORBIDDEN, desc = "both or neither add succeeded, or the cell does not hold the maximum")
    @State
    public static class OneOfTwoAdds {
        private final HeapAtomic cell = AtomicValue.onHeap(START);

        @Actor
        public void first(III_Result r) {
            r.r1 = addOne(cell);
        }

        @Actor
        public void second(III_Result r) {
            r.r2 = addOne(cell);
        }

        @Arbiter
        public void last(III_Result r) {
            r.r3 = code(cell.lvBits());
        }
    }

    /** 1 when the add succeeded, 0 when it overflowed (the VM's AUPDATE path: {@link AtomicValue#addInt}). */
    static int addOne(HeapAtomic cell) {
        try {
            cell.addInt(1);
            return 1;
        } catch (LimnError overflow) {
            return 0;
        }
    }

    /** 0 for MAX-1, 1 for MAX, -1 for anything else (a wrapped value). */
    static int code(long value) {
        return value == START ? 0 : value == Long.MAX_VALUE ? 1 : -1;
    }
}
