package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.c;
import static dev.limn.vm.Instr.k;
import static dev.limn.vm.Instr.sc;

import dev.limn.value.ErrorValue;
import dev.limn.value.LimnError;
import dev.limn.vm.Opcode.Op;

/**
 * Error values (SPEC §4): serves NEWERR RAISE ERRKIND GETFIELD (an error's fields
 * {@code kind} and {@code message}). Raising throws a {@link LimnError}, which the interpreter
 * turns into a jump to the handler ({@link TaskContext#unwind}).
 */
final class Errors {
    private Errors() {}

    /** Executes one of this class's opcodes; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int base = t.base;
        int ra = base + a(i);
        Proto p = t.closure.proto;
        switch (Instr.op(i)) {
            case Op.GETFIELD -> t.set(ra, field(t.get(base + b(i)), (String) p.kRef[c(i)]));
            case Op.NEWERR -> {
                String msg = "";
                if (k(i) != 0) {
                    msg = Values.str(t.get(base + c(i)));
                }
                t.set(ra, new ErrorValue((String) p.kRef[b(i)], msg));
            }
            case Op.RAISE -> {
                Object v = t.get(ra);
                ErrorValue e = v instanceof ErrorValue ev ? ev : new ErrorValue("Error", Values.str(v));
                if (k(i) != 0) {
                    t.placeAtCallSite(e); // return err(...): SPEC §4, it raises at the call site
                }
                throw new LimnError(e);
            }
            case Op.ERRKIND -> {
                boolean matches = t.get(ra) instanceof ErrorValue e && e.kind.equals(p.kRef[b(i)]);
                if ((matches ? 1 : 0) == k(i)) {
                    return pc + sc(i);
                }
            }
            default -> throw new IllegalStateException("no handler for opcode " + Opcode.of(Instr.op(i)));
        }
        return pc;
    }

    private static Object field(Object v, String name) {
        if (v instanceof ErrorValue e) {
            switch (name) {
                case "kind":
                    return e.kind;
                case "message":
                    return e.message;
                default:
                    break;
            }
        }
        throw LimnError.typeMismatch(Values.typeName(v) + " has no field '" + name + "'");
    }
}
