/**
 * jcstress tests of runtime-offheap's lock-free structures, one class per property.
 *
 * <ul>
 *   <li>{@link dev.limn.stress.offheap.SlabAllocateFreeStress}: no block is handed to two
 *       owners at once while blocks are allocated and freed on different threads.</li>
 *   <li>{@link dev.limn.stress.offheap.AtomicCellAddStress}: concurrent adds lose no update
 *       (ints and floats).</li>
 *   <li>{@link dev.limn.stress.offheap.AtomicCellCasStress} and
 *       {@link dev.limn.stress.offheap.AtomicCellSwapStress}: CAS and swap are
 *       linearizable.</li>
 *   <li>{@link dev.limn.stress.offheap.AtomicCellPublicationStress}: a release store to a
 *       cell publishes the plain writes before it to an acquire load that sees it.</li>
 *   <li>{@link dev.limn.stress.offheap.AtomicCellReserveReleaseStress}: a reserve racing the
 *       last release never resurrects a freed cell, and two holders releasing at once bring
 *       the count to 0 exactly and free the block, never under a holder.</li>
 * </ul>
 * States share one static allocator or pool (creating an arena per state would dominate the
 * run); arbiters free what the actors allocated, so the pools stay bounded.
 */
package dev.limn.stress.offheap;
