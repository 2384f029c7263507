package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.limn.lang.CompileException;
import dev.limn.run.CompiledProgram;
import dev.limn.run.Limn;
import dev.limn.run.RunOptions;
import dev.limn.vm.Engine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs Limn source text in tests and captures exit status, stdout and stderr. */
final class LimnRunner {
    record Result(int status, String out, String err) {}

    private LimnRunner() {}

    static Result run(String text) {
        return run("test.lm", text, RunOptions.defaults().withSeed(42L));
    }

    /** Runs {@code text}, named {@code name} in diagnostics, with {@code options}. */
    static Result run(String name, String text, RunOptions options) {
        CompiledProgram program;
        try {
            program = Limn.compile(name, text);
        } catch (CompileException e) {
            return new Result(2, "", e.render());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (Engine engine = Limn.engine(options)) {
            status = Limn.run(engine, program, options,
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            for (var e : engine.liveCounts().entrySet()) {
                assertEquals(0L, e.getValue(), e.getKey() + " still live after the run");
            }
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs a program that must succeed; returns its stdout. */
    static String out(String text) {
        Result r = run(text);
        assertEquals(0, r.status(), () -> "exit status; stderr:\n" + r.err());
        return r.out();
    }
}
