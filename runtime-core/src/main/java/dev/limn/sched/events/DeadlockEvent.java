package dev.limn.sched.events;

import dev.limn.sched.Blocked;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

import java.util.List;

/** {@code limn.Deadlock}: the scheduler found every live task blocked with nothing left to wake one. */
@Name("limn.Deadlock")
@Category("Limn")
@Label("Deadlock")
@Description("The Limn scheduler found a deadlock")
@StackTrace(false)
public final class DeadlockEvent extends Event {
    @Label("Blocked Tasks")
    @Description("How many tasks were blocked")
    public int blockedTasks;

    @Label("Tasks")
    @Description("Each blocked task and what it waits on, separated by '; '")
    public String tasks;

    /**
     * Records a deadlock of {@code blocked}; the descriptions are built only when recorded.
     * Running out of memory for them loses the event, never the scheduler's look at quiescence.
     */
    static void record(List<Blocked> blocked) {
        DeadlockEvent e = new DeadlockEvent();
        if (!e.isEnabled()) {
            return;
        }
        try {
            StringBuilder sb = new StringBuilder();
            for (Blocked b : blocked) {
                if (!sb.isEmpty()) {
                    sb.append("; ");
                }
                sb.append(b.fiber().description()).append(" waits on ").append(b.description());
            }
            e.blockedTasks = blocked.size();
            e.tasks = sb.toString();
            e.commit();
        } catch (OutOfMemoryError dropped) {
            // the deadlock is still reported; only its event is lost
        }
    }
}
