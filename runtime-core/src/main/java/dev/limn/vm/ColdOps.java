package dev.limn.vm;

import static dev.limn.offheap.RegisterFile.lpPayload;
import static dev.limn.offheap.RegisterFile.lpTag;
import static dev.limn.offheap.RegisterFile.sp;
import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.c;
import static dev.limn.vm.Instr.k;
import static dev.limn.vm.Instr.sc;

import dev.limn.chan.Channel;
import dev.limn.value.DurationValue;
import dev.limn.value.ErrorValue;
import dev.limn.value.LimnError;
import dev.limn.vm.Opcode.Op;

import java.util.ArrayList;

/**
 * The cold half of the interpreter: every instruction without an inline fast path, and the
 * slow paths of the hot ones (mixed-type arithmetic, string concatenation, comparisons of
 * non-ints). Serves NEWBOX CLOSURE MOD MODK POW BAND BOR BXOR SHL SHR NEG NOT BNOT
 * CONCAT FORPREP ITERPREP ITERNEXT CALLB METHOD CHECKTYPE CHECKRET NEWLIST NEWDICT RANGE
 * GETINDEX SETINDEX GETFIELD NEWERR RAISE ERRKIND, everything of {@link ConcOps} (through
 * {@code default}), and the slow paths of ADD ADDK SUB SUBK
 * MUL MULK DIV DIVK TEST LT LE EQ LTK LEK GTK GEK EQK.
 */
final class ColdOps {
    private ColdOps() {}

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

