package dev.limn.offheap;

import org.agrona.UnsafeApi;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The layout of a task's register file in an off-heap slab block, and its accessors.
 *
 * <pre>
 *  register r, at offset r * REGISTER_BYTES:
 *  0               8       9              16
 *  +---------------+-------+--------------+
 *  |  payload (8)  | tag(1)|  padding (7) |
 *  +---------------+-------+--------------+
 * </pre>
 * The payload is an int, the raw bits of a float, a bool (0/1), a duration in
 * nanoseconds, or the index of a reference in the task's on-heap shadow array (which has
 * the same indices). Accesses are plain: a register file belongs to one task, and a task
 * runs on one carrier at a time; the hand-over between carriers is ordered by the
 * scheduler's queues.
 *
 * <p>Two kinds of accessors: by segment and register index (each access checks the index
 * against the block's capacity and that the block is still allocated; for everything but the
 * interpreter's fast paths), and by raw address ({@code ...At}, {@link #address}) with no
 * checks at all. The by-index ones check by hand and then access by address, not through a
 * memory segment's var handle: making such a handle spins method handles, which every run
 * paid at start-up (docs/design.md, "Start-up"). The raw ones exist because even those
 * checks cost more than the access itself in the dispatch loop; their caller proves the bounds once instead: a frame's
 * window is checked against the block's capacity when the frame is entered, and every
 * register operand of a function's code against its register count when it is loaded.
 * A raw address is valid while the block is allocated. The VM reaches these accessors through
 * its own ({@code dev.limn.vm.Registers}), which in the checked VM mode ({@link CheckedMode})
 * check every access against the running frame.
 */
public final class RegisterFile {
    public static final long REGISTER_BYTES = 16;
    public static final long PAYLOAD_OFFSET = 0;
    public static final long TAG_OFFSET = 8;

    private RegisterFile() {}

    /** How many registers fit in {@code block}. */
    public static int capacity(MemorySegment block) {
        return (int) (block.byteSize() / REGISTER_BYTES);
    }

    public static long lpPayload(MemorySegment block, int reg) {
        return UnsafeApi.getLong(checkedAddress(block, reg) + PAYLOAD_OFFSET);
    }

    public static void spPayload(MemorySegment block, int reg, long value) {
        UnsafeApi.putLong(checkedAddress(block, reg) + PAYLOAD_OFFSET, value);
    }

    public static byte lpTag(MemorySegment block, int reg) {
        return UnsafeApi.getByte(checkedAddress(block, reg) + TAG_OFFSET);
    }

    public static void spTag(MemorySegment block, int reg, byte tag) {
        UnsafeApi.putByte(checkedAddress(block, reg) + TAG_OFFSET, tag);
    }

    /**
     * The address of register {@code reg} of {@code block}, after checking that the register
     * lies in the block and that the block is still allocated.
     */
    private static long checkedAddress(MemorySegment block, int reg) {
        Objects.checkIndex(reg, capacity(block));
        if (!block.scope().isAlive()) {
            throw new IllegalStateException("register block already freed");
        }
        return block.address() + reg * REGISTER_BYTES;
    }

    /** The raw address of register {@code reg} of {@code block}, for the {@code ...At} accessors. */
    public static long address(MemorySegment block, int reg) {
        return block.address() + reg * REGISTER_BYTES;
    }

    /** The payload of the register at raw address {@code reg}; unchecked. */
    public static long lpPayloadAt(long reg) {
        return UnsafeApi.getLong(reg + PAYLOAD_OFFSET);
    }

    /** Stores the payload of the register at raw address {@code reg}; unchecked. */
    public static void spPayloadAt(long reg, long value) {
        UnsafeApi.putLong(reg + PAYLOAD_OFFSET, value);
    }

    /** The tag of the register at raw address {@code reg}; unchecked. */
    public static byte lpTagAt(long reg) {
        return UnsafeApi.getByte(reg + TAG_OFFSET);
    }

    /** Stores tag and payload of the register at raw address {@code reg}; unchecked. */
    public static void spAt(long reg, byte tag, long payload) {
        UnsafeApi.putLong(reg + PAYLOAD_OFFSET, payload);
        UnsafeApi.putByte(reg + TAG_OFFSET, tag);
    }

    /** Stores tag and payload of register {@code reg} together. */
    public static void sp(MemorySegment block, int reg, byte tag, long payload) {
        spAt(checkedAddress(block, reg), tag, payload);
    }
}
