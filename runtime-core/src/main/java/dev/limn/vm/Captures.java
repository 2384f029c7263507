package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.c;
import static dev.limn.vm.Instr.sc;

import dev.limn.value.LimnError;
import dev.limn.vm.Opcode.Op;

/**
 * Captured variables (SPEC §6.1): serves NEWBOX CLOSURE UPSTORE UPCAS and the ownership claim
 * of SETUPVAL. A local that a closure captures lives in a {@link Box}; a closure holds the
 * boxes it captured. Concurrent code writes a shared variable with one atomic store (UPSTORE)
 * or a compare-and-set step (UPCAS); a plain write from a task that does not own the box is
 * allowed only once the owner has ended ({@link #claimForWrite}).
 */
final class Captures {
    private Captures() {}

    /** Executes one of this class's opcodes; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int ra = t.base + a(i);
        switch (Instr.op(i)) {
            case Op.NEWBOX -> t.set(ra, new Box(t));
            case Op.CLOSURE -> t.set(ra, closure(t, t.closure.proto.protos[c(i)]));
            case Op.UPSTORE -> t.closure.upvals[b(i)].store(t.get(ra));
            case Op.UPCAS -> {
                if (!t.closure.upvals[b(i)].compareAndSet(t.get(ra), t.get(ra + 1))) {
                    return pc + sc(i);
                }
            }
            default -> throw new IllegalStateException("no handler for opcode " + Opcode.of(Instr.op(i)));
        }
        return pc;
    }

    /**
     * SETUPVAL by a task that does not own the box (SPEC §6.1): it claims the box when the
     * owner has ended, else the write raises SharedWrite and the variable keeps its value.
     */
    static void claimForWrite(TaskContext t, Box box, int upval) {
        if (!box.claim(t)) {
            String name = t.closure.proto.upNames[upval];
            throw new LimnError("SharedWrite", "'" + name + "' belongs to " + box.owner.describeOwner()
                    + "; a closure called from another task cannot write it (updates would be lost):"
                    + " declare 'var " + name + ": atomic' or send the values to a channel");
        }
    }

    private static Closure closure(TaskContext t, Proto p) {
        Box[] boxes = new Box[p.upIndex.length];
        for (int j = 0; j < boxes.length; j++) {
            boxes[j] = p.upFromLocal[j] ? (Box) t.refs[t.base + p.upIndex[j]] : t.closure.upvals[p.upIndex[j]];
        }
        return new Closure(p, boxes);
    }
}
