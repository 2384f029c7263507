package dev.limn.cli;

import dev.limn.run.CompiledProgram;
import dev.limn.run.Limn;
import dev.limn.run.RunOptions;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code limn explore FILE --runs N [--seed S]}: runs a program deterministically under the
 * seeds S, S + 1, ..., S + N - 1, each in a runtime of its own in this JVM, and reports every
 * distinct outcome (its output, exit status and error kind) with its count, the first seed that
 * produced it and the command that replays it.
 *
 * <p>The exit status is 0 when every run ended the same way and succeeded; 1 when the outcomes
 * differ or a run failed. A program whose outcomes may differ says so with a line
 * {@code // limn: expect nondeterminism}: then differing outcomes are not a failure (a run that
 * fails still is).
 */
final class Explore {
    /** The declaration of a program whose outcomes may differ from seed to seed. */
    static final Pattern EXPECTS_NONDETERMINISM = Pattern.compile("(?m)^\\s*//\\s*limn:\\s*expect nondeterminism\\s*$");
    /** Lines of an outcome's output shown in the report. */
    private static final int MAX_LINES = 20;
    private static final Pattern ERROR_KIND = Pattern.compile("(?m)^error\\[([A-Za-z]+)\\]");

    /** How one run ended: what it printed, its exit status, and the kind of its error (null: none). */
    record Outcome(String stdout, int status, String errorKind) {
        String describe() {
            return "exit " + status + (errorKind != null ? ", error " + errorKind : "");
        }
    }

    /** An outcome's runs: how many and the first seed. */
    private static final class Seen {
        final long firstSeed;
        final String firstStderr;
        int count;

        Seen(long firstSeed, String firstStderr) {
            this.firstSeed = firstSeed;
            this.firstStderr = firstStderr;
        }
    }

    private Explore() {
    }

    /**
     * Explores {@code program} (read from {@code file}, whose text is {@code text}) over
     * {@code runs} seeds from {@code seed}, printing the report on {@code out}.
     *
     * @return the exit status
     */
    static int explore(String file, String text, CompiledProgram program, int runs, long seed, RunOptions base, PrintStream out) {
        Map<Outcome, Seen> outcomes = new LinkedHashMap<>();
        for (int i = 0; i < runs; i++) {
            long s = seed + i;
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            int status;
            try (PrintStream o = new PrintStream(stdout, false, StandardCharsets.UTF_8);
                    PrintStream e = new PrintStream(stderr, false, StandardCharsets.UTF_8)) {
                status = Limn.run(program, base.withDeterministic(true).withSeed(s), o, e);
            }
            String err = stderr.toString(StandardCharsets.UTF_8);
            Matcher kind = ERROR_KIND.matcher(err);
            Outcome outcome = new Outcome(stdout.toString(StandardCharsets.UTF_8), status, kind.find() ? kind.group(1) : null);
            outcomes.computeIfAbsent(outcome, k -> new Seen(s, err)).count++;
        }
        boolean expected = EXPECTS_NONDETERMINISM.matcher(text).find();
        boolean anyFailed = false;
        out.println("explore: " + runs + " run" + (runs == 1 ? "" : "s") + " of " + file + ", seeds " + seed
                + (runs > 1 ? " to " + (seed + runs - 1) : "") + ", deterministic");
        List<Map.Entry<Outcome, Seen>> sorted = new ArrayList<>(outcomes.entrySet());
        sorted.sort((a, b) -> Integer.compare(b.getValue().count, a.getValue().count));
        int n = 0;
        for (Map.Entry<Outcome, Seen> e : sorted) {
            Outcome o = e.getKey();
            Seen seen = e.getValue();
            anyFailed |= o.status() != 0;
            out.println();
            out.println("outcome " + (++n) + ": " + seen.count + " run" + (seen.count == 1 ? "" : "s") + ", " + o.describe()
                    + ", first with seed " + seen.firstSeed);
            out.println("  output:");
            out.print(indent(o.stdout(), "    | "));
            if (!seen.firstStderr.isEmpty()) {
                out.println("  error output (seed " + seen.firstSeed + "):");
                out.print(indent(seen.firstStderr, "    | "));
            }
            out.println("  replay: limn run --deterministic --seed " + seen.firstSeed + replayOptions(base) + " " + file);
        }
        out.println();
        boolean differ = outcomes.size() > 1;
        if (differ) {
            out.println("explore: " + outcomes.size() + " distinct outcomes"
                    + (expected ? " (the program expects nondeterminism)" : ": the program is nondeterministic"));
        } else {
            out.println("explore: one outcome in every run");
        }
        if (anyFailed) {
            out.println("explore: some runs failed");
        }
        out.flush();
        return anyFailed || (differ && !expected) ? Main.EXIT_RUNTIME_ERROR : Main.EXIT_OK;
    }

    /** The options of {@code base} that change a run, as {@code limn run} takes them. */
    private static String replayOptions(RunOptions base) {
        StringBuilder sb = new StringBuilder();
        if (base.maxDepth() != RunOptions.DEFAULT_MAX_DEPTH) {
            sb.append(" --max-depth ").append(base.maxDepth());
        }
        return sb.toString();
    }

    /** {@code text} with {@code prefix} before each line, ending in a newline; "(nothing)" when empty. */
    private static String indent(String text, String prefix) {
        if (text.isEmpty()) {
            return prefix.stripTrailing().replace("|", "") + "(nothing)\n";
        }
        StringBuilder sb = new StringBuilder();
        String[] lines = text.split("\n", -1);
        int shown = text.endsWith("\n") ? lines.length - 1 : lines.length; // the split's empty last piece
        for (int i = 0; i < Math.min(shown, MAX_LINES); i++) {
            sb.append(prefix).append(lines[i]).append('\n');
        }
        if (shown > MAX_LINES) {
            sb.append(prefix).append("... (").append(shown - MAX_LINES).append(" more lines)\n");
        }
        if (!text.endsWith("\n")) {
            sb.append(prefix.stripTrailing().replace("|", "")).append("(no newline at the end)\n");
        }
        return sb.toString();
    }
}
