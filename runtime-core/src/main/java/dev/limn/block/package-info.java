/**
 * Concurrent and parallel blocks (SPEC §5.1, §5.4, §6.2).
 *
 * <h2>Concepts</h2>
 * <table>
 *   <tr><td>{@link dev.limn.block.BlockConfig}</td><td>a block's validated parameters</td></tr>
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
 * </table>
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
 * A loop's stop and done flags are volatile; the joiner handshake is store-then-load on both
 * sides. Per-carrier iteration counts are written by their carrier only (release) and flushed
 * once per chunk run, before the chunk can complete the loop.
 */
package dev.limn.block;
