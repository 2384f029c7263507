/**
 * Limn channels (SPEC §5.3).
 *
 * <h2>Concepts</h2>
 * <table>
 *   <tr><td>{@link dev.limn.chan.Channel}</td><td>bounded or unbounded MPMC channel of Objects over
 *       JCTools queues, with a fiber suspension protocol and a blocking host API</td></tr>
 *   <tr><td>{@code Waiter}</td><td>one parked receiver or sender (fiber or host thread); woken at most once</td></tr>
 *   <tr><td>{@link dev.limn.chan.ChannelClosedException}</td><td>a host thread sent on a closed channel</td></tr>
 * </table>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>FIFO per sender; every value received exactly once.</li>
 *   <li>A bounded channel never holds more than its capacity (permits gate the queue).</li>
 *   <li>End of stream is reported only when the channel is closed, no send is in flight and the
 *       queue is empty, or when the scheduler found the program quiescent.</li>
 *   <li>Register, re-check, park: a waker either sees the waiter or the waiter sees the change.</li>
 *   <li>A wake-up chosen for a waiter that then leaves is passed on
 *       ({@link dev.limn.chan.Channel#abandonWait}).</li>
 * </ul>
 */
package dev.limn.chan;
