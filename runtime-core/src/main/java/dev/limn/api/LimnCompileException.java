package dev.limn.api;

import java.util.List;

/**
 * A program that did not compile: every error of the file, each with its place. The message is
 * what {@code limn check} prints: file:line:col, the source line and a caret, for each of the
 * first 20 errors, and a count line when there are several.
 */
public final class LimnCompileException extends RuntimeException {
    /** One compile error: the file, the 1-based line and column, the message and its rendering with the source line. */
    public record Diagnostic(String file, int line, int column, String message, String rendered) {
    }

    private final List<Diagnostic> diagnostics;

    LimnCompileException(List<Diagnostic> diagnostics, String message) {
        super(message);
        this.diagnostics = List.copyOf(diagnostics);
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }
}
