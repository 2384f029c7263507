package dev.limn.conformance;

import dev.limn.lang.CompileException;
import dev.limn.run.CompiledProgram;
import dev.limn.run.RunOptions;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Runs one program in-process the way {@code limn run --seed 42 FILE} does: a compile error
 * is rendered to stderr with exit status 2; otherwise the program runs with its stdout and
 * stderr captured as UTF-8. The live resource counts are read afterwards in both cases.
 *
 * <p>Exceptions other than {@link CompileException} are not caught: a Java exception that
 * escapes the engine is a Limn bug and must fail the test that saw it.
 */
public final class ProgramRunner {
    /** The seed of {@code random()} for every conformance program, so output is reproducible. */
    public static final long SEED = 42L;

    private final Engine engine;
    private final RunOptions options;

    /** A runner with the options of {@code limn run --seed 42}. */
    public ProgramRunner(Engine engine) {
        this(engine, RunOptions.defaults().withSeed(SEED));
    }

    /** A runner with other options, e.g. one carrier, to run the same corpus in another mode. */
    public ProgramRunner(Engine engine, RunOptions options) {
        this.engine = engine;
        this.options = options;
    }

    public RunOptions options() {
        return options;
    }

    public RunResult run(String displayName, String text) {
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        int status;
        Map<String, Long> before;
        try (PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
             PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8)) {
            CompiledProgram program = null;
            try {
                program = engine.compile(displayName, text);
            } catch (CompileException e) {
                err.print(e.render());
            }
            before = engine.liveCounts();
            status = program == null ? 2 : engine.run(program, options, out, err);
        }
        return new RunResult(status, decode(outBytes), decode(errBytes), engine.liveCounts(), before);
    }

    private static String decode(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8).replace("\r\n", "\n");
    }
}
