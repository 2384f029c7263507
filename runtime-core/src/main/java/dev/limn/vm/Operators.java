package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.c;
import static dev.limn.vm.Registers.lpPayload;
import static dev.limn.vm.Registers.lpTag;
import static dev.limn.vm.Registers.sp;

import dev.limn.value.DurationValue;
import dev.limn.value.LimnError;
import dev.limn.vm.Opcode.Op;

/**
 * The operators of the language without a fast path in the interpreter: serves MOD MODK POW
 * BAND BOR BXOR SHL SHR NEG NOT BNOT CONCAT, and the slow paths (mixed-type arithmetic,
 * comparisons of non-ints, non-bool conditions) of ADD ADDK SUB SUBK MUL MULK DIV DIVK TEST
 * LT LE LTK LEK GTK GEK. The arithmetic of object-form values is {@link Arith}'s.
 */
final class Operators {
    private Operators() {}

    /** Executes one of this class's opcodes; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int base = t.base;
        int ra = base + a(i);
        switch (Instr.op(i)) {
            case Op.MODK -> arith(t, Op.MOD, ra, base + b(i), -1 - c(i));
            case Op.MOD -> arith(t, Op.MOD, ra, base + b(i), base + c(i));
            case Op.POW, Op.BAND, Op.BOR, Op.BXOR, Op.SHL, Op.SHR ->
                    arith(t, Instr.op(i), ra, t.get(base + b(i)), t.get(base + c(i)));
            case Op.NEG -> t.set(ra, Arith.neg(t.get(base + b(i))));
            case Op.NOT -> {
                Object v = t.get(base + b(i));
                if (!(v instanceof Boolean bv)) {
                    throw notBool(t, base + b(i));
                }
                t.set(ra, !bv);
            }
            case Op.BNOT -> {
                Object v = t.get(base + b(i));
                if (!(v instanceof Long l)) {
                    throw LimnError.typeMismatch("cannot apply '~' to " + Values.typeName(v));
                }
                t.set(ra, ~l);
            }
            case Op.CONCAT -> {
                StringBuilder sb = new StringBuilder();
                int from = base + b(i);
                for (int j = 0; j < c(i); j++) {
                    sb.append(Values.str(t.get(from + j)));
                }
                t.set(ra, sb.toString());
            }
            default -> throw new IllegalStateException("no handler for opcode " + Opcode.of(Instr.op(i)));
        }
        return pc;
    }

    /** {@code R[dst] := x op y} for object-form operands ({@link Arith#binary}). */
    static void arith(TaskContext t, int op, int dst, Object x, Object y) {
        t.set(dst, Arith.binary(op, x, y));
    }

    /**
     * The slow path of ADD SUB MUL DIV MOD and their K forms: mixed int/float and int
     * division stay unboxed (no allocation in numeric loops); anything else goes through
     * {@link Arith}. {@code y} is the right operand's register, or {@code -1 - k} for
     * constant k.
     */
    static void arith(TaskContext t, int op, int dst, int x, int y) {
        Proto p = t.closure.proto;
        byte tx = lpTag(t, x);
        long px = lpPayload(t, x);
        byte ty = y >= 0 ? lpTag(t, y) : p.kTag[-1 - y];
        long py = y >= 0 ? lpPayload(t, y) : p.kPay[-1 - y];
        boolean xNum = tx == Tag.INT || tx == Tag.FLOAT;
        boolean yNum = ty == Tag.INT || ty == Tag.FLOAT;
        if (xNum && yNum && op <= Op.MOD) {
            if (tx == Tag.INT && ty == Tag.INT) {
                if (op == Op.DIV || op == Op.MOD) {
                    if (py == 0) {
                        throw new LimnError("DivisionByZero", "division by zero");
                    }
                    sp(t, dst, Tag.INT, op == Op.DIV ? Math.divideExact(px, py) : px % py);
                    return;
                }
            } else {
                double a = tx == Tag.INT ? (double) px : Double.longBitsToDouble(px);
                double b = ty == Tag.INT ? (double) py : Double.longBitsToDouble(py);
                double r = switch (op) {
                    case Op.ADD -> a + b;
                    case Op.SUB -> a - b;
                    case Op.MUL -> a * b;
                    case Op.DIV -> a / b;
                    default -> a % b;
                };
                sp(t, dst, Tag.FLOAT, Double.doubleToRawLongBits(r));
                return;
            }
        }
        arith(t, op, dst, t.get(x), y >= 0 ? t.get(y) : p.constant(-1 - y));
    }

    /** Three-way comparison for {@code < <= > >=}: numbers (mixed), strings, durations. */
    static int compare(Object x, Object y, String symbol) {
        if (x instanceof Long a && y instanceof Long b) {
            return Long.compare(a, b);
        }
        if ((x instanceof Long || x instanceof Double) && (y instanceof Long || y instanceof Double)) {
            double a = ((Number) x).doubleValue();
            double b = ((Number) y).doubleValue();
            if (Double.isNaN(a) || Double.isNaN(b)) {
                // every ordered comparison with NaN is false: pick a result that fails the asked test
                return switch (symbol) {
                    case "<", "<=" -> 1;
                    default -> -1;
                };
            }
            return a < b ? -1 : (a > b ? 1 : 0);
        }
        if (x instanceof String a && y instanceof String b) {
            return a.compareTo(b);
        }
        if (x instanceof DurationValue a && y instanceof DurationValue b) {
            return Long.compare(a.nanos(), b.nanos());
        }
        throw LimnError.typeMismatch("cannot apply '" + symbol + "' to " + Values.typeName(x) + " and " + Values.typeName(y));
    }

    /** The TypeMismatch of a condition (TEST, NOT) that is not a bool: register {@code abs}. */
    static LimnError notBool(TaskContext t, int abs) {
        return LimnError.typeMismatch("condition must be bool, got " + Values.typeName(t.get(abs)));
    }
}
