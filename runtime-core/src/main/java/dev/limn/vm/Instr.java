package dev.limn.vm;

/**
 * The instruction word, and the only place that knows its bits. An instruction is a
 * {@code long}: wide enough that a fused compare-and-branch carries two operands and its
 * jump offset in one word, so no instruction needs an extension word.
 *
 * <pre>
 *  63                    40 39            24 23           9  8  7      0
 *  +-----------------------+----------------+--------------+---+--------+
 *  |        C (24)         |     B (16)     |    A (15)    | k | op (8) |
 *  +-----------------------+----------------+--------------+---+--------+
 * </pre>
 * {@code sC} is C read as a signed 24-bit number (jump offsets, relative to the next pc, and
 * small immediates). {@code k} is a one-bit flag: for a compare-and-branch the outcome that
 * jumps. A frame has at most {@link #MAX_A} + 1 registers; a function at most 2^24 constants.
 */
public final class Instr {
    public static final int MAX_A = 0x7FFF;
    public static final int MAX_B = 0xFFFF;
    public static final int MAX_C = 0xFFFFFF;
    public static final int MAX_SC = 0x7FFFFF;
    public static final int MIN_SC = -0x800000;

    private Instr() {}

    public static int op(long i) {
        return (int) i & 0xFF;
    }

    public static int k(long i) {
        return (int) (i >>> 8) & 1;
    }

    public static int a(long i) {
        return (int) (i >>> 9) & 0x7FFF;
    }

    public static int b(long i) {
        return (int) (i >>> 24) & 0xFFFF;
    }

    public static int c(long i) {
        return (int) (i >>> 40);
    }

    public static int sc(long i) {
        return (int) (i >> 40);
    }

    /**
     * Byte offsets of registers A, B and C from the frame's first register: the field times
     * {@code RegisterFile.REGISTER_BYTES} (16), extracted with one shift and one mask, for the
     * interpreter's raw register addresses. {@code InstrTest} checks them against the fields.
     */
    public static long aOffset(long i) {
        return (i >>> 5) & (0x7FFFL << 4);
    }

    public static long bOffset(long i) {
        return (i >>> 20) & (0xFFFFL << 4);
    }

    public static long cOffset(long i) {
        return (i >>> 36) & (0xFFFFFFL << 4);
    }

    public static long make(Opcode op, int a, int b, int c, boolean k) {
        return (op.ordinal() & 0xFFL) | (k ? 1L << 8 : 0L) | ((long) (a & 0x7FFF) << 9)
                | ((long) (b & 0xFFFF) << 24) | ((long) (c & 0xFFFFFF) << 40);
    }

    public static long make(Opcode op, int a, int b, int c) {
        return make(op, a, b, c, false);
    }

    /** The same instruction with its C field replaced (jump patching). */
    public static long withC(long i, int c) {
        return (i & 0xFF_FFFF_FFFFL) | ((long) (c & 0xFFFFFF) << 40);
    }
}
