package dev.limn.vm;

import static dev.limn.offheap.RegisterFile.REGISTER_BYTES;

import dev.limn.offheap.CheckedMode;
import dev.limn.offheap.RegisterFile;

import java.lang.foreign.MemorySegment;

/**
 * The register accessors of a running task, and the one place that checks them: the
 * interpreter's by raw address ({@code ...At}, an address computed from the frame's
 * {@link TaskContext#frameAddress}), everything else's by absolute register index in the
 * task's current block. Nothing else reads or writes a running task's off-heap registers.
 *
 * <p>Normally each accessor is one plain load or store ({@link RegisterFile}); the bounds are
 * proven once instead (see {@link Interpreter}). In the checked VM mode
 * ({@link CheckedMode}) each access first checks that its register lies in the running
 * frame's window:
 * <ul>
 *   <li>the task still holds its registers, and its current block is still allocated;</li>
 *   <li>a raw address is the address of a register of that block (a frame address left
 *       stale by a call, a return or a move to another block fails here);</li>
 *   <li>the register is at or above the frame's base and below base + the function's
 *       register count, inside the block and inside its reference shadow.</li>
 * </ul>
 * A failure is a defect of the compiler or of the VM. It throws an
 * {@link IllegalStateException} naming the task, the function, the pc, the source line and
 * the register (relative to the frame, as the disassembler writes it); the task ends with an
 * {@code InternalError}, as it does for any other defect, instead of reading or writing
 * memory outside its frame.
 *
 * <p>Cost: none when the mode is off. The flag is a {@code static final}, so C2 folds the
 * {@code if} away and each accessor inlines to the bare access. The check's state (base,
 * closure, block) is the task's: {@link TaskContext} switches it before it touches the
 * registers of a frame it enters or returns to. The reference shadow is an on-heap array,
 * bounds-checked by the JVM, and is not window-checked.
 */
final class Registers {
    private Registers() {}

    // ------------------------------------------------------------------ by raw address

    static byte lpTagAt(TaskContext t, long reg) {
        if (CheckedMode.ENABLED) {
            check(t, reg);
        }
        return RegisterFile.lpTagAt(reg);
    }

    static long lpPayloadAt(TaskContext t, long reg) {
        if (CheckedMode.ENABLED) {
            check(t, reg);
        }
        return RegisterFile.lpPayloadAt(reg);
    }

    /**
     * {@link #spAt} into a caller's window while a frame it entered by a fast call is current
     * (or one deeper, in another segment): a compiled caller writes back there the locals it
     * kept in the JVM across the call, when the callee leaves the task or throws
     * ({@code TierCompiler}). Checked mode checks the address against the caller's register
     * segment, {@code segment}, not against the running frame's window.
     */
    static void spCallerAt(TaskContext t, int segment, long reg, byte tag, long payload) {
        if (CheckedMode.ENABLED) {
            MemorySegment block = t.segmentAt(segment);
            if (block == null || !block.scope().isAlive()) {
                throw failure(t, "a write to a caller's window in register segment " + segment + ", which the task no longer holds");
            }
            if (!isRegister(block, reg)) {
                throw failure(t, "address 0x" + Long.toHexString(reg) + " is not a register of the caller's register segment " + segment);
            }
        }
        RegisterFile.spAt(reg, tag, payload);
    }

    static void spPayloadAt(TaskContext t, long reg, long payload) {
        if (CheckedMode.ENABLED) {
            check(t, reg);
        }
        RegisterFile.spPayloadAt(reg, payload);
    }

    static void spAt(TaskContext t, long reg, byte tag, long payload) {
        if (CheckedMode.ENABLED) {
            check(t, reg);
        }
        RegisterFile.spAt(reg, tag, payload);
    }

    // ------------------------------------------------------------------ by absolute index

    static byte lpTag(TaskContext t, int abs) {
        if (CheckedMode.ENABLED) {
            check(t, abs);
        }
        return RegisterFile.lpTag(t.regs, abs);
    }

    static long lpPayload(TaskContext t, int abs) {
        if (CheckedMode.ENABLED) {
            check(t, abs);
        }
        return RegisterFile.lpPayload(t.regs, abs);
    }

    static void sp(TaskContext t, int abs, byte tag, long payload) {
        if (CheckedMode.ENABLED) {
            check(t, abs);
        }
        RegisterFile.sp(t.regs, abs, tag, payload);
    }

    // ------------------------------------------------------------------ the checks

    /** Checked mode: fails unless {@code reg} is the address of a register of the running frame. */
    static void check(TaskContext t, long reg) {
        MemorySegment block = liveBlock(t);
        if (!isRegister(block, reg)) {
            throw failure(t, "address 0x" + Long.toHexString(reg) + " is not a register of its register block (0x"
                    + Long.toHexString(block.address()) + ", " + RegisterFile.capacity(block) + " registers)"
                    + (t.regsAddress != block.address() ? "; the task's frame address is out of step with its block" : ""));
        }
        check(t, (int) ((reg - block.address()) / REGISTER_BYTES));
    }

    /** Whether {@code reg} is the address of a register of {@code block}. */
    private static boolean isRegister(MemorySegment block, long reg) {
        long offset = reg - block.address();
        return offset >= 0 && offset % REGISTER_BYTES == 0 && offset / REGISTER_BYTES < RegisterFile.capacity(block);
    }

    /** Checked mode: fails unless absolute register {@code abs} of the current block lies in the running frame's window. */
    static void check(TaskContext t, int abs) {
        MemorySegment block = liveBlock(t);
        int base = t.base;
        int size = t.closure.proto.maxRegs;
        if (abs < base || abs >= base + size) {
            throw failure(t, "register " + (abs - base) + " is outside its frame of " + size + " registers"
                    + " (absolute register " + abs + ", frame base " + base + ")");
        }
        if (abs >= RegisterFile.capacity(block) || abs >= t.refs.length) {
            throw failure(t, "register " + (abs - base) + " (absolute " + abs + ") is beyond its register block ("
                    + RegisterFile.capacity(block) + " registers, " + t.refs.length + " reference slots)");
        }
    }

    private static MemorySegment liveBlock(TaskContext t) {
        MemorySegment block = t.regs;
        if (block == null) {
            throw failure(t, "a register access after the task returned its registers");
        }
        if (!block.scope().isAlive()) {
            throw failure(t, "a register access to a block that was already freed");
        }
        return block;
    }

    private static IllegalStateException failure(TaskContext t, String what) {
        Closure c = t.closure;
        String where;
        if (c == null) {
            where = "no function";
        } else {
            Proto p = c.proto;
            int pc = t.checkedPc;
            where = "fn " + p.displayName() + " pc " + pc
                    + (p.source != null && pc >= 0 && pc < p.lines.length ? " (" + p.source.name() + ":" + p.lines[pc] + ")" : "");
        }
        String task = c == null ? null : t.description();
        return new IllegalStateException("checked VM: " + where + ", " + (task == null ? t.shortName() : task) + ": " + what);
    }
}
