/**
 * The values that blocks and the VM both handle: what a failed operation raises, what an async
 * call or a block's handle completes, and durations. They sit below {@code dev.limn.block} so a
 * block can collect its units' errors and complete its future without knowing the VM.
 *
 * <table>
 *   <caption>Concepts</caption>
 *   <tr><th>concept</th><th>class</th></tr>
 *   <tr><td>an error value: kind, message, where it was raised, the task</td><td>{@link dev.limn.value.ErrorValue}</td></tr>
 *   <tr><td>an error on its way up the Java stack (no stack trace)</td><td>{@link dev.limn.value.LimnError}</td></tr>
 *   <tr><td>a future: completes once, wakes its waiting fibers, runs its callbacks</td><td>{@link dev.limn.value.FutureValue}</td></tr>
 *   <tr><td>a duration in nanoseconds, printed in its largest exact unit</td><td>{@link dev.limn.value.DurationValue}</td></tr>
 * </table>
 * Memory ordering: a future's outcome is published by a volatile {@code done} written after the
 * value and error; waiters register, then re-read {@code done}, so no wake-up is lost.
 */
package dev.limn.value;
