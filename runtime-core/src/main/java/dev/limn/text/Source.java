package dev.limn.text;

import java.util.ArrayList;
import java.util.List;

/** A source file: the name diagnostics show (as the user wrote it) and its text, split into lines once. */
public final class Source {
    private final String name;
    private final String text;
    private final List<String> lines;

    public Source(String name, String text) {
        this.name = name;
        this.text = text;
        this.lines = splitLines(text);
    }

    public String name() {
        return name;
    }

    public String text() {
        return text;
    }

    /** The 1-based line {@code line} without its terminator, or "" when out of range. */
    public String line(int line) {
        return line >= 1 && line <= lines.size() ? lines.get(line - 1) : "";
    }

    public int lineCount() {
        return lines.size();
    }

    private static List<String> splitLines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                int end = i > start && text.charAt(i - 1) == '\r' ? i - 1 : i;
                out.add(text.substring(start, end));
                start = i + 1;
            }
        }
        out.add(text.substring(start));
        return out;
    }
}
