package dev.limn.conformance;

import dev.limn.api.CompiledProgram;
import dev.limn.api.Limn;
import dev.limn.api.RunOptions;
import dev.limn.lang.CompileException;

import java.io.PrintStream;
import java.util.Map;

/** The real engine: the static calls of {@link Limn}. */
public final class LimnEngine implements Engine {
    public static final LimnEngine INSTANCE = new LimnEngine();

    private LimnEngine() {}

    @Override
    public CompiledProgram compile(String displayName, String text) throws CompileException {
        return Limn.compile(displayName, text);
    }

    @Override
    public int run(CompiledProgram program, RunOptions options, PrintStream out, PrintStream err) {
        return Limn.run(program, options, out, err);
    }

    @Override
    public Map<String, Long> liveCounts() {
        return Limn.liveCounts();
    }
}
