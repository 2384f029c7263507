package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.c;

import dev.limn.chan.Channel;
import dev.limn.value.LimnError;
import dev.limn.vm.Opcode.Op;

/**
 * Type annotations as the VM checks them: serves CHECKTYPE CHECKRET (operand B is the
 * annotation's code). nil passes
 * only {@code any}: {@code var x: int;} starts as nil without a check, but assigning nil
 * later raises TypeMismatch. An int stored into a {@code float}
 * variable becomes a float.
 */
public final class Types {
    public static final int ANY = 0;
    public static final int INT = 1;
    public static final int FLOAT = 2;
    public static final int BOOL = 3;
    public static final int STR = 4;
    public static final int LIST = 5;
    public static final int DICT = 6;

    public static final int CHANNEL = 7;

    private static final String[] NAMES = {"any", "int", "float", "bool", "str", "list", "dict", "channel"};

    private Types() {}

    public static String name(int code) {
        return NAMES[code];
    }

    /** The code of a type name as written in an annotation, or -1 when unknown. */
    public static int code(String name) {
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Executes one of this class's opcodes; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int ra = t.base + a(i);
        Proto p = t.closure.proto;
        switch (Instr.op(i)) {
            case Op.CHECKTYPE -> {
                if (!check(t, ra, b(i))) {
                    throw LimnError.typeMismatch("cannot assign " + Values.typeName(t.get(ra)) + " to variable '"
                            + p.kRef[c(i)] + "' of type " + name(b(i)));
                }
            }
            case Op.CHECKRET -> {
                if (!check(t, ra, b(i))) {
                    throw LimnError.typeMismatch("fn " + p.displayName() + " must return " + name(b(i))
                            + ", got " + Values.typeName(t.get(ra)));
                }
            }
            default -> throw new IllegalStateException("no handler for opcode " + Opcode.of(Instr.op(i)));
        }
        return pc;
    }

    /** Checks register {@code abs}; converts int to float for a float annotation; returns false on a mismatch. */
    static boolean check(TaskContext t, int abs, int code) {
        Object v = t.get(abs);
        if (code == ANY) {
            return true;
        }
        if (v == null) {
            return false;
        }
        return switch (code) {
            case INT -> v instanceof Long;
            case FLOAT -> {
                if (v instanceof Long l) {
                    t.set(abs, (double) l);
                    yield true;
                }
                yield v instanceof Double;
            }
            case BOOL -> v instanceof Boolean;
            case STR -> v instanceof String;
            case LIST -> v instanceof ListValue;
            case DICT -> v instanceof DictValue;
            case CHANNEL -> v instanceof Channel;
            default -> true;
        };
    }
}