    /** Executes {@code i}; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int base = t.base;
        int ra = base + a(i);
        Proto p = t.closure.proto;
        switch (Instr.op(i)) {
            case Op.NEWBOX -> t.set(ra, new Box(t));
            case Op.CLOSURE -> t.set(ra, closure(t, p.protos[c(i)]));
            case Op.DIVK, Op.MODK -> arith(t, Instr.op(i) == Op.DIVK ? Op.DIV : Op.MOD, ra, base + b(i), -1 - c(i));
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
            case Op.FORPREP -> {
                if (lpTag(t.regs, ra) != Tag.INT || lpTag(t.regs, ra + 1) != Tag.INT) {
                    Object bad = lpTag(t.regs, ra) != Tag.INT ? t.get(ra) : t.get(ra + 1);
                    throw LimnError.typeMismatch("range bounds must be int, got " + Values.typeName(bad));
                }
                long from = lpPayload(t.regs, ra);
                long to = lpPayload(t.regs, ra + 1);
                if (k(i) == 0) {
                    if (to == Long.MIN_VALUE) {
                        return pc + sc(i);
                    }
                    to--;
                    sp(t.regs, ra + 1, Tag.INT, to);
                }
                if (from > to) {
                    return pc + sc(i);
                }
                sp(t.regs, ra + 2, Tag.INT, from);
            }
            case Op.ITERPREP -> t.set(ra, LoopIter.of(t.get(ra)));
            case Op.ITERNEXT -> {
                t.pc = pc - 1; // saves pc: iterating a channel may wait
                if (!((LoopIter) t.refs[ra]).next(t, ra + 1, b(i))) {
                    return pc + sc(i);
                }
            }
            case Op.CALLB -> {
                t.pc = pc - 1; // saves pc: sleep and channel builtins may wait
                Builtin bi = Builtin.of(c(i));
                t.set(ra, bi.invoke(t, ra + 1, b(i)));
            }
            case Op.METHOD -> {
                t.pc = pc - 1; // saves pc: channel methods may wait
                String name = (String) p.kRef[c(i)];
                if (b(i) == 1 && lpTag(t.regs, ra) == Tag.REF && t.refs[ra] instanceof Channel ch && name.equals("send")) {
                    // A producer's per-value call: straight to the channel, without the lookup by
                    // receiver type and method name (same checks and errors as Methods.invoke).
                    Channels.send(t, ch, ra + 1);
                    t.set(ra, null);
                } else {
                    t.set(ra, Methods.invoke(t, t.get(ra), name, ra + 1, b(i)));
                }
            }
            case Op.CHECKTYPE -> {
                if (!Types.check(t, ra, b(i))) {
                    throw LimnError.typeMismatch("cannot assign " + Values.typeName(t.get(ra)) + " to variable '"
                            + p.kRef[c(i)] + "' of type " + Types.name(b(i)));
                }
            }
            case Op.CHECKRET -> {
                if (!Types.check(t, ra, b(i))) {
                    throw LimnError.typeMismatch("fn " + p.displayName() + " must return " + Types.name(b(i))
                            + ", got " + Values.typeName(t.get(ra)));
                }
            }
            case Op.NEWLIST -> {
                int from = base + b(i);
                ArrayList<Object> items = new ArrayList<>(c(i));
                for (int j = 0; j < c(i); j++) {
                    items.add(t.get(from + j));
                }
                t.set(ra, new ListValue(items));
            }
            case Op.NEWDICT -> {
                int from = base + b(i);
                DictValue d = new DictValue();
                for (int j = 0; j < c(i); j++) {
                    d.put(t.get(from + 2 * j), t.get(from + 2 * j + 1));
                }
                t.set(ra, d);
            }
            case Op.RANGE -> {
                Object lo = t.get(base + b(i));
                Object hi = t.get(base + c(i));
                if (!(lo instanceof Long l) || !(hi instanceof Long h)) {
                    Object bad = lo instanceof Long ? hi : lo;
                    throw LimnError.typeMismatch("range bounds must be int, got " + Values.typeName(bad));
                }
                t.set(ra, new RangeValue(l, h, k(i) != 0));
            }
            case Op.GETINDEX -> {
                int rb = base + b(i);
                int rc = base + c(i);
                // list[int] without boxing the index
                if (lpTag(t.regs, rb) == Tag.REF && t.refs[rb] instanceof ListValue l && lpTag(t.regs, rc) == Tag.INT) {
                    long index = lpPayload(t.regs, rc);
                    Object item = null;
                    boolean found = false;
                    synchronized (l) { // lists shared between tasks: single operations are atomic
                        if (index >= 0 && index < l.items.size()) {
                            item = l.items.get((int) index);
                            found = true;
                        }
                    }
                    if (found) {
                        t.set(ra, item);
                        return pc;
                    }
                }
                t.set(ra, Collections.get(t.get(rb), t.get(rc)));
            }
            case Op.SETINDEX -> {
                int rb = base + b(i);
                if (lpTag(t.regs, ra) == Tag.REF && t.refs[ra] instanceof ListValue l && lpTag(t.regs, rb) == Tag.INT) {
                    long index = lpPayload(t.regs, rb);
                    Object v = t.get(base + c(i));
                    synchronized (l) {
                        if (index >= 0 && index < l.items.size()) {
                            l.items.set((int) index, v);
                            return pc;
                        }
                    }
                }
                Collections.set(t.get(ra), t.get(rb), t.get(base + c(i)));
            }
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
            default -> {
                t.pc = pc - 1; // saves pc: the concurrency operations may wait
                return ConcOps.exec(t, i, pc);
            }
        }
        return pc;
    }

    private static Closure closure(TaskContext t, Proto p) {
        Box[] boxes = new Box[p.upIndex.length];
        for (int j = 0; j < boxes.length; j++) {
            boxes[j] = p.upFromLocal[j] ? (Box) t.refs[t.base + p.upIndex[j]] : t.closure.upvals[p.upIndex[j]];
        }
        return new Closure(p, boxes);
    }

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
        byte tx = lpTag(t.regs, x);
        long px = lpPayload(t.regs, x);
        byte ty = y >= 0 ? lpTag(t.regs, y) : p.kTag[-1 - y];
        long py = y >= 0 ? lpPayload(t.regs, y) : p.kPay[-1 - y];
        boolean xNum = tx == Tag.INT || tx == Tag.FLOAT;
        boolean yNum = ty == Tag.INT || ty == Tag.FLOAT;
        if (xNum && yNum && op <= Op.MOD) {
            if (tx == Tag.INT && ty == Tag.INT) {
                if (op == Op.DIV || op == Op.MOD) {
                    if (py == 0) {
                        throw new LimnError("DivisionByZero", "division by zero");
                    }
                    sp(t.regs, dst, Tag.INT, op == Op.DIV ? Math.divideExact(px, py) : px % py);
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
                sp(t.regs, dst, Tag.FLOAT, Double.doubleToRawLongBits(r));
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

    static LimnError notBool(TaskContext t, int abs) {
        return LimnError.typeMismatch("condition must be bool, got " + Values.typeName(t.get(abs)));
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
