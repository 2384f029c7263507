package dev.limn.stress.offheap;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.offheap.AtomicCell;
import dev.limn.offheap.RegisterFile;
import dev.limn.offheap.SlabAllocator;
import java.lang.foreign.MemorySegment;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * Release/acquire publication through a cell: a plain off-heap register write made before
 * {@code soLong(1)} is visible to a thread whose {@code lvLong()} returns 1.
 */
@JCStressTest
@Description("A release store to a cell publishes the plain register write before it.")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "flag not seen yet, data not seen yet")
@Outcome(id = "0, 42", expect = ACCEPTABLE, desc = "flag not seen yet, data already visible")
@Outcome(id = "1, 42", expect = ACCEPTABLE, desc = "flag seen, data published")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "flag seen but the data before it was not")
@State
public class AtomicCellPublicationStress {
    static final SlabAllocator REGISTERS = new SlabAllocator(64, 256);

    private final AtomicCell flag = AtomicCellAddStress.POOL.allocate();
    private final MemorySegment data = REGISTERS.allocate();

    public AtomicCellPublicationStress() {
        RegisterFile.spPayload(data, 0, 0);
    }

    @Actor
    public void writer() {
        RegisterFile.spPayload(data, 0, 42);
        flag.soLong(1);
    }

    @Actor
    public void reader(JJ_Result r) {
        r.r1 = flag.lvLong();
        r.r2 = RegisterFile.lpPayload(data, 0);
    }

    @Arbiter
    public void cleanUp() {
        flag.release();
        REGISTERS.free(data);
    }
}
