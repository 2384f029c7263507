package dev.limn.offheap;

/**
 * The checked VM mode, {@code -Dlimn.vm.checked=true}: a build-and-test switch under which a
 * defect of the compiler or the VM shows as an exception, never as memory corruption.
 *
 * <ul>
 *   <li>Every register access of a running task (the interpreter's raw-address accesses and
 *       the index accesses of everything else) is checked against the running frame's window
 *       and the task's current register block; a failure is an {@link IllegalStateException}
 *       naming the function, the pc and the register, which a run reports as an internal
 *       error.</li>
 *   <li>Every {@link SlabAllocator} runs in its debug mode: a double free, a free of a foreign
 *       block and any use of a block after its free (register files and atomic cells alike)
 *       throw instead of touching reused memory.</li>
 * </ul>
 * The flag is read once, into a {@code static final}: when it is off, C2 folds every
 * {@code if (CheckedMode.ENABLED)} away and the unchecked code is what runs. It cannot change
 * while a JVM runs; tests of the mode run in a JVM of their own.
 */
public final class CheckedMode {
    /** The system property that turns the mode on. */
    public static final String PROPERTY = "limn.vm.checked";

    /** Whether this JVM runs with {@code -Dlimn.vm.checked=true}; read once. */
    public static final boolean ENABLED = Boolean.getBoolean(PROPERTY);

    private CheckedMode() {}
}
