package dev.limn.vm;

/**
 * Leaves the dispatch loop from inside an operation that must wait (a channel receive or
 * send, {@code sleep}, a {@code cores} permit, the end of a block, {@code await}) or that
 * found its task terminated. The operation has saved the pc of its own instruction in the
 * task ({@code t.pc}) and, for {@link #PARK}, registered the task with whatever will wake it;
 * {@link TaskContext}'s fiber run catches the signal and returns PARKED/YIELD, and the next
 * run executes the same instruction again, which finds its condition met (or parks again).
 *
 * <p>Three preallocated instances without stack traces: suspension is the slow path of
 * waiting operations, and nothing about it may allocate or reach a user.
 */
final class Suspend extends RuntimeException {
    /** Registered as a waiter: the fiber parks. */
    static final Suspend PARK = new Suspend("park");
    /** Nothing to wait for, but let others run (e.g. {@code sleep(0)}). */
    static final Suspend YIELD = new Suspend("yield");
    /** The TERMINATE trap bit was found at a waiting point: the task stops at once. */
    static final Suspend TERMINATE = new Suspend("terminate");

    private Suspend(String name) {
        super(name, null, false, false);
    }
}
