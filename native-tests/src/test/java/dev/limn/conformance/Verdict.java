package dev.limn.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Judges a {@link RunResult} against {@link Expectations}. Besides what a program states,
 * two rules hold for every program: no Java stack trace reaches the user, and every live
 * resource count is zero once the program has ended (SPEC §8).
 */
public final class Verdict {
    /** A line of a Java stack trace, or the JVM's report of an uncaught exception. */
    static final Pattern JAVA_STACK_TRACE = Pattern.compile(
            "(?m)^\\s+at [\\w$.]+\\([^)]*\\)\\s*$|Exception in thread \"|^Caused by: [\\w$.]+");

    private Verdict() {}

    /** Every way {@code result} departs from {@code expected}; empty when it conforms. */
    public static List<String> problems(Expectations expected, RunResult result) {
        List<String> problems = new ArrayList<>();
        if (result.status() != expected.exitStatus()) {
            problems.add("exit status: expected " + expected.exitStatus() + ", got " + result.status());
        }
        String stdoutProblem = compareStdout(expected.stdoutLines(), result.stdout());
        if (stdoutProblem != null) {
            problems.add(stdoutProblem);
        }
        int from = 0;
        for (String fragment : expected.stderrFragments()) {
            int at = result.stderr().indexOf(fragment, from);
            if (at < 0) {
                boolean anywhere = result.stderr().contains(fragment);
                problems.add("stderr lacks «" + fragment + "»" + (anywhere ? " after the earlier fragments (order)" : ""));
            } else {
                from = at + fragment.length();
            }
        }
        if (JAVA_STACK_TRACE.matcher(result.stderr()).find() || JAVA_STACK_TRACE.matcher(result.stdout()).find()) {
            problems.add("a Java stack trace reached the user");
        }
        Map<String, Long> leaks = new TreeMap<>();
        result.liveCounts().forEach((name, count) -> {
            if (count != 0) {
                leaks.put(name, count);
            }
        });
        if (!leaks.isEmpty()) {
            Map<String, Long> earlier = new TreeMap<>();
            result.liveBefore().forEach((name, count) -> {
                if (count != 0) {
                    earlier.put(name, count);
                }
            });
            problems.add("live resources after the program ended: " + leaks
                    + (earlier.isEmpty() ? "" : " (already live before it ran, left by an earlier program: " + earlier + ")"));
        }
        return problems;
    }

    /** The failure message: the program, each problem, expected and actual stdout, and stderr. */
    public static String report(String program, Expectations expected, RunResult result, List<String> problems) {
        StringBuilder sb = new StringBuilder();
        sb.append(program).append(": ").append(problems.size()).append(problems.size() == 1 ? " problem" : " problems").append('\n');
        for (String problem : problems) {
            sb.append("  - ").append(problem).append('\n');
        }
        sb.append("--- expected stdout (exit ").append(expected.exitStatus()).append(") ---\n");
        appendLines(sb, expected.expectedStdout());
        sb.append("--- actual stdout (exit ").append(result.status()).append(") ---\n");
        appendLines(sb, result.stdout());
        if (!expected.stderrFragments().isEmpty()) {
            sb.append("--- expected in stderr, in order ---\n");
            for (String fragment : expected.stderrFragments()) {
                sb.append("| ").append(fragment).append('\n');
            }
        }
        sb.append("--- actual stderr ---\n");
        appendLines(sb, result.stderr());
        return sb.toString();
    }

    private static String compareStdout(List<String> expectedLines, String stdout) {
        String expected = String.join("\n", expectedLines) + (expectedLines.isEmpty() ? "" : "\n");
        if (expected.equals(stdout)) {
            return null;
        }
        if (!stdout.isEmpty() && !stdout.endsWith("\n")) {
            return "stdout does not end with a newline";
        }
        List<String> actualLines = stdout.isEmpty() ? List.of() : List.of(stdout.substring(0, stdout.length() - 1).split("\n", -1));
        int n = Math.min(expectedLines.size(), actualLines.size());
        for (int i = 0; i < n; i++) {
            if (!expectedLines.get(i).equals(actualLines.get(i))) {
                return "stdout line " + (i + 1) + ": expected «" + expectedLines.get(i) + "», got «" + actualLines.get(i) + "»";
            }
        }
        return expectedLines.size() > actualLines.size()
                ? "stdout ends after " + actualLines.size() + " lines; expected " + expectedLines.size()
                : "stdout has " + (actualLines.size() - expectedLines.size()) + " extra lines, from «" + actualLines.get(n) + "»";
    }

    /** Each line behind a "| " gutter, so empty lines and trailing spaces are visible. */
    private static void appendLines(StringBuilder sb, String text) {
        if (text.isEmpty()) {
            sb.append("(empty)\n");
            return;
        }
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        for (String line : body.split("\n", -1)) {
            sb.append("| ").append(line).append('\n');
        }
        if (!text.endsWith("\n")) {
            sb.append("(no newline at end)\n");
        }
    }
}
