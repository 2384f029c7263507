package dev.limn.conformance;

import dev.limn.lang.CompileException;
import dev.limn.run.CompiledProgram;
import dev.limn.run.RunOptions;
import dev.limn.text.Diagnostic;
import dev.limn.text.Source;
import dev.limn.text.Span;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for the VM that lets the harness be tested on its own. A "program" is a list of
 * directives, one per line (anything else, such as expectation comments, is ignored):
 * <pre>
 * out TEXT              print TEXT and a newline to stdout
 * raw TEXT              print TEXT to stdout without a newline
 * err TEXT              print TEXT and a newline to stderr
 * exit N                the exit status (default 0)
 * leak NAME N           the live count NAME is N after the run
 * compile-error L C MSG a compile error at line L, column C (several allowed)
 * throw MSG             compile throws IllegalStateException(MSG)
 * crash MSG             run throws IllegalStateException(MSG)
 * tier MODE DIRECTIVE   the run directive (out, raw, err, exit, leak, crash) only in tier MODE
 * </pre>
 */
final class FakeEngine implements Engine {
    private final Map<String, Long> live = new LinkedHashMap<>();
    RunOptions lastOptions;
    int runs;

    private record Program(String name, List<String> lines) implements CompiledProgram {}

    @Override
    public CompiledProgram compile(String displayName, String text) throws CompileException {
        List<Diagnostic> errors = new ArrayList<>();
        Source source = new Source(displayName, text);
        List<String> lines = text.lines().toList();
        for (String line : lines) {
            if (line.startsWith("throw ")) {
                throw new IllegalStateException(line.substring(6));
            }
            if (line.startsWith("compile-error ")) {
                String[] parts = line.split(" ", 4);
                int row = Integer.parseInt(parts[1]);
                int col = Integer.parseInt(parts[2]);
                errors.add(new Diagnostic(null, parts[3], source, new Span(row, col, 1)));
            }
        }
        if (!errors.isEmpty()) {
            throw new CompileException(errors);
        }
        return new Program(displayName, lines);
    }

    @Override
    public int run(CompiledProgram compiled, RunOptions options, PrintStream out, PrintStream err) {
        lastOptions = options;
        runs++;
        int status = 0;
        for (String directive : ((Program) compiled).lines()) {
            String line = directive;
            if (line.startsWith("tier ")) {
                String[] parts = line.split(" ", 3);
                if (!parts[1].equals(options.tier().toString())) {
                    continue;
                }
                line = parts[2];
            }
            if (line.startsWith("out ") || line.equals("out")) {
                out.println(line.length() > 4 ? line.substring(4) : "");
            } else if (line.startsWith("raw ")) {
                out.print(line.substring(4));
            } else if (line.startsWith("err ")) {
                err.println(line.substring(4));
            } else if (line.startsWith("exit ")) {
                status = Integer.parseInt(line.substring(5).trim());
            } else if (line.startsWith("leak ")) {
                String[] parts = line.split(" ");
                live.put(parts[1], Long.parseLong(parts[2]));
            } else if (line.startsWith("crash ")) {
                throw new IllegalStateException(line.substring(6));
            }
        }
        return status;
    }

    @Override
    public Map<String, Long> liveCounts() {
        Map<String, Long> counts = new LinkedHashMap<>(Map.of("tasks", 0L, "channels", 0L));
        counts.putAll(live);
        return counts;
    }
}
