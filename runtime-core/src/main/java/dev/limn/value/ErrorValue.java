package dev.limn.value;

import dev.limn.text.Source;
import dev.limn.text.Span;

/**
 * A Limn error value: its kind (an identifier such as {@code DivisionByZero}), its message,
 * and once raised the place where it was raised and the task that raised it. Errors compare
 * by identity.
 */
public final class ErrorValue {
    public final String kind;
    public final String message;
    Source source;
    Span span;
    String task;
    /** Stop's summary ("2 other units failed, 1 cancelled"), added by the innermost block it failed. */
    private volatile String blockNote;

    /** The Java exception behind a HostError (a host function threw it), or null. */
    private final Throwable cause;

    public ErrorValue(String kind, String message) {
        this(kind, message, null);
    }

    public ErrorValue(String kind, String message, Throwable cause) {
        this.kind = kind;
        this.message = message == null ? "" : message;
        this.cause = cause;
    }

    /** The Java exception behind a HostError, or null. */
    public Throwable cause() {
        return cause;
    }

    public Source source() {
        return source;
    }

    public Span span() {
        return span;
    }

    /** Records the task the error was raised in, unless one is recorded already. */
    public void taskIfAbsent(String description) {
        if (task == null) {
            task = description;
        }
    }

    public String task() {
        return task;
    }

    /** Adds the block's Stop summary unless an inner block already did. */
    public synchronized void noteIfAbsent(String note) {
        if (blockNote == null) {
            blockNote = note;
        }
    }

    public String blockNote() {
        return blockNote;
    }

    /** Records where the error was raised, unless it already carries a place. */
    public void placeIfAbsent(Source src, Span at) {
        if (span == null) {
            source = src;
            span = at;
        }
    }

    @Override
    public String toString() {
        return message.isEmpty() ? kind : kind + ": " + message;
    }
}
