package dev.limn.sched.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** {@code limn.Steal}: a carrier with no work of its own took a fiber from another carrier's queues. */
@Name("limn.Steal")
@Category("Limn")
@Label("Steal")
@Description("A Limn carrier took a fiber from another carrier's deque or inbox")
@StackTrace(false)
public final class StealEvent extends Event {
    @Label("Thief")
    @Description("The index of the carrier that took the fiber (0-based)")
    public int thief;

    @Label("Victim")
    @Description("The index of the carrier it was taken from")
    public int victim;

    @Label("Fiber Id")
    @Description("The fiber taken: a task's id, as in TaskStart")
    public long fiberId;

    /** Records a steal; running out of memory for it loses the event, never the fiber in hand. */
    static void record(int thief, int victim, long fiberId) {
        try {
            StealEvent e = new StealEvent();
            if (e.isEnabled()) {
                e.thief = thief;
                e.victim = victim;
                e.fiberId = fiberId;
                e.commit();
            }
        } catch (OutOfMemoryError dropped) {
            // an event is not worth losing a fiber for
        }
    }
}
