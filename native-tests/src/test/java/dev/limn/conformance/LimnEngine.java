package dev.limn.conformance;

import dev.limn.lang.CompileException;
import dev.limn.run.CompiledProgram;
import dev.limn.run.Limn;
import dev.limn.run.RunOptions;

import java.io.PrintStream;
import java.util.Map;

/**
 * The real engine: each run gets a runtime ({@link dev.limn.vm.Engine}) of its own, and
 * {@link #liveCounts} are that runtime's counts when its program ended, before it closed.
 */
public final class LimnEngine implements Engine {
    public static final LimnEngine INSTANCE = new LimnEngine();

    /** The live counts at the end of this thread's last run; all 0 before the first. */
    private final ThreadLocal<Map<String, Long>> lastCounts = ThreadLocal.withInitial(() -> Map.of(
            "tasks.live", 0L, "slab.blocks.live", 0L, "atomic.cells.live", 0L, "channels.open", 0L));

    private LimnEngine() {}

    @Override
    public CompiledProgram compile(String displayName, String text) throws CompileException {
        return Limn.compile(displayName, text);
    }

    @Override
    public int run(CompiledProgram program, RunOptions options, PrintStream out, PrintStream err) {
        try (dev.limn.vm.Engine runtime = Limn.engine(options)) {
            int status = Limn.run(runtime, program, options, out, err);
            lastCounts.set(runtime.liveCounts());
            return status;
        }
    }

    @Override
    public Map<String, Long> liveCounts() {
        return lastCounts.get();
    }
}
