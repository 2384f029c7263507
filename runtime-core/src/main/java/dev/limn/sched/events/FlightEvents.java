package dev.limn.sched.events;

import dev.limn.sched.Blocked;
import dev.limn.sched.Fiber;

import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the runtime records its flight recorder events: one method per event point, each a
 * no-op until the flight recorder has been initialized in this JVM (by a recording started in
 * code, {@code limn run --jfr}, {@code -XX:StartFlightRecording} or {@code jcmd JFR.start}).
 *
 * <p>That gate ({@link #on()}) keeps the event classes unloaded while the flight recorder is
 * not in use: the JDK instruments an event class when it is loaded, and that first load sets up
 * the recorder's metadata (about a hundred JDK classes, some 100 ms of a cold start), whatever
 * the recording state. So no event class may be named where it runs without the gate: the
 * event types are reached only through this class, whose methods name them behind it.
 */
public final class FlightEvents {
    /** {@link #channelBlocked}'s operation of a send that found the channel full. */
    public static final String SEND = "send";
    /** {@link #channelBlocked}'s operation of a receive that found the channel empty. */
    public static final String RECEIVE = "receive";

    private FlightEvents() {}

    /** Every Limn event class, in the order of the package notes (loads them: call it to record). */
    public static List<Class<? extends Event>> types() {
        return List.of(TaskStartEvent.class, TaskEndEvent.class, BlockBeginEvent.class, BlockEndEvent.class,
                ChannelBlockedEvent.class, StealEvent.class, TierExitEvent.class, DeadlockEvent.class);
    }

    /**
     * Whether the flight recorder has been initialized: only then can a recording want an event.
     * One volatile static read; it never turns false again.
     */
    public static boolean on() {
        return FlightRecorder.isInitialized();
    }

    /** {@code task} begins its first run. */
    public static void taskStart(Fiber task) {
        if (on()) {
            TaskStartEvent.record(task);
        }
    }

    /** {@code task} ended with {@code outcome} ({@link TaskEndEvent#outcome}); work the outcome out behind {@link #on()}. */
    public static void taskEnd(Fiber task, String outcome) {
        if (on()) {
            TaskEndEvent.record(task, outcome);
        }
    }

    /**
     * A block begins (call behind {@link #on()}): records BlockBegin and begins its BlockEnd,
     * each if a recording wants it. Returns the BlockEnd to end with {@link #blockEnd}, or
     * null; {@code ids} numbers the blocks of the program run, moved only when one is recorded.
     */
    public static BlockEndEvent blockBegin(AtomicLong ids, String kind, String block, long taskId) {
        return on() ? BlockEndEvent.begin(ids, kind, block, taskId) : null;
    }

    /** The block of {@code end} (from {@link #blockBegin}) completed. */
    public static void blockEnd(BlockEndEvent end, int units, String outcome) {
        end.finish(units, outcome);
    }

    /** A task parks on a channel: the ChannelBlocked to end with {@link #channelWaitOver}, or null. */
    public static ChannelBlockedEvent channelBlocked(long channelId, String operation, long taskId) {
        return on() ? ChannelBlockedEvent.beginIfEnabled(channelId, operation, taskId) : null;
    }

    /** The wait of {@code blocked} (from {@link #channelBlocked}) is over. */
    public static void channelWaitOver(ChannelBlockedEvent blocked) {
        blocked.endWait();
    }

    /** Carrier {@code thief} took fiber {@code fiberId} from carrier {@code victim}. */
    public static void steal(int thief, int victim, long fiberId) {
        if (on()) {
            StealEvent.record(thief, victim, fiberId);
        }
    }

    /** Compiled code of {@code function} went back to the interpreter at {@code pc}; work the reason out behind {@link #on()}. */
    public static void tierExit(String function, int pc, String reason, long taskId) {
        if (on()) {
            TierExitEvent.record(function, pc, reason, taskId);
        }
    }

    /** The scheduler found a deadlock of {@code blocked}. */
    public static void deadlock(List<Blocked> blocked) {
        if (on()) {
            DeadlockEvent.record(blocked);
        }
    }
}
