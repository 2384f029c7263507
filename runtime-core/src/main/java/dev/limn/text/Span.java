package dev.limn.text;

/**
 * A region of source text: {@code line} and {@code col} are 1-based and name the first
 * character; {@code length} is the number of characters underlined by a caret (at least 1
 * when rendered).
 */
public record Span(int line, int col, int length) {
    public static final Span NONE = new Span(0, 0, 0);

    /** The span from the start of this one to the end of {@code other} when both are on one line. */
    public Span to(Span other) {
        if (other.line != line || other.col < col) {
            return this;
        }
        return new Span(line, col, Math.max(length, other.col + other.length - col));
    }

    @Override
    public String toString() {
        return line + ":" + col;
    }
}
