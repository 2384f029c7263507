package dev.limn.lang;

import dev.limn.text.Diagnostic;

import java.util.List;

/** Thrown when a program has compile errors; carries every one of them, in source order. */
public final class CompileException extends Exception {
    private final List<Diagnostic> diagnostics;

    public CompileException(List<Diagnostic> diagnostics) {
        super(diagnostics.isEmpty() ? "compile error" : diagnostics.getFirst().message(), null, false, false);
        this.diagnostics = List.copyOf(diagnostics);
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    /** All diagnostics rendered, followed by a count line when there are several. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        for (Diagnostic d : diagnostics) {
            sb.append(d.render()).append('\n');
        }
        if (diagnostics.size() > 1) {
            sb.append("error: could not compile ").append(diagnostics.getFirst().source().name())
                    .append(" (").append(diagnostics.size()).append(" errors)\n");
        }
        return sb.toString();
    }
}
