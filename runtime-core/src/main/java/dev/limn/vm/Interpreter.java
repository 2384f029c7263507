package dev.limn.vm;

import static dev.limn.offheap.RegisterFile.REGISTER_BYTES;
import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.aOffset;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.bOffset;
import static dev.limn.vm.Instr.c;
import static dev.limn.vm.Instr.cOffset;
import static dev.limn.vm.Instr.k;
import static dev.limn.vm.Instr.sc;
import static dev.limn.vm.Registers.lpPayloadAt;
import static dev.limn.vm.Registers.lpTagAt;
import static dev.limn.vm.Registers.spAt;
import static dev.limn.vm.Registers.spPayloadAt;

import dev.limn.offheap.CheckedMode;
import dev.limn.value.ErrorValue;
import dev.limn.value.LimnError;
import dev.limn.vm.Opcode.Family.Id;
import dev.limn.vm.Opcode.Op;

/**
 * The dispatch loop. {@link #run} executes a task from its saved pc until it finishes,
 * fails with an unhandled error, or suspends (pc saved in the task), so any thread can
 * resume it later with another {@code run}.
 *
 * <p>Only fast paths live here (moves, int/float arithmetic, fused compare-and-branch,
 * the counting loop, calls, returns): the opcodes of {@link Opcode.Family#HOT}. Every other
 * instruction is executed by the one class of its family, which the {@code default} branch
 * calls directly. This method must stay under HotSpot's 8000-byte huge-method limit
 * ({@code DispatchSizeTest}).
 * Raising needs no saved pc: the catch below sees the loop's {@code pc} local, looks up
 * handlers ({@link TaskContext#unwind}) and resumes there, so the success path pays
 * nothing for error handling.
 *
 * <p>Registers are read and written through raw addresses: {@code fp} is the address of the
 * frame's first register and an operand's address is {@code fp} plus its byte offset
 * ({@link Instr#aOffset}). No access is checked; what makes that safe is checked once
 * instead: every register operand of a function's code is below its register count
 * ({@link Proto}'s constructor), and a frame's window lies inside its block
 * ({@link TaskContext#call}). A register's reference slot is written only when its tag is
 * {@link Tag#REF}: a stale reference behind a number is never read. The accessors are
 * {@link Registers}': in the checked VM mode ({@code -Dlimn.vm.checked=true}) they check every
 * access against the frame's window as well, and the loop records the pc of each instruction
 * for their messages; when the mode is off both fold away.
 */
public final class Interpreter {
    public static final int DONE = 0;
    public static final int FAILED = 1;
    public static final int SUSPENDED = 2;
    public static final int TERMINATED = 3;

    /** {@link Opcode#family} of every opcode, by opcode: the {@code default} branch's one lookup. */
    private static final byte[] FAMILIES = families();
    /** Whether each opcode has {@link Opcode.Flag#MAY_SUSPEND}, by opcode. */
    private static final boolean[] MAY_SUSPEND = maySuspend();

    private Interpreter() {}

    private static byte[] families() {
        Opcode[] ops = Opcode.values();
        byte[] families = new byte[ops.length];
        for (Opcode op : ops) {
            families[op.ordinal()] = (byte) op.family.ordinal();
        }
        return families;
    }

    /**
     * Executes instruction {@code w} of a family other than HOT: one lookup of its family, one
     * call of the family's class; returns the next pc. When it {@link Opcode.Flag#MAY_SUSPEND},
     * its pc is saved in the task first, so that it runs again from its start when the task
     * resumes ({@link Waiting}).
     *
     * <p>A method of its own so that C2 compiles the families' code apart from {@link #run}:
     * inlined into the dispatch loop, hot family methods use up its inlining budget and the hot
     * cases lose their inlined helpers (a parallel loop run after a channel program runs 2.5
     * times slower). Compiled on its own, this method inlines them and is then too big to be
     * inlined itself.
     */
    static int byFamily(TaskContext t, long w, int pc) {
        int op = (int) w & 0xFF;
        if (MAY_SUSPEND[op]) {
            t.pc = pc - 1;
        }
        return switch (FAMILIES[op]) {
            case Id.OPERATORS -> Operators.exec(t, w, pc);
            case Id.CAPTURES -> Captures.exec(t, w, pc);
            case Id.COLLECTIONS -> Collections.exec(t, w, pc);
            case Id.LOOPS -> Loops.exec(t, w, pc);
            case Id.BUILTINS -> Builtin.exec(t, w, pc);
            case Id.METHODS -> Methods.exec(t, w, pc);
            case Id.TYPES -> Types.exec(t, w, pc);
            case Id.ERRORS -> Errors.exec(t, w, pc);
            case Id.ATOMICS -> Atomics.exec(t, w, pc);
            case Id.CHANNELS -> Channels.exec(t, w, pc);
            case Id.FUTURES -> Futures.exec(t, w, pc);
            case Id.UNITS -> Units.exec(t, w, pc);
            case Id.PARALLEL_LOOPS -> ParallelLoops.exec(t, w, pc);
            default -> throw noHandler(w);
        };
    }

