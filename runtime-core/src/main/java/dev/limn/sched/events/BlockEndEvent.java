package dev.limn.sched.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code limn.BlockEnd}: a block completed (its body and every unit ended). A duration event:
 * begun when the block began, so its start time and duration are the block's whole life.
 * Recorded for blocks that began while a recording wanted this event.
 */
@Name("limn.BlockEnd")
@Category("Limn")
@Label("Block End")
@Description("A Limn concurrent or parallel block completed; the duration is the block's whole life")
@StackTrace(false)
public final class BlockEndEvent extends Event {
    @Label("Block Id")
    @Description("The block's number in its program run, as in BlockBegin")
    public long blockId;

    @Label("Kind")
    @Description("concurrent or parallel, and the mode: batch, stream or async")
    public String kind;

    @Label("Block")
    @Description("The block as diagnostics name it, with its source location")
    public String block;

    @Label("Units")
    @Description("Units the block started: tasks, workers, async calls, loop chunks (a task family counts each task)")
    public int units;

    @Label("Outcome")
    @Description("ok; the kind of the error the block raises (its first failure, Timeout); or terminated: "
            + "it raises none, but some units were stopped (grace expired, deadlock)")
    public String outcome;

    /** See {@link FlightEvents#blockBegin}. */
    static BlockEndEvent begin(AtomicLong ids, String kind, String block, long taskId) {
        BlockBeginEvent begin = new BlockBeginEvent();
        boolean endWanted = new BlockEndEvent().isEnabled();
        if (!begin.isEnabled() && !endWanted) {
            return null;
        }
        long id = ids.incrementAndGet();
        if (begin.isEnabled()) {
            begin.blockId = id;
            begin.kind = kind;
            begin.block = block;
            begin.taskId = taskId;
            begin.commit();
        }
        if (!endWanted) {
            return null;
        }
        BlockEndEvent end = new BlockEndEvent();
        end.blockId = id;
        end.kind = kind;
        end.block = block;
        end.begin();
        return end;
    }

    /** The block completed: ends and commits; running out of memory loses the event, never the completion. */
    void finish(int unitCount, String blockOutcome) {
        try {
            end();
            units = unitCount;
            outcome = blockOutcome;
            commit();
        } catch (OutOfMemoryError dropped) {
            // the completion must still happen
        }
    }
}
