package dev.limn.block;

import java.util.function.Function;

import dev.limn.sched.Carrier;
import dev.limn.sched.Fiber;

/**
 * A fiber that runs one {@link RangeChunk} with a {@link ChunkBody} written in Java (host
 * bodies and tests), through {@link RangeChunk#drive}. The VM runs chunks in its own task
 * contexts instead, whose interpreter loops over the chunk with {@link RangeChunk#nextIndex}.
 */
public final class ChunkFiber extends Fiber {

    private final RangeChunk chunk;
    private final ChunkBody body;

    /** @param bodyFor makes this fiber's body; it receives the fiber (to park it on channels) */
    public ChunkFiber(RangeChunk chunk, Function<Fiber, ChunkBody> bodyFor) {
        this.chunk = chunk;
        this.body = bodyFor.apply(this);
    }

    @Override
    protected Status run(Carrier carrier) {
        return chunk.drive(this, carrier, body);
    }

    @Override
    public String toString() {
        return "parallel " + chunk;
    }
}
