/**
 * Limn's flight recorder events ({@code jdk.jfr}): what the runtime did, for a recording made
 * with {@code limn run --jfr FILE} or {@code -XX:StartFlightRecording}, read with
 * {@code jfr print --events 'limn.*' FILE}. Every event is in the category "Limn" and records no
 * stack trace (a carrier's Java stack says nothing of the Limn program).
 *
 * <h2>Concepts</h2>
 * <table>
 *   <tr><td>{@link dev.limn.sched.events.TaskStartEvent}, {@link dev.limn.sched.events.TaskEndEvent}</td>
 *       <td>a task's first run and its end with the outcome (off by default: one pair per task)</td></tr>
 *   <tr><td>{@link dev.limn.sched.events.BlockBeginEvent}, {@link dev.limn.sched.events.BlockEndEvent}</td>
 *       <td>a block's start, and its completion as a duration event over its whole life</td></tr>
 *   <tr><td>{@link dev.limn.sched.events.ChannelBlockedEvent}</td><td>a park on a channel send or
 *       receive, from the park until the task takes up the operation again; threshold 1 ms</td></tr>
 *   <tr><td>{@link dev.limn.sched.events.StealEvent}</td><td>a carrier took a fiber from another</td></tr>
 *   <tr><td>{@link dev.limn.sched.events.TierExitEvent}</td><td>compiled code went back to the interpreter</td></tr>
 *   <tr><td>{@link dev.limn.sched.events.DeadlockEvent}</td><td>the scheduler found a deadlock</td></tr>
 *   <tr><td>{@link dev.limn.sched.events.FlightEvents}</td><td>the list of them all</td></tr>
 * </table>
 * The package is part of the {@code sched} layer, the lowest that emits events: {@code chan},
 * {@code block} and {@code vm} emit theirs through it.
 *
 * <h2>Cheap when off</h2>
 * Each event point is written {@code E e = new E(); if (e.isEnabled()) { ... e.commit(); }}
 * (directly, or inside a static {@code record} or {@code beginIfEnabled} of the event class):
 * nothing is computed (no description, no string) unless a recording wants the event. While
 * no recording has started, the event classes are not instrumented and {@code isEnabled()} is
 * {@code jdk.jfr.Event}'s final {@code return false}: inlined, the branch folds away and the
 * instance, which never escapes, is not allocated. With the flight recorder running, the
 * instrumented {@code isEnabled()} reads the event class's static configuration and its
 * enabled flag. An event kept across a wait (ChannelBlocked, BlockEnd) is tested on a
 * throw-away instance first, so the kept one is allocated only when recorded.
 *
 * <h2>Running out of memory</h2>
 * An event never costs the runtime a fiber, a wake-up or a completion: recording points on
 * those paths drop the event when the heap is full.
 */
package dev.limn.sched.events;
