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

    /** At most this many diagnostics are rendered (as a C compiler's error limit): the first ones matter, the rest often follow from them. */
    public static final int MAX_SHOWN = 20;

    /** The first {@link #MAX_SHOWN} diagnostics rendered, followed by a count line when there are several. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        for (Diagnostic d : diagnostics.subList(0, Math.min(MAX_SHOWN, diagnostics.size()))) {
            sb.append(d.render()).append('\n');
        }
        if (diagnostics.size() > 1) {
            sb.append("error: could not compile ").append(diagnostics.getFirst().source().name())
                    .append(" (").append(diagnostics.size()).append(" errors");
            if (diagnostics.size() > MAX_SHOWN) {
                sb.append("; the first ").append(MAX_SHOWN).append(" shown");
            }
            sb.append(")\n");
        }
        return sb.toString();
    }
}
