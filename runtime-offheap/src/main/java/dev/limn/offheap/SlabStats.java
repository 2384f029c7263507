package dev.limn.offheap;

/**
 * A snapshot of a {@link SlabAllocator}'s counters.
 *
 * @param liveBlocks    blocks handed out and not yet freed; exact whenever no thread is
 *                      inside allocate or free (in particular at program end)
 * @param peakBlocks    the highest live count observed (see {@link SlabAllocator#stats()}
 *                      for when it is sampled)
 * @param reservedBytes bytes of off-heap memory reserved by all slabs
 */
public record SlabStats(long liveBlocks, long peakBlocks, long reservedBytes) {}
