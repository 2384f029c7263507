package dev.limn.sched.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * {@code limn.ChannelBlocked}: a task parked on a channel send or receive. Begun when the task
 * parks, ended when it runs again and takes up the operation (woken, at end of stream, or when it
 * leaves the wait, cancelled): the duration includes the wait for a carrier after the wake-up.
 * Only waits of at least the threshold are recorded (a recording's {@code threshold} setting
 * changes it).
 */
@Name("limn.ChannelBlocked")
@Category("Limn")
@Label("Channel Blocked")
@Description("A Limn task was parked on a channel send or receive")
@Threshold("1 ms")
@StackTrace(false)
public final class ChannelBlockedEvent extends Event {
    @Label("Channel Id")
    @Description("The channel's number in its runtime (1, 2, ... in creation order; 0: not numbered)")
    public long channelId;

    @Label("Operation")
    @Description("send or receive")
    public String operation;

    @Label("Task Id")
    @Description("The task that waited")
    public long taskId;

    /** A ChannelBlocked begun now, or null when no recording wants it (see the package notes: no allocation then). */
    static ChannelBlockedEvent beginIfEnabled(long channelId, String operation, long taskId) {
        if (!new ChannelBlockedEvent().isEnabled()) {
            return null;
        }
        ChannelBlockedEvent e = new ChannelBlockedEvent();
        e.channelId = channelId;
        e.operation = operation;
        e.taskId = taskId;
        e.begin();
        return e;
    }

    /** The wait is over: commits the event if it lasted at least the threshold (never throws: a wake-up may be in hand). */
    void endWait() {
        try {
            end();
            if (shouldCommit()) {
                commit();
            }
        } catch (OutOfMemoryError dropped) {
            // the event is lost, not the wake-up
        }
    }
}
