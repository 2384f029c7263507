package dev.limn.conformance;

import dev.limn.lang.CompileException;
import dev.limn.run.CompiledProgram;
import dev.limn.run.RunOptions;

import java.io.PrintStream;
import java.util.Map;

/**
 * The part of the embedding API the harness drives. {@link LimnEngine} is the real one; the
 * harness's own tests substitute a fake, so expectation matching is tested without a VM.
 * Must change together with {@code dev.limn.run.Limn}.
 */
public interface Engine {
    CompiledProgram compile(String displayName, String text) throws CompileException;

    int run(CompiledProgram program, RunOptions options, PrintStream out, PrintStream err);

    Map<String, Long> liveCounts();
}
