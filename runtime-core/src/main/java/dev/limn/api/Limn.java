package dev.limn.api;

import dev.limn.lang.CompileException;

import java.io.PrintStream;
import java.util.Map;

/**
 * The embedding API: compile a Limn program, run it with its output going to the given
 * streams, list its bytecode, and read the runtime's live resource counts.
 */
public final class Limn {
    private Limn() {}

    /**
     * Compiles {@code text}; {@code displayName} is the file name diagnostics show.
     *
     * @throws CompileException with every compile error of the file
     */
    public static CompiledProgram compile(String displayName, String text) throws CompileException {
        throw new IllegalStateException("the compiler is not wired in yet");
    }

    /**
     * Runs a compiled program to completion; {@code print} goes to {@code out}, diagnostics of
     * an unhandled error and {@code --stats} to {@code err}.
     *
     * @return the exit status: 0 on success, 1 on an unhandled runtime error
     */
    public static int run(CompiledProgram program, RunOptions options, PrintStream out, PrintStream err) {
        throw new IllegalStateException("the VM is not wired in yet");
    }

    /** The register bytecode listing of {@code limn disasm}. */
    public static String disassemble(CompiledProgram program) {
        throw new IllegalStateException("the VM is not wired in yet");
    }

    /**
     * Every "live" resource count of SPEC §8 (live tasks, slab blocks, atomic cells, open
     * channels...) by name; after a program ends each is 0.
     */
    public static Map<String, Long> liveCounts() {
        throw new IllegalStateException("the VM is not wired in yet");
    }
}
