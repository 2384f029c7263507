/**
 * Limn channels (SPEC §5.3).
 *
 * <h2>Concepts</h2>
 * <table>
 *   <tr><td>{@link dev.limn.chan.Channel}</td><td>bounded or unbounded MPMC channel, with a fiber
 *       suspension protocol, an unboxed int path for the VM, a blocking host API, and batch host
 *       transfers ({@code drain}, {@code putAll}: many values per CAS, for remote channels' bridges)</td></tr>
 *   <tr><td>{@code RingBuffer}</td><td>a bounded channel's values: Limn's own MPMC ring (a sequence
 *       number and an unboxed payload per slot, the close flag in the producer index)</td></tr>
 *   <tr><td>{@code UnboundedBuffer}</td><td>an unbounded channel's values: a JCTools unbounded MPMC
 *       queue with an in-flight count of sends</td></tr>
 *   <tr><td>{@code Waiter}</td><td>one parked receiver or sender (fiber or host thread); woken at most once</td></tr>
 *   <tr><td>{@link dev.limn.chan.ChannelClosedException}</td><td>a host thread sent on a closed channel</td></tr>
 * </table>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>FIFO per sender; every value received exactly once.</li>
 *   <li>A bounded channel never holds more than its capacity (the ring's slots, plus a count
 *       check for capacity 1).</li>
 *   <li>End of stream is reported only when the channel is closed, no send is in flight and the
 *       buffer is empty, or when the scheduler found the program quiescent.</li>
 *   <li>A receive never parks on a value a send has claimed but not yet published: it waits it
 *       out (a few instructions of a running thread).</li>
 *   <li>Register, re-check, park: a waker either sees the waiter or the waiter sees the change.</li>
 *   <li>A wake-up chosen for a waiter that then leaves is passed on
 *       ({@link dev.limn.chan.Channel#abandonWait}).</li>
 * </ul>
 */
package dev.limn.chan;
