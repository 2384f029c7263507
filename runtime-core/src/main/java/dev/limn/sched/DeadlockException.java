package dev.limn.sched;

import java.util.List;

/**
 * Every live fiber is parked and at least one waits for something end of stream cannot release
 * (SPEC §5.3). Thrown by {@link Scheduler#runMain} when the deadlock handler woke nobody.
 * Carries no Java stack trace: it describes a Limn program, not the runtime.
 */
public final class DeadlockException extends RuntimeException {

    private final transient List<Blocked> blocked;

    public DeadlockException(List<Blocked> blocked) {
        super(message(blocked), null, false, false);
        this.blocked = List.copyOf(blocked);
    }

    /** The parked fibers and what each waits on, in fiber number order. */
    public List<Blocked> blocked() {
        return blocked;
    }

    private static String message(List<Blocked> blocked) {
        StringBuilder sb = new StringBuilder("deadlock: every task is blocked");
        for (Blocked b : blocked) {
            sb.append("\n  ").append(b);
        }
        return sb.toString();
    }
}
