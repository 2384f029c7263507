package dev.limn.sched.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** {@code limn.BlockBegin}: a {@code concurrent} or {@code parallel} block statement starts. */
@Name("limn.BlockBegin")
@Category("Limn")
@Label("Block Begin")
@Description("A Limn concurrent or parallel block starts")
@StackTrace(false)
public final class BlockBeginEvent extends Event {
    @Label("Block Id")
    @Description("The block's number in its program run, as in BlockEnd (numbered only while recorded)")
    public long blockId;

    @Label("Kind")
    @Description("concurrent or parallel, and the mode: batch, stream or async")
    public String kind;

    @Label("Block")
    @Description("The block as diagnostics name it, with its source location: concurrent block at f.lm:2:1")
    public String block;

    @Label("Task Id")
    @Description("The task running the block's body")
    public long taskId;
}
