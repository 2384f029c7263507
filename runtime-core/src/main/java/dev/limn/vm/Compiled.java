package dev.limn.vm;

/**
 * A function compiled by {@link TierCompiler}: a hidden class whose {@link #run} executes the
 * function's frame, keeping numbers in JVM locals, and hands the frame back to the interpreter
 * where it cannot go on.
 *
 * <p>What {@link #run} returns:
 * <ul>
 *   <li>{@code r >= 0}: the frame returned to its caller ({@link TaskContext#ret}), which goes on
 *       at pc {@code r};</li>
 *   <li>{@link #RETURNED_OUTERMOST}: the task's outermost frame returned;</li>
 *   <li>{@link #EXIT}: the task's current frame (this one, or one this frame called) goes on in
 *       the interpreter at {@code t.pc}, its registers written back;</li>
 *   <li>{@link #AGAIN}: the frame's registers are written back and its loop goes on at once
 *       from its head, {@code t.pc}, in a new invocation (only the outermost compiled frame, which
 *       {@link Tier#enter} invoked: a long loop then runs in the JVM's ordinary compilation of
 *       this method rather than in its on-stack replacement);</li>
 *   <li>{@code STOP - s}: the run ends with interpreter status {@code s} (suspended at a
 *       safepoint, terminated), {@code t.pc} saved.</li>
 * </ul>
 * Errors are thrown with {@code t.pc} at the faulting instruction and every register written
 * back, so the interpreter unwinds them as its own.
 *
 * <p>A function that calls itself also has a static fast entry, {@code fast} (see
 * {@link TierCompiler.Fast}), which its compiled calls of itself invoke: it returns the result
 * in the JVM, or says in {@link TaskContext#fastStatus} how it ended otherwise
 * ({@link #RETURNED_IN_WINDOW}, or one of the statuses above).
 */
abstract class Compiled {
    static final int RETURNED_OUTERMOST = -1;
    static final int EXIT = -2;
    /** The outermost compiled frame stopped at a loop head, {@code t.pc}, to be entered there again at once ({@link Tier#enter}). */
    static final int AGAIN = -3;
    static final int STOP = -10;
    /** {@link TaskContext#fastStatus}: the fast entry's frame returned through the register window (the caller's R[A]). */
    static final int RETURNED_IN_WINDOW = 1;

    /**
     * The JVM stack this code's frame may take, in 8-byte slots (its locals and operand stack
     * as the JVM's interpreter lays them out, with room for the frame's own bookkeeping):
     * what {@link Tier#callee} counts against {@link Tier#MAX_STACK_SLOTS}. Set once, before
     * the code is published.
     */
    int slots;

    /**
     * The fast entry's signature and its method ({@code static fast}), or null when the code
     * has none; a compiled caller that knows this code invokes the handle directly
     * ({@link TierCompiler}, fast calls of known small functions). Set once, before the code is
     * published.
     */
    TierCompiler.Fast fast;
    java.lang.invoke.MethodHandle fastHandle;
    /** Per CALL, the code of the known small function whose fast entry the site invokes directly, or null; null when there is none. */
    Compiled[] callees;

    /** Runs the current frame of {@code t} (a frame of this code's function) from {@code entryPc}. */
    abstract int run(TaskContext t, int entryPc);
}