    private static boolean[] maySuspend() {
        Opcode[] ops = Opcode.values();
        boolean[] may = new boolean[ops.length];
        for (Opcode op : ops) {
            may[op.ordinal()] = op.has(Opcode.Flag.MAY_SUSPEND);
        }
        return may;
    }

    private static IllegalStateException noHandler(long w) {
        return new IllegalStateException("no handler for opcode " + Opcode.of(Instr.op(w)));
    }

    public static int run(TaskContext t) {
        if (t.tier != Tier.Mode.OFF) {
            int s = Tier.resume(t);
            if (s >= 0) {
                return s;
            }
        }
        return interpret(t);
    }

    /**
     * The dispatch loop. Apart from {@link #run}, so that a task that resumes in compiled code
     * (a channel loop that parks and wakes, in the tier) does not count towards the JIT
     * compiling this method: C1 takes about 40 ms on it, time the other compilations of a
     * starting program wait for (docs/design.md, "Start-up").
     */
    private static int interpret(TaskContext t) {
        // Few locals on purpose (t, code, k, fp, pc): every local live across the dispatch
        // loop competes for registers at its head, and C2 spills the losers on every
        // instruction (measured: with ten locals the counting loop ran ~80 machine
        // instructions per iteration). References, the base index and the proto are loaded
        // from t where used; constants come interleaved in one array (Proto.kPayTag), as a
        // field load used by several cases is hoisted above the switch.
        Proto p = t.closure.proto;
        long[] code = p.code;
        long[] k = p.kPayTag;
        long fp = t.frameAddress();
        int pc = t.pc;
        for (;;) {
            try {
                dispatch:
                for (;;) {
                    long w = code[pc++];
                    if (CheckedMode.ENABLED) {
                        t.checkedPc = pc - 1;
                    }
                    switch ((int) w & 0xFF) {
                        case Op.MOVE: {
                            long i = own(w, Op.MOVE);
                            long rb = fp + bOffset(i);
                            byte tb = lpTagAt(t, rb);
                            spAt(t, fp + aOffset(i), tb, lpPayloadAt(t, rb));
                            if (tb == Tag.REF) {
                                t.refs[t.base + a(i)] = t.refs[t.base + b(i)];
                            }
                            break;
                        }
                        case Op.LOADK: {
                            long i = own(w, Op.LOADK);
                            int kc = c(i);
                            byte tk = ktag(k, kc);
                            spAt(t, fp + aOffset(i), tk, kpay(k, kc));
                            if (tk == Tag.REF) {
                                t.refs[t.base + a(i)] = t.closure.proto.kRef[kc];
                            }
                            break;
                        }
                        case Op.LOADNIL: {
                            long i = own(w, Op.LOADNIL);
                            spAt(t, fp + aOffset(i), Tag.NIL, 0);
                            break;
                        }
                        case Op.LOADBOOL: {
                            long i = own(w, Op.LOADBOOL);
                            spAt(t, fp + aOffset(i), Tag.BOOL, b(i));
                            break;
                        }
                        case Op.LOADINT: {
                            long i = own(w, Op.LOADINT);
                            spAt(t, fp + aOffset(i), Tag.INT, sc(i));
                            break;
                        }
                        case Op.GETBOX: {
                            long i = own(w, Op.GETBOX);
                            int ra = t.base + a(i);
                            Box bx = (Box) t.refs[t.base + b(i)];
                            spAt(t, fp + aOffset(i), bx.tag, bx.payload);
                            t.refs[ra] = bx.ref;
                            break;
                        }
                        case Op.SETBOX: {
                            long i = own(w, Op.SETBOX);
                            long rb = fp + bOffset(i);
                            Box bx = (Box) t.refs[t.base + a(i)];
                            bx.tag = lpTagAt(t, rb);
                            bx.payload = lpPayloadAt(t, rb);
                            bx.ref = bx.tag == Tag.REF ? t.refs[t.base + b(i)] : null;
                            break;
                        }
                        case Op.AUPDATE: {
                            long i = own(w, Op.AUPDATE);
                            long rb = fp + bOffset(i);
                            // the shared counter (`counter += 1` in a task): an int added to an int cell, inline
                            if (c(i) == 0 && lpTagAt(t, rb) == Tag.INT && t.refs[t.base + a(i)] instanceof AtomicValue cell
                                    && cell.holdsInt()) {
                                cell.addInt(lpPayloadAt(t, rb));
                                break;
                            }
                            Atomics.update(t, i);
                            break;
                        }
                        case Op.GETUPVAL: {
                            long i = own(w, Op.GETUPVAL);
                            Box bx = t.closure.upvals[b(i)];
                            spAt(t, fp + aOffset(i), bx.tag, bx.payload);
                            t.refs[t.base + a(i)] = bx.ref;
                            break;
                        }
                        case Op.SETUPVAL: {
                            long i = own(w, Op.SETUPVAL);
                            long ra = fp + aOffset(i);
                            Box bx = t.closure.upvals[b(i)];
                            if (bx.owner != t) {
                                Captures.claimForWrite(t, bx, b(i));
                            }
                            bx.tag = lpTagAt(t, ra);
                            bx.payload = lpPayloadAt(t, ra);
                            bx.ref = bx.tag == Tag.REF ? t.refs[t.base + a(i)] : null;
                            break;
                        }
                        case Op.ADD: {
                            long i = own(w, Op.ADD);
                            long rb = fp + bOffset(i);
                            long rc = fp + cOffset(i);
                            byte tb = lpTagAt(t, rb);
                            byte tc = lpTagAt(t, rc);
                            if (tb == Tag.INT && tc == Tag.INT) {
                                spAt(t, fp + aOffset(i), Tag.INT, Math.addExact(lpPayloadAt(t, rb), lpPayloadAt(t, rc)));
                            } else if (tb == Tag.FLOAT && tc == Tag.FLOAT) {
                                spAt(t, fp + aOffset(i), Tag.FLOAT, dbits(dval(t, rb) + dval(t, rc)));
                            } else {
                                Operators.arith(t, Op.ADD, t.base + a(i), t.base + b(i), t.base + c(i));
                            }
                            break;
                        }
                        case Op.ADDK: {
                            long i = own(w, Op.ADDK);
                            long rb = fp + bOffset(i);
                            int kc = c(i);
                            byte tb = lpTagAt(t, rb);
                            byte tk = ktag(k, kc);
                            if (tb == Tag.INT && tk == Tag.INT) {
                                spAt(t, fp + aOffset(i), Tag.INT, Math.addExact(lpPayloadAt(t, rb), kpay(k, kc)));
                            } else if (tb == Tag.FLOAT && tk == Tag.FLOAT) {
                                spAt(t, fp + aOffset(i), Tag.FLOAT, dbits(dval(t, rb) + Double.longBitsToDouble(kpay(k, kc))));
                            } else {
                                Operators.arith(t, Op.ADD, t.base + a(i), t.base + b(i), -1 - kc);
                            }
                            break;
                        }
                        case Op.SUB: {
                            long i = own(w, Op.SUB);
                            long rb = fp + bOffset(i);
                            long rc = fp + cOffset(i);
                            byte tb = lpTagAt(t, rb);
                            byte tc = lpTagAt(t, rc);
                            if (tb == Tag.INT && tc == Tag.INT) {
                                spAt(t, fp + aOffset(i), Tag.INT, Math.subtractExact(lpPayloadAt(t, rb), lpPayloadAt(t, rc)));
                            } else if (tb == Tag.FLOAT && tc == Tag.FLOAT) {
                                spAt(t, fp + aOffset(i), Tag.FLOAT, dbits(dval(t, rb) - dval(t, rc)));
                            } else {
                                Operators.arith(t, Op.SUB, t.base + a(i), t.base + b(i), t.base + c(i));
                            }
                            break;
                        }
                        case Op.SUBK: {
                            long i = own(w, Op.SUBK);
                            long rb = fp + bOffset(i);
                            int kc = c(i);
                            byte tb = lpTagAt(t, rb);
                            byte tk = ktag(k, kc);
                            if (tb == Tag.INT && tk == Tag.INT) {
                                spAt(t, fp + aOffset(i), Tag.INT, Math.subtractExact(lpPayloadAt(t, rb), kpay(k, kc)));
                            } else if (tb == Tag.FLOAT && tk == Tag.FLOAT) {
                                spAt(t, fp + aOffset(i), Tag.FLOAT, dbits(dval(t, rb) - Double.longBitsToDouble(kpay(k, kc))));
                            } else {
                                Operators.arith(t, Op.SUB, t.base + a(i), t.base + b(i), -1 - kc);
                            }
                            break;
                        }
                        case Op.MUL: {
                            long i = own(w, Op.MUL);
                            long rb = fp + bOffset(i);
                            long rc = fp + cOffset(i);
                            byte tb = lpTagAt(t, rb);
                            byte tc = lpTagAt(t, rc);
                            if (tb == Tag.FLOAT && tc == Tag.FLOAT) {
                                spAt(t, fp + aOffset(i), Tag.FLOAT, dbits(dval(t, rb) * dval(t, rc)));
                            } else if (tb == Tag.INT && tc == Tag.INT) {
                                spAt(t, fp + aOffset(i), Tag.INT, Math.multiplyExact(lpPayloadAt(t, rb), lpPayloadAt(t, rc)));
                            } else {
                                Operators.arith(t, Op.MUL, t.base + a(i), t.base + b(i), t.base + c(i));
                            }
                            break;
                        }
                        case Op.MULK: {
                            long i = own(w, Op.MULK);
                            long rb = fp + bOffset(i);
                            int kc = c(i);
                            byte tb = lpTagAt(t, rb);
                            byte tk = ktag(k, kc);
                            if (tb == Tag.FLOAT && tk == Tag.FLOAT) {
                                spAt(t, fp + aOffset(i), Tag.FLOAT, dbits(dval(t, rb) * Double.longBitsToDouble(kpay(k, kc))));
                            } else if (tb == Tag.INT && tk == Tag.INT) {
                                spAt(t, fp + aOffset(i), Tag.INT, Math.multiplyExact(lpPayloadAt(t, rb), kpay(k, kc)));
                            } else {
                                Operators.arith(t, Op.MUL, t.base + a(i), t.base + b(i), -1 - kc);
                            }
                            break;
                        }
                        case Op.DIV: {
                            long i = own(w, Op.DIV);
                            long rb = fp + bOffset(i);
                            long rc = fp + cOffset(i);
                            if (lpTagAt(t, rb) == Tag.FLOAT && lpTagAt(t, rc) == Tag.FLOAT) {
                                spAt(t, fp + aOffset(i), Tag.FLOAT, dbits(dval(t, rb) / dval(t, rc)));
                            } else {
                                Operators.arith(t, Op.DIV, t.base + a(i), t.base + b(i), t.base + c(i));
                            }
                            break;
                        }
                        case Op.DIVK: {
                            long i = own(w, Op.DIVK);
                            long rb = fp + bOffset(i);
                            int kc = c(i);
                            if (lpTagAt(t, rb) == Tag.FLOAT && ktag(k, kc) == Tag.FLOAT) {
                                spAt(t, fp + aOffset(i), Tag.FLOAT, dbits(dval(t, rb) / Double.longBitsToDouble(kpay(k, kc))));
                            } else {
                                Operators.arith(t, Op.DIV, t.base + a(i), t.base + b(i), -1 - kc);
                            }
                            break;
                        }
                        case Op.JMP: {
                            long i = own(w, Op.JMP);
                            int off = sc(i);
                            // a back edge charges the loop's body to the budget; the trap is read before
                            // moving pc, so a raised Cancelled or BudgetExceeded belongs to this jump
                            if (off < 0 && ((t.fuel += off) < 0 || t.lpTrap() != 0 || --t.tierCountdown < 0)) {
                                t.pc = pc + off;
                                int s = Tier.backEdge(t, pc - 1);
                                if (s != Tier.STAY) {
                                    if (s >= 0) {
                                        return s;
                                    }
                                    pc = t.pc;
                                    break dispatch;
                                }
                            }
                            pc += off;
                            break;
                        }
                        case Op.TEST: {
                            long i = own(w, Op.TEST);
                            long ra = fp + aOffset(i);
                            if (lpTagAt(t, ra) != Tag.BOOL) {
                                throw Operators.notBool(t, t.base + a(i));
                            }
                            if (lpPayloadAt(t, ra) == k(i)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.LT: {
                            long i = own(w, Op.LT);
                            long ra = fp + aOffset(i);
                            long rb = fp + bOffset(i);
                            byte ta = lpTagAt(t, ra);
                            byte tb = lpTagAt(t, rb);
                            boolean r;
                            if (ta == Tag.INT && tb == Tag.INT) {
                                r = lpPayloadAt(t, ra) < lpPayloadAt(t, rb);
                            } else if (ta == Tag.FLOAT && tb == Tag.FLOAT) {
                                r = dval(t, ra) < dval(t, rb);
                            } else {
                                r = Operators.compare(t.get(t.base + a(i)), t.get(t.base + b(i)), "<") < 0;
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.LE: {
                            long i = own(w, Op.LE);
                            long ra = fp + aOffset(i);
                            long rb = fp + bOffset(i);
                            byte ta = lpTagAt(t, ra);
                            byte tb = lpTagAt(t, rb);
                            boolean r;
                            if (ta == Tag.INT && tb == Tag.INT) {
                                r = lpPayloadAt(t, ra) <= lpPayloadAt(t, rb);
                            } else if (ta == Tag.FLOAT && tb == Tag.FLOAT) {
                                r = dval(t, ra) <= dval(t, rb);
                            } else {
                                r = Operators.compare(t.get(t.base + a(i)), t.get(t.base + b(i)), "<=") <= 0;
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.EQ: {
                            long i = own(w, Op.EQ);
                            long ra = fp + aOffset(i);
                            long rb = fp + bOffset(i);
                            boolean r;
                            if (lpTagAt(t, ra) == Tag.INT && lpTagAt(t, rb) == Tag.INT) {
                                r = lpPayloadAt(t, ra) == lpPayloadAt(t, rb);
                            } else {
                                r = Values.equal(t.get(t.base + a(i)), t.get(t.base + b(i)));
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.LTK: {
                            long i = own(w, Op.LTK);
                            long ra = fp + aOffset(i);
                            int kb = b(i);
                            byte ta = lpTagAt(t, ra);
                            byte tk = ktag(k, kb);
                            boolean r;
                            if (ta == Tag.INT && tk == Tag.INT) {
                                r = lpPayloadAt(t, ra) < kpay(k, kb);
                            } else if (ta == Tag.FLOAT && tk == Tag.FLOAT) {
                                r = dval(t, ra) < Double.longBitsToDouble(kpay(k, kb));
                            } else {
                                r = Operators.compare(t.get(t.base + a(i)), t.closure.proto.constant(kb), "<") < 0;
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.LEK: {
                            long i = own(w, Op.LEK);
                            long ra = fp + aOffset(i);
                            int kb = b(i);
                            boolean r;
                            if (lpTagAt(t, ra) == Tag.INT && ktag(k, kb) == Tag.INT) {
                                r = lpPayloadAt(t, ra) <= kpay(k, kb);
                            } else {
                                r = Operators.compare(t.get(t.base + a(i)), t.closure.proto.constant(kb), "<=") <= 0;
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.GTK: {
                            long i = own(w, Op.GTK);
                            long ra = fp + aOffset(i);
                            int kb = b(i);
                            byte ta = lpTagAt(t, ra);
                            byte tk = ktag(k, kb);
                            boolean r;
                            if (ta == Tag.FLOAT && tk == Tag.FLOAT) {
                                r = dval(t, ra) > Double.longBitsToDouble(kpay(k, kb));
                            } else if (ta == Tag.INT && tk == Tag.INT) {
                                r = lpPayloadAt(t, ra) > kpay(k, kb);
                            } else {
                                r = Operators.compare(t.get(t.base + a(i)), t.closure.proto.constant(kb), ">") > 0;
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.GEK: {
                            long i = own(w, Op.GEK);
                            long ra = fp + aOffset(i);
                            int kb = b(i);
                            boolean r;
                            if (lpTagAt(t, ra) == Tag.INT && ktag(k, kb) == Tag.INT) {
                                r = lpPayloadAt(t, ra) >= kpay(k, kb);
                            } else {
                                r = Operators.compare(t.get(t.base + a(i)), t.closure.proto.constant(kb), ">=") >= 0;
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.EQK: {
                            long i = own(w, Op.EQK);
                            long ra = fp + aOffset(i);
                            int kb = b(i);
                            boolean r;
                            if (lpTagAt(t, ra) == Tag.INT && ktag(k, kb) == Tag.INT) {
                                r = lpPayloadAt(t, ra) == kpay(k, kb);
                            } else {
                                r = Values.equal(t.get(t.base + a(i)), t.closure.proto.constant(kb));
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.FORLOOP: {
                            long i = own(w, Op.FORLOOP);
                            // the counter R[A] and the limit R[A+1] are ints (FORPREP checked): payloads only
                            long ra = fp + aOffset(i);
                            long v = lpPayloadAt(t, ra);
                            if (v < lpPayloadAt(t, ra + REGISTER_BYTES)) {
                                v++;
                                spPayloadAt(t, ra, v);
                                spAt(t, ra + 2 * REGISTER_BYTES, Tag.INT, v);
                                if ((t.fuel += sc(i)) < 0 || t.lpTrap() != 0 || --t.tierCountdown < 0) {
                                    t.pc = pc + sc(i);
                                    int s = Tier.backEdge(t, pc - 1);
                                    if (s != Tier.STAY) {
                                        if (s >= 0) {
                                            return s;
                                        }
                                        pc = t.pc;
                                        break dispatch;
                                    }
                                }
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.CALL: {
                            long i = own(w, Op.CALL);
                            if (t.fuel < 0 || t.lpTrap() != 0) {
                                // on resume the call runs again: it has not started
                                t.pc = pc - 1;
                                int s = t.onSafepoint();
                                if (s >= 0) {
                                    return s;
                                }
                            }
                            pc = t.call(a(i), b(i), pc);
                            p = t.closure.proto;
                            code = p.code;
                            if (pc == 0) {
                                t.fuel -= code.length; // a script function entered: its length, checked at the next safepoint
                                if (t.tier != Tier.Mode.OFF) {
                                    int s = Tier.enterCall(t);
                                    if (s != Tier.STAY) {
                                        if (s >= 0) {
                                            return s;
                                        }
                                        pc = t.pc;
                                        break dispatch;
                                    }
                                }
                            }
                            k = p.kPayTag;
                            fp = t.frameAddress();
                            break;
                        }
                        case Op.RETURN:
                        case Op.RETNIL: {
                            long i = own(w, Op.RETNIL);
                            pc = t.ret(((int) w & 0xFF) == Op.RETURN ? t.base + a(i) : -1);
                            if (pc < 0) {
                                t.pc = 0;
                                return DONE;
                            }
                            p = t.closure.proto;
                            code = p.code;
                            k = p.kPayTag;
                            fp = t.frameAddress();
                            break;
                        }
                        case Op.DEFAULT: {
                            long i = own(w, Op.DEFAULT);
                            if (lpTagAt(t, fp + aOffset(i)) != Tag.ABSENT) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.SUSPEND_TEST:
                            t.pc = pc;
                            return SUSPENDED;
                        default:
                            pc = byFamily(t, w, pc);
                            break;
                    }
                }
            } catch (LimnError e) {
                pc = t.unwind(e.value, pc - 1);
            } catch (ArithmeticException e) {
                pc = t.unwind(new ErrorValue("Overflow", "integer overflow"), pc - 1);
            } catch (StackOverflowError e) {
                pc = t.unwind(new ErrorValue("StackOverflow", "value nested too deeply"), pc - 1);
            } catch (OutOfMemoryError e) {
                pc = t.outOfMemory(pc - 1);
            }
            if (pc < 0) {
                return FAILED;
            }
            p = t.closure.proto;
            code = p.code;
            k = p.kPayTag;
            fp = t.frameAddress();
        }
    }

    /**
     * The instruction word as seen by the case for {@code op}: the same operand fields (the
     * xor only clears the opcode byte, which every case knows), but a different expression in
     * every case. Without it C2 commons the identical operand decoding of all cases and
     * computes it once above the switch, for every instruction, spilling the results: the
     * Mandelbrot loop ran ~60 machine instructions of decoding per Limn instruction.
     */
    private static long own(long w, int op) {
        return w ^ op;
    }

    private static byte ktag(long[] k, int kc) {
        return (byte) k[2 * kc + 1];
    }

    private static long kpay(long[] k, int kc) {
        return k[2 * kc];
    }

    private static double dval(TaskContext t, long reg) {
        return Double.longBitsToDouble(lpPayloadAt(t, reg));
    }

    private static long dbits(double d) {
        return Double.doubleToRawLongBits(d);
    }
}
