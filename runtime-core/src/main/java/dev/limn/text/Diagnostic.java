package dev.limn.text;

/**
 * One message about a place in a source file, rendered in the format of SPEC §9:
 * <pre>
 * error[DivisionByZero]: division by zero
 *   --&gt; pipeline.lm:12:17
 *    |
 * 12 |     var x = a / b;
 *    |                 ^^^^^
 * </pre>
 * The gutter is as wide as the line number; the caret starts under column {@code col}. A
 * line longer than {@link #MAX_LINE} characters is cut to a window around the caret.
 * {@code kind} is null for compile errors, which render as {@code error: message}.
 * {@code notes} are extra lines rendered as {@code    = note}.
 */
public record Diagnostic(String kind, String message, Source source, Span span, java.util.List<String> notes) {
    /** Source lines longer than this are shown as a window around the caret, with "..." where cut. */
    static final int MAX_LINE = 120;

    public Diagnostic(String kind, String message, Source source, Span span) {
        this(kind, message, source, span, java.util.List.of());
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("error");
        if (kind != null) {
            sb.append('[').append(kind).append(']');
        }
        sb.append(": ").append(message).append('\n');
        if (source != null && span != null && span.line() > 0) {
            String lineNo = Integer.toString(span.line());
            String pad = " ".repeat(lineNo.length());
            String text = source.line(span.line()).replace('\t', ' ');
            sb.append(pad).append("--> ").append(source.name()).append(':')
                    .append(span.line()).append(':').append(span.col()).append('\n');
            sb.append(pad).append(" |\n");
            int caretCol = Math.max(1, Math.min(span.col(), text.length() + 1));
            if (text.length() > MAX_LINE) {
                // a window of the line around the caret, so that a long line is not printed whole
                int from = Math.max(0, Math.min(caretCol - 1 - MAX_LINE / 3, text.length() - MAX_LINE));
                int to = Math.min(text.length(), from + MAX_LINE);
                String before = from > 0 ? "..." : "";
                text = before + text.substring(from, to) + (to < text.length() ? "..." : "");
                caretCol += before.length() - from;
            }
            sb.append(lineNo).append(" | ").append(text).append('\n');
            int carets = Math.max(1, Math.min(span.length(), text.length() - caretCol + 1));
            sb.append(pad).append(" | ").append(" ".repeat(caretCol - 1)).append("^".repeat(carets)).append('\n');
        }
        for (String note : notes) {
            sb.append(source != null && span != null && span.line() > 0
                    ? " ".repeat(Integer.toString(span.line()).length()) : "").append(" = ").append(note).append('\n');
        }
        return sb.toString();
    }
}
