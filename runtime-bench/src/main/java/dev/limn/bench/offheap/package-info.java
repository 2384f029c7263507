/**
 * JMH benchmarks of runtime-offheap, each beside its plain-Java baseline in the same class
 * so a run reads as ratios (methodology: runtime-bench/README.md).
 *
 * <ul>
 *   <li>{@link dev.limn.bench.offheap.SlabAllocatorBench}: allocate+free pairs, one and two
 *       threads, against a plain per-thread {@code ArrayDeque} pool and a fresh arena.</li>
 *   <li>{@link dev.limn.bench.offheap.AtomicCellBench}: cell add, one and two threads,
 *       against {@code AtomicLong.getAndAdd}.</li>
 *   <li>{@link dev.limn.bench.offheap.RegisterAccessBench}: a register-machine loop over
 *       registers in a slab block through FFM VarHandles (what {@code RegisterFile} uses),
 *       through Agrona's {@code UnsafeBuffer} with and without bounds checks, and over
 *       plain {@code long[]}/{@code byte[]}.</li>
 * </ul>
 */
package dev.limn.bench.offheap;
