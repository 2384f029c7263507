package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.k;
import static dev.limn.vm.Instr.sc;
import static dev.limn.vm.Registers.lpPayload;
import static dev.limn.vm.Registers.lpTag;
import static dev.limn.vm.Registers.sp;

import dev.limn.value.LimnError;
import dev.limn.vm.Opcode.Op;

/**
 * Sequential loops: serves FORPREP (the start of a counting loop, whose step FORLOOP is the
 * interpreter's) and ITERPREP ITERNEXT (generic iteration over a {@link LoopIter}; iterating
 * a channel may wait).
 */
final class Loops {
    private Loops() {}

    /** ITERNEXT {@code i}, {@code pc} the next instruction's: the pc to go on at (the loop's end when the iterator is done). */
    static int iterNext(TaskContext t, long i, int pc) {
        int ra = t.base + a(i);
        return ((LoopIter) t.refs[ra]).next(t, ra + 1, b(i)) ? pc : pc + sc(i);
    }

    /** Executes one of this class's opcodes; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int ra = t.base + a(i);
        switch (Instr.op(i)) {
            case Op.FORPREP -> {
                if (lpTag(t, ra) != Tag.INT || lpTag(t, ra + 1) != Tag.INT) {
                    Object bad = lpTag(t, ra) != Tag.INT ? t.get(ra) : t.get(ra + 1);
                    throw LimnError.typeMismatch("range bounds must be int, got " + Values.typeName(bad));
                }
                long from = lpPayload(t, ra);
                long to = lpPayload(t, ra + 1);
                if (k(i) == 0) {
                    if (to == Long.MIN_VALUE) {
                        return pc + sc(i);
                    }
                    to--;
                    sp(t, ra + 1, Tag.INT, to);
                }
                if (from > to) {
                    return pc + sc(i);
                }
                sp(t, ra + 2, Tag.INT, from);
            }
            case Op.ITERPREP -> t.set(ra, LoopIter.of(t.get(ra)));
            case Op.ITERNEXT -> {
                return iterNext(t, i, pc);
            }
            default -> throw new IllegalStateException("no handler for opcode " + Opcode.of(Instr.op(i)));
        }
        return pc;
    }
}
