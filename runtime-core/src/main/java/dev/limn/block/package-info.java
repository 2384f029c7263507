/**
 * Concurrent and parallel blocks (SPEC §5.1, §5.4, §6.2): what the compiler knows of a block,
 * the state of one running block, and the parallel-loop runtime.
 *
 * <h2>Concepts</h2>
 * <table>
 *   <tr><td>{@link dev.limn.block.BlockConfig}</td><td>the validated parameters of a block
 *       statement (compile-time errors list the valid names and values)</td></tr>
 *   <tr><td>{@link dev.limn.block.BlockSpec}</td><td>a block as a constant of the compiled
 *       function: configuration, whether it closes its output, its label for diagnostics</td></tr>
 *   <tr><td>{@link dev.limn.block.BlockRun}</td><td>one running block: units, pending count, Stop
 *       (first error, cancellation, counts), {@code cores} permits, output and input channels and
 *       the completion future</td></tr>
 *   <tr><td>{@link dev.limn.block.ParallelLoop}</td><td>one running parallel loop: chunk
 *       budget ({@code cores}), completion as one waitable unit, first-error-wins stop,
 *       cancellation</td></tr>
 *   <tr><td>{@link dev.limn.block.RangeChunk}</td><td>a loop's work item, an index range run by
 *       one fiber, split in half by its owner when a carrier is idle</td></tr>
 *   <tr><td>{@link dev.limn.block.ChunkBody}</td><td>runs one iteration of a chunk; may
 *       suspend and be resumed</td></tr>
 *   <tr><td>{@link dev.limn.block.ChunkFiber}</td><td>a chunk fiber with a Java body (host code,
 *       tests)</td></tr>
 *   <tr><td>{@link dev.limn.block.ParallelStats}</td><td>the {@code --stats} lines: carrier to CPU
 *       mapping, per-carrier iterations, chunks, splits, steals</td></tr>
 *   <tr><td>{@link dev.limn.block.LiveBlocks}</td><td>a run's blocks not yet complete, for task
 *       dumps: striped intrusive lists through the blocks, one lock to join and one to leave</td></tr>
 * </table>
 * Units are {@code dev.limn.vm.TaskContext} fibers started by the VM's SPAWN/SPAWNW/PARLOOP;
 * they report their end to their BlockRun, which completes when the body and every unit have
 * ended. A parallel block's units are the chunks of its loops.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>A chunk's range is touched only by its own fiber: splitting is done by the owner,
 *       which hands the upper half to a new chunk; thieves take whole chunks from the
 *       carriers' work-stealing deques.</li>
 *   <li>A loop's live-chunk count is raised before a chunk is spawned, by a live chunk, so it
 *       reaches zero once: when the whole loop is done.</li>
 *   <li>Every chunk is either cancelled by a stop or never spawned (both under the loop's lock).</li>
 * </ul>
 *
 * <h2>Memory order</h2>
 * Every shared field of a BlockRun is atomic or volatile; the completion future orders the
 * units' effects before whoever waits for it. A loop's stop and done flags are volatile; the
 * joiner handshake is store-then-load on both sides. Per-carrier iteration counts are written
 * by their carrier only (release) and flushed once per chunk run, before the chunk can
 * complete the loop.
 */
package dev.limn.block;
