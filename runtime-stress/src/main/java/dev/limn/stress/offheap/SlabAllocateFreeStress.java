package dev.limn.stress.offheap;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.offheap.SlabAllocator;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * No block is handed to two owners at once: one thread allocates while another frees a block
 * allocated by the state's creator and allocates, and the arbiter frees both on a third
 * thread, so blocks keep moving between per-thread caches through the shared free stack.
 */
@JCStressTest
@Description("Concurrent allocate and free never hand one slab block to two owners.")
@Outcome(id = "true, true", expect = ACCEPTABLE, desc = "distinct blocks, each kept its owner's mark")
@Outcome(expect = FORBIDDEN, desc = "one block handed to two owners")
@State
public class SlabAllocateFreeStress {
    /** Small slabs and few blocks: the caches run dry and spill often. */
    static final SlabAllocator SLAB = new SlabAllocator(64, 16);

    private final MemorySegment freedByActor = SLAB.allocate();
    private MemorySegment first;
    private MemorySegment second;

    @Actor
    public void allocateFirst() {
        MemorySegment block = SLAB.allocate();
        block.set(ValueLayout.JAVA_LONG, 0, 1L);
        first = block;
    }

    @Actor
    public void freeThenAllocateSecond() {
        SLAB.free(freedByActor);
        MemorySegment block = SLAB.allocate();
        block.set(ValueLayout.JAVA_LONG, 0, 2L);
        second = block;
    }

    @Arbiter
    public void check(ZZ_Result r) {
        r.r1 = first.address() != second.address();
        r.r2 = first.get(ValueLayout.JAVA_LONG, 0) == 1L && second.get(ValueLayout.JAVA_LONG, 0) == 2L;
        SLAB.free(first);
        SLAB.free(second);
    }
}
