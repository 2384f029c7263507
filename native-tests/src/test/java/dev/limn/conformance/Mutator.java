package dev.limn.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Broken versions of a valid program, for the compiler robustness test: truncations at every
 * {@value #TRUNCATION_STEP}th length, and {@value #MUTATIONS_PER_FILE} variants with one to
 * three random edits each (delete a span, insert a token, replace a character, duplicate a
 * span, delete a line). The same text and seed always give the same variants, so a failure
 * reproduces.
 */
public final class Mutator {
    public static final int TRUNCATION_STEP = 7;
    public static final int MUTATIONS_PER_FILE = 20;
    public static final long SEED = 42L;

    /**
     * Tokens chosen to upset a lexer and parser: brackets and quotes that open without closing,
     * keywords out of place, literals at the edge of their range, odd characters.
     */
    static final List<String> TOKENS = List.of(
            "(", ")", "{", "}", "[", "]", ";", ",", ".", "..", "..<", ":", "=", "==", "+=", "+", "-",
            "*", "**", "/", "%", "!", "~", "?", "?else", "|", "&&", "\"", "\"{", "}\"", "\\", "\\u{", "/*",
            "*/", "//", "'", "@", "#", "$", "fn", "var", "if", "elif", "else", "while", "for", "iter",
            "in", "from", "break", "continue", "return", "attempt", "handle", "async", "await",
            "concurrent", "parallel", "task", "worker", "err", "ok", "nil", "true", "and", "not", "0",
            "-1", "9223372036854775807", "9223372036854775808", "0x", "0xfffffffffffffffff", "0b2",
            "1e", "1e999", "1.5.5", "1_", "5ms", "1.5x", "_", "é", "\uD83D\uDE00", "\n", "\t", "\r", "\u0000");

    /** One broken program and how it was made, for the failure message. */
    public record Variant(String description, String text) {}

    private Mutator() {}

    /** Every prefix of {@code text} whose length is a multiple of {@value #TRUNCATION_STEP}, shortest first. */
    public static List<Variant> truncations(String text) {
        List<Variant> out = new ArrayList<>();
        for (int length = 0; length < text.length(); length += TRUNCATION_STEP) {
            out.add(new Variant("truncated to " + length + " chars", text.substring(0, length)));
        }
        return out;
    }

    /** {@value #MUTATIONS_PER_FILE} mutated copies of {@code text}, from a generator seeded with {@code seed}. */
    public static List<Variant> mutations(String text, long seed) {
        Random random = new Random(seed);
        List<Variant> out = new ArrayList<>();
        for (int i = 0; i < MUTATIONS_PER_FILE; i++) {
            StringBuilder s = new StringBuilder(text);
            StringBuilder how = new StringBuilder("mutation " + i + ":");
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                how.append(' ').append(edit(s, random)).append(';');
            }
            out.add(new Variant(how.toString(), s.toString()));
        }
        return out;
    }

    private static String edit(StringBuilder s, Random random) {
        int at = random.nextInt(s.length() + 1);
        switch (random.nextInt(5)) {
            case 0 -> {
                int end = Math.min(s.length(), at + 1 + random.nextInt(8));
                s.delete(at, end);
                return "delete " + at + ".." + end;
            }
            case 1 -> {
                String token = TOKENS.get(random.nextInt(TOKENS.size()));
                s.insert(at, token);
                return "insert " + visible(token) + " at " + at;
            }
            case 2 -> {
                if (at == s.length()) {
                    return "replace nothing";
                }
                char c = (char) (random.nextInt(4) == 0 ? random.nextInt(0x80) : 0x20 + random.nextInt(0x5f));
                s.setCharAt(at, c);
                return "replace at " + at + " with " + visible(String.valueOf(c));
            }
            case 3 -> {
                int end = Math.min(s.length(), at + 1 + random.nextInt(16));
                String span = s.substring(at, end);
                s.insert(end, span);
                return "duplicate " + at + ".." + end;
            }
            default -> {
                int start = s.lastIndexOf("\n", Math.max(0, at - 1)) + 1;
                int end = s.indexOf("\n", at);
                end = end < 0 ? s.length() : end + 1;
                if (start > end) {
                    start = end;
                }
                s.delete(start, end);
                return "delete line " + start + ".." + end;
            }
        }
    }

    /** The text with control characters escaped, for descriptions. */
    static String visible(String text) {
        StringBuilder sb = new StringBuilder("«");
        for (char c : text.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('»').toString();
    }
}
