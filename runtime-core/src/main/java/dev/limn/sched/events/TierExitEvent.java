package dev.limn.sched.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * {@code limn.TierExit}: compiled code left its frame to the interpreter because a guard failed
 * (an operand's tag was not the one compiled for) or the instruction raises; counted as a guard
 * exit in {@code --stats}.
 */
@Name("limn.TierExit")
@Category("Limn")
@Label("Tier Exit")
@Description("Limn's compiled code went back to the interpreter on a failed guard or an instruction that raises")
@StackTrace(false)
public final class TierExitEvent extends Event {
    @Label("Function")
    @Description("The function whose compiled code exited")
    public String function;

    @Label("PC")
    @Description("The instruction where the interpreter goes on (see limn disasm)")
    public int pc;

    @Label("Reason")
    @Description("What left: the opcode, and the guess the guard failed when that is known")
    public String reason;

    @Label("Task Id")
    @Description("The task running the code")
    public long taskId;

    static void record(String function, int pc, String reason, long taskId) {
        try {
            TierExitEvent e = new TierExitEvent();
            if (e.isEnabled()) {
                e.function = function;
                e.pc = pc;
                e.reason = reason;
                e.taskId = taskId;
                e.commit();
            }
        } catch (OutOfMemoryError dropped) {
            // the event is lost, not the exit
        }
    }
}
