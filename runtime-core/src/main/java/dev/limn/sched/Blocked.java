package dev.limn.sched;

/**
 * One fiber that was parked when the scheduler found a deadlock (SPEC §5.3).
 *
 * @param fiber       the parked fiber
 * @param kind        what it waits for
 * @param description what it waits on, as shown in the Deadlock diagnostic
 */
public record Blocked(Fiber fiber, Fiber.WaitKind kind, String description) {

    @Override
    public String toString() {
        return "task " + fiber.id() + " waits on " + description;
    }
}
