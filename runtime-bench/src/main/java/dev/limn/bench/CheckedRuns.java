package dev.limn.bench;

import dev.limn.run.CompiledProgram;
import dev.limn.run.Limn;
import dev.limn.run.RunOptions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs compiled Limn benchmark programs and checks what they print: every line a run prints
 * must equal the result the benchmark expects. Output is captured in memory, so printing costs
 * no I/O inside the measurement; {@link #verify()} checks it at the end of each iteration.
 */
final class CheckedRuns {
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);
    private final RunOptions options;
    private String lastExpected;

    CheckedRuns(RunOptions options) {
        this.options = options;
    }

    /** Compiles the benchmark program {@code /limn/FILE} from the class path. */
    static CompiledProgram compile(String file) throws Exception {
        String path = "/limn/" + file;
        try (InputStream in = CheckedRuns.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("missing benchmark program " + path);
            }
            return Limn.compile(file, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** Runs {@code program}; a failing run ends the benchmark. */
    int run(CompiledProgram program, String expected) {
        lastExpected = expected;
        int status = Limn.run(program, options, out, System.err);
        if (status != 0) {
            throw new IllegalStateException("program failed with status " + status);
        }
        return status;
    }

    /** Checks every line printed since the last call against the expected result. */
    void verify() {
        String printed = captured.toString(StandardCharsets.UTF_8);
        captured.reset();
        for (String line : printed.split("\n")) {
            if (lastExpected != null && !line.isEmpty() && !line.equals(lastExpected)) {
                throw new IllegalStateException("expected " + lastExpected + " but the program printed " + line);
            }
        }
    }
}
