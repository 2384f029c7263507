package dev.limn.conformance;

import java.util.ArrayList;
import java.util.List;

/**
 * What a conformance program promises, read from its comments:
 * <ul>
 *   <li>{@code // expect: TEXT} — the next stdout line; the whole of stdout must be exactly
 *       these lines in order. One space after the colon is dropped, everything after it is
 *       kept as written; {@code // expect:} alone stands for an empty line.</li>
 *   <li>{@code // expect-error: TEXT} — a substring of stderr; several must appear in order.</li>
 *   <li>{@code // exit: N} — the exit status; without it, 1 when an expect-error is present,
 *       else 0.</li>
 * </ul>
 * A comment may sit anywhere on a line, typically after the statement that prints.
 */
public record Expectations(List<String> stdoutLines, List<String> stderrFragments, int exitStatus,
                           boolean exitGiven) {

    static final String EXPECT = "// expect:";
    static final String EXPECT_ERROR = "// expect-error:";
    static final String EXIT = "// exit:";

    public Expectations {
        stdoutLines = List.copyOf(stdoutLines);
        stderrFragments = List.copyOf(stderrFragments);
    }

    /**
     * Parses the expectation comments of {@code text}.
     *
     * @throws IllegalArgumentException when an {@code // exit:} value is not an integer or
     *         is given twice, so a typo in a test never silently means "exit 0"
     */
    public static Expectations parse(String text) {
        List<String> out = new ArrayList<>();
        List<String> err = new ArrayList<>();
        Integer exit = null;
        String[] lines = text.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int at;
            if ((at = line.indexOf(EXPECT)) >= 0) {
                out.add(payload(line, at + EXPECT.length()));
            } else if ((at = line.indexOf(EXPECT_ERROR)) >= 0) {
                String fragment = payload(line, at + EXPECT_ERROR.length());
                if (fragment.isEmpty()) {
                    throw new IllegalArgumentException("line " + (i + 1) + ": empty // expect-error:");
                }
                err.add(fragment);
            } else if ((at = line.indexOf(EXIT)) >= 0) {
                if (exit != null) {
                    throw new IllegalArgumentException("line " + (i + 1) + ": second // exit:");
                }
                String value = line.substring(at + EXIT.length()).trim();
                try {
                    exit = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("line " + (i + 1) + ": bad // exit: value '" + value + "'");
                }
            }
        }
        boolean given = exit != null;
        int status = given ? exit : (err.isEmpty() ? 0 : 1);
        return new Expectations(out, err, status, given);
    }

    /** Whether the program states anything at all; a program that states nothing tests nothing. */
    public boolean isEmpty() {
        return stdoutLines.isEmpty() && stderrFragments.isEmpty() && !exitGiven;
    }

    /** The exact stdout these expectations describe: each line followed by a newline. */
    public String expectedStdout() {
        StringBuilder sb = new StringBuilder();
        for (String line : stdoutLines) {
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    private static String payload(String line, int from) {
        String rest = line.substring(from);
        return rest.startsWith(" ") ? rest.substring(1) : rest;
    }
}
