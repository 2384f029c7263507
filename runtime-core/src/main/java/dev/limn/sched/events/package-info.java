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
 *   <tr><td>{@link dev.limn.sched.events.FlightEvents}</td><td>the one way in: a method per event
 *       point behind the gate, and the list of the event classes</td></tr>
 * </table>
 * The package is part of the {@code sched} layer, the lowest that emits events: {@code chan},
 * {@code block} and {@code vm} emit theirs through it.
 *
 * <h2>Cheap when off</h2>
 * Every event point calls {@link dev.limn.sched.events.FlightEvents}, whose methods do nothing
 * until the flight recorder has been initialized in the JVM (one static volatile read), and
 * whose callers build no string (a description, a reason) before that read. Behind the gate,
 * an event is written {@code E e = new E(); if (e.isEnabled()) { ... e.commit(); }}: the
 * instance never escapes and the JIT removes it; an event kept across a wait (ChannelBlocked,
 * BlockEnd) is asked on a throw-away instance first, so the kept one is allocated only when
 * recorded. No event class may be named where code runs without the gate: loading one sets up
 * the recorder's metadata, whatever the recording state (see {@code FlightEvents}).
 *
 * <h2>Running out of memory</h2>
 * An event never costs the runtime a fiber, a wake-up or a completion: recording points on
 * those paths drop the event when the heap is full.
 */
package dev.limn.sched.events;
