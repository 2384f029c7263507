package dev.limn.vm;

import dev.limn.value.LimnError;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The instructions one program run may execute: a host's instance's budget (SPEC-facing name:
 * the instruction budget), counted at the interpreter's safepoints.
 *
 * <p>What is counted: a loop's back edge charges the instructions of the loop's body, and
 * entering a script function charges the function's length. Straight-line code between two
 * safepoints is charged by the next one, so the count is exact for code that runs every
 * instruction it jumps over, and an upper bound where branches skip some.
 *
 * <p>Tasks do not touch the shared count per instruction: each holds some fuel ({@code
 * TaskContext.fuel}), prepaid from here a chunk at a time; it runs the fuel down at its
 * safepoints and comes back when it is negative, with the overdraft to pay. A task returns its
 * fuel when it ends, and a host's call that ended on the host's thread keeps it for the next
 * call. So {@link #used} is exact once no task holds fuel, and never more than a chunk per
 * running task too high before.
 */
public final class Budget {
    /** Fuel of a task with no budget: never runs out (2^61 instructions). */
    static final long UNLIMITED = 1L << 61;
    private static final long CHUNK = 4096;
    /**
     * The chunk of a budget without a limit: 2^40 instructions, many minutes of compiled code.
     * A task that runs out leaves its compiled code for the refill, and a refill every million
     * instructions (the old chunk: every 95,000 calls of {@code fib}) made the JIT compile that
     * path into a host call's compiled code, which then ran 20% slower; with 2^32 a JMH run
     * still met it after 3 s (docs/design.md). {@link #used} subtracts the fuel the host's thread
     * holds, so the count a host reads between calls stays exact, and it would take 8 million
     * tasks holding a chunk at once to exhaust {@link Long#MAX_VALUE}.
     */
    private static final long UNLIMITED_CHUNK = 1L << 40;

    private final long limit;
    private final long chunk;
    /** limit minus what was charged; tasks' prepaid fuel counts as charged until returned. */
    private final AtomicLong left;

    /** A budget of {@code limit} instructions; {@link Long#MAX_VALUE} counts without a limit. */
    public Budget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("an instruction budget must be positive, got " + limit);
        }
        this.limit = limit;
        this.chunk = limit == Long.MAX_VALUE ? UNLIMITED_CHUNK : CHUNK;
        this.left = new AtomicLong(limit);
    }

    /** The limit, or {@link Long#MAX_VALUE} for none. */
    public long limit() {
        return limit;
    }

    /**
     * A task ran out: {@code fuel} ≤ 0 is its overdraft. Charges it and returns the task's new
     * fuel, or raises BudgetExceeded when nothing is left.
     */
    long refill(long fuel) {
        for (;;) {
            long l = left.get();
            long after = l + fuel; // fuel ≤ 0
            if (after <= 0) {
                if (left.compareAndSet(l, Math.min(after, 0))) {
                    throw exceeded();
                }
                continue;
            }
            long grant = Math.min(chunk, after);
            if (left.compareAndSet(l, after - grant)) {
                return grant;
            }
        }
    }

    /** A task ended, or gave up its fuel: {@code fuel} goes back (an overdraft, if negative, is charged). */
    void giveBack(long fuel) {
        if (fuel != 0) {
            left.addAndGet(fuel);
        }
    }

    /** Instructions charged so far, less {@code held}, the fuel of a task that holds some. */
    public long used(long held) {
        long l = left.get();
        return limit - Math.max(l, 0) - held;
    }

    /** Starts counting again from 0; only while no task holds fuel. */
    public void reset() {
        left.set(limit);
    }

    private LimnError exceeded() {
        return new LimnError("BudgetExceeded", "the instance used up its instruction budget of " + limit);
    }
}
