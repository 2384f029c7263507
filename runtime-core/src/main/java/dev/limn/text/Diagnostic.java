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
 * The gutter is as wide as the line number; the caret starts under column {@code col}.
 * {@code kind} is null for compile errors, which render as {@code error: message}.
 * {@code notes} are extra lines rendered as {@code    = note}.
 */
public record Diagnostic(String kind, String message, Source source, Span span, java.util.List<String> notes) {

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
            sb.append(lineNo).append(" | ").append(text).append('\n');
            int caretCol = Math.max(1, Math.min(span.col(), text.length() + 1));
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
