package dev.limn.lang;

import dev.limn.text.Span;

import java.util.List;

/**
 * One token of a Limn source file.
 *
 * <p>{@code line}/{@code col} name its first character (1-based) and {@code endLine}/{@code endCol}
 * the position just after its last one, which is where a missing {@code ;} is reported.
 * {@code value} depends on the kind:
 * <ul>
 *   <li>{@code INT}: a {@link Long}, or the {@link java.math.BigInteger} 2<sup>63</sup> for the one
 *       literal that only fits when negated ({@code -9223372036854775808}); the parser decides.
 *   <li>{@code FLOAT}: a {@link Double}; {@code DURATION}: a {@link Long} of nanoseconds.
 *   <li>{@code STRING}: a {@code List<Object>} of parts in order, each a {@link String} (text with
 *       escapes applied) or a {@code List<Token>} (the tokens of an interpolated expression,
 *       ending with an {@code EOF} token placed at its closing brace).
 *   <li>{@code IDENT}: the name; otherwise null.
 * </ul>
 */
public record Token(TokenKind kind, String text, Object value, int line, int col, int length,
                    int endLine, int endCol) {

    public Span span() {
        return new Span(line, col, Math.max(1, length));
    }

    /** A span of one character just after this token. */
    public Span after() {
        return new Span(endLine, endCol, 1);
    }

    /** True for a string without interpolation. */
    public boolean isPlainString() {
        if (kind != TokenKind.STRING) {
            return false;
        }
        for (Object part : (List<?>) value) {
            if (!(part instanceof String)) {
                return false;
            }
        }
        return true;
    }

    /** How diagnostics quote this token: {@code 'foo'}, or a description for the end of file. */
    public String describe() {
        if (kind == TokenKind.EOF && text.isEmpty()) {
            return "end of file";
        }
        String shown = text.length() > 24 ? text.substring(0, 21) + "..." : text;
        int newline = shown.indexOf('\n');
        if (newline >= 0) {
            shown = shown.substring(0, newline) + "...";
        }
        return "'" + shown + "'";
    }

    @Override
    public String toString() {
        return kind + (kind.keyword || kind == TokenKind.EOF ? "" : "(" + text + ")") + "@" + line + ":" + col;
    }
}
