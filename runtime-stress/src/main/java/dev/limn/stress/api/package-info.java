/**
 * jcstress tests of the embedding API's host channels ({@link dev.limn.api.LimnChannel}) as a
 * host uses them, from plain Java threads, one class per property.
 *
 * <ul>
 *   <li>{@link dev.limn.stress.api.HostChannelSendCloseStress} (unbounded) and
 *       {@link dev.limn.stress.api.HostChannelSendCloseBoundedStress} (capacity 1, so both
 *       host threads park and wake each other): items a host sends and then closes reach a
 *       host receiving until end of stream exactly once, in order, then end of stream.</li>
 *   <li>{@link dev.limn.stress.api.HostChannelCloseRaceStress} (unbounded) and
 *       {@link dev.limn.stress.api.HostChannelCloseRaceBoundedStress} (capacity 1, a send
 *       waiting for room when the close comes): a host send racing a host close is either
 *       delivered once before end of stream or fails with the closed-channel error; never
 *       lost silently, never delivered after end of stream.</li>
 * </ul>
 * The tests drive the public API itself, not the channel under it: a receive registers the host
 * as a possible consumer and converts values, a send converts and turns CLOSED into the
 * closed-channel error. Every state's channel comes from one static runtime
 * ({@code HostChannels.RUNTIME}); the arbiters receive once more after end
 * of stream, which must be end of stream again.
 */
package dev.limn.stress.api;
