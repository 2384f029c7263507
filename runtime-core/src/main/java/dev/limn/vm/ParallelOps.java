package dev.limn.vm;

/**
 * Holds {@link Elements}, the element sequence of a parallel loop or task family, under the
 * name that {@link TaskContext}'s chunk state refers to it by. The loops that make these
 * sequences and run over them are {@link ParallelLoops}'.
 */
final class ParallelOps {
    private ParallelOps() {}

    /** The elements of a parallel loop by index: a range or a list snapshot. */
    interface Elements {
        long count();

        /** The element at {@code index}, boxed (for diagnostics). */
        Object at(long index);

        /** Puts the element at {@code index} in register {@code reg} of {@code t} (per iteration: no boxing for ranges). */
        void place(TaskContext t, int reg, long index);
    }
}
