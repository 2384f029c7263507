package dev.limn.sched.events;

import dev.limn.sched.Fiber;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * {@code limn.TaskStart}: a task (a fiber of the VM: the main task, a block's task or worker, an
 * async call, a parallel loop's or task family's chunk) begins its first run. Off by default,
 * like the JDK's virtual-thread events: a program may start millions of tasks.
 */
@Name("limn.TaskStart")
@Category("Limn")
@Label("Task Start")
@Description("A Limn task begins its first run on a carrier")
@Enabled(false)
@StackTrace(false)
public final class TaskStartEvent extends Event {
    @Label("Task Id")
    @Description("The task's number in its scheduler (1, 2, ...), as in TaskEnd, ChannelBlocked and Steal")
    public long taskId;

    @Label("Task")
    @Description("What the task is, as diagnostics name it: task 2 of concurrent block at f.lm:3:1")
    public String task;

    /** Records the start of {@code task}; its description is built only when recorded. */
    static void record(Fiber task) {
        TaskStartEvent e = new TaskStartEvent();
        if (e.isEnabled()) {
            e.taskId = task.id();
            e.task = task.description();
            e.commit();
        }
    }
}
