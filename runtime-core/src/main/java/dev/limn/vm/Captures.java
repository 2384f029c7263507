package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.sc;

import dev.limn.vm.Opcode.Op;

/**
 * Captured variables (SPEC §6.1): serves UPSTORE UPCAS, the writes of concurrent code to a
 * variable it shares through a {@link Box}.
 */
final class Captures {
    private Captures() {}

    /** Executes one of this class's opcodes; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int ra = t.base + a(i);
        switch (Instr.op(i)) {
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
}
