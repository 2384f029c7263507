package dev.limn.api;

import dev.limn.value.ErrorValue;

/**
 * A Limn error that reached the host: {@link #kind()} is the Limn kind
 * ({@code DivisionByZero}, {@code ArityMismatch}, {@code Timeout}, {@code Cancelled},
 * {@code Deadlock}, {@code StackOverflow}, {@code HostError}, a program's own kind, ...), with
 * the place it was raised and the task that raised it. A {@code HostError}'s cause is the
 * exception the host function threw.
 */
public class LimnException extends RuntimeException {
    private final String kind;
    private final String detail;
    private final String file;
    private final int line;
    private final int column;
    private final String task;

    LimnException(String kind, String detail, String file, int line, int column, String task, Throwable cause) {
        super(render(kind, detail, file, line, column, task), cause);
        this.kind = kind;
        this.detail = detail;
        this.file = file;
        this.line = line;
        this.column = column;
        this.task = task;
    }

    LimnException(String kind, String detail) {
        this(kind, detail, null, 0, 0, null, null);
    }

    static LimnException of(ErrorValue e) {
        String file = e.source() == null ? null : e.source().name();
        int line = e.span() == null ? 0 : e.span().line();
        int column = e.span() == null ? 0 : e.span().col();
        return new LimnException(e.kind, e.message.isEmpty() ? e.kind : e.message, file, line, column, e.task(), e.cause());
    }

    private static String render(String kind, String detail, String file, int line, int column, String task) {
        StringBuilder b = new StringBuilder(kind).append(": ").append(detail);
        if (file != null && line > 0) {
            b.append(" at ").append(file).append(':').append(line).append(':').append(column);
        }
        if (task != null) {
            b.append(" (in ").append(task).append(')');
        }
        return b.toString();
    }

    /** The Limn kind of the error. */
    public String kind() {
        return kind;
    }

    /** The error's message alone, without kind or place. */
    public String detail() {
        return detail;
    }

    /** The file of the place it was raised, or null when it has none. */
    public String file() {
        return file;
    }

    /** The line it was raised at (1-based), or 0 when it has no place. */
    public int line() {
        return line;
    }

    /** The column it was raised at (1-based), or 0 when it has no place. */
    public int column() {
        return column;
    }

    /** The task that raised it ("main task", "call of on_tick", "task 3 (i = 3) of ..."), or null. */
    public String task() {
        return task;
    }
}
