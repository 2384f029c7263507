/**
 * jcstress tests of the completion protocols of blocks and parallel loops, one class per
 * property.
 *
 * <ul>
 *   <li>{@link dev.limn.stress.block.BlockCompletionStress}: a block completes exactly once,
 *       after its body ended and every unit finished.</li>
 *   <li>{@link dev.limn.stress.block.BlockStopStartStress}: a unit that starts while its block
 *       stops is cancelled.</li>
 *   <li>{@link dev.limn.stress.block.ParallelLoopSplitStress}: every index runs exactly once
 *       and the loop completes after its last chunk, when a split races the end of a
 *       chunk.</li>
 *   <li>{@link dev.limn.stress.block.ParallelLoopJoinStress}: the fiber joining a loop is never
 *       left parked on a finished loop.</li>
 * </ul>
 * Loops run on a shared scheduler that never runs a fiber: the tests' threads step the chunks
 * as the VM's chunk tasks do, and a chunk split off waits, unspawned, until a thread picks it.
 */
package dev.limn.stress.block;
