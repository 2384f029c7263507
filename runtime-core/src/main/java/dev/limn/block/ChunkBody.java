package dev.limn.block;

import dev.limn.sched.Fiber;

/**
 * Runs the iterations of one parallel chunk, one at a time, for its {@link RangeChunk}. One
 * instance per chunk, used only by the chunk's fiber. An iteration may suspend (a send to a
 * full channel, say): it then returns {@link Fiber.Status#PARKED} or {@link Fiber.Status#YIELD}
 * from {@link #begin} or {@link #resume}, the chunk's fiber returns that status to its carrier
 * (which moves on to other work), and when the fiber runs again the chunk calls {@link #resume}.
 *
 * <p>An iteration fails by throwing. A throw after the loop was stopped (typically the
 * {@code Cancelled} error the interpreter raises at a safepoint once the chunk's fiber was
 * cancelled) counts as a cancellation, not as a failure.
 */
public interface ChunkBody {

    /** Starts iteration {@code index}: DONE when it ran to its end, PARKED or YIELD when it suspended. */
    Fiber.Status begin(long index);

    /** Continues the iteration that suspended; same results as {@link #begin}. */
    Fiber.Status resume();
}
