package dev.limn.sched.events;

import dev.limn.sched.Fiber;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** {@code limn.TaskEnd}: a task ended, with its outcome. Off by default, like {@link TaskStartEvent}. */
@Name("limn.TaskEnd")
@Category("Limn")
@Label("Task End")
@Description("A Limn task ended: ok, cancelled, terminated, or the kind of its unhandled error")
@Enabled(false)
@StackTrace(false)
public final class TaskEndEvent extends Event {
    /** {@link #outcome} of a task that ran to its end. */
    public static final String OK = "ok";
    /** {@link #outcome} of a task that raised Cancelled. */
    public static final String CANCELLED = "cancelled";
    /** {@link #outcome} of a task stopped at its next instruction (grace expired, deadlock). */
    public static final String TERMINATED = "terminated";

    @Label("Task Id")
    @Description("The task's number in its scheduler, as in TaskStart")
    public long taskId;

    @Label("Task")
    @Description("What the task is, as diagnostics name it")
    public String task;

    @Label("Outcome")
    @Description("ok, cancelled, terminated, or the kind of the error that ended the task (e.g. ValueError)")
    public String outcome;

    /** Records the end of {@code task} with {@code outcome}; its description is built only when recorded. */
    static void record(Fiber task, String outcome) {
        TaskEndEvent e = new TaskEndEvent();
        if (e.isEnabled()) {
            try {
                e.taskId = task.id();
                e.task = task.description();
                e.outcome = outcome;
                e.commit();
            } catch (OutOfMemoryError dropped) {
                // the event is lost; the task's end must still be reported
            }
        }
    }
}
