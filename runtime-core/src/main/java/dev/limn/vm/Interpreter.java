package dev.limn.vm;

import static dev.limn.offheap.RegisterFile.lpPayload;
import static dev.limn.offheap.RegisterFile.lpTag;
import static dev.limn.offheap.RegisterFile.sp;
import static dev.limn.offheap.RegisterFile.spPayload;
import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.c;
import static dev.limn.vm.Instr.k;
import static dev.limn.vm.Instr.sc;

import dev.limn.vm.Opcode.Op;

import java.lang.foreign.MemorySegment;

/**
 * The dispatch loop. {@link #run} executes a task from its saved pc until it finishes,
 * fails with an unhandled error, or suspends (pc saved in the task), so any thread can
 * resume it later with another {@code run}.
 *
 * <p>Only fast paths live here (moves, int/float arithmetic, fused compare-and-branch,
 * the counting loop, calls, returns); everything else goes to {@link ColdOps}. This method
 * must stay under HotSpot's 8000-byte huge-method limit ({@code DispatchSizeTest}).
 * Raising needs no saved pc: the catch below sees the loop's {@code pc} local, looks up
 * handlers ({@link TaskContext#unwind}) and resumes there, so the success path pays
 * nothing for error handling.
 */
public final class Interpreter {
    public static final int DONE = 0;
    public static final int FAILED = 1;
    public static final int SUSPENDED = 2;
    public static final int TERMINATED = 3;

    private Interpreter() {}

    public static int run(TaskContext t) {
        Proto p = t.closure.proto;
        long[] code = p.code;
        long[] kp = p.kPay;
        byte[] kt = p.kTag;
        Box[] up = t.closure.upvals;
        MemorySegment regs = t.regs;
        Object[] refs = t.refs;
        int base = t.base;
        int pc = t.pc;
        for (;;) {
            try {
                for (;;) {
                    long i = code[pc++];
                    switch ((int) i & 0xFF) {
                        case Op.MOVE: {
                            int ra = base + a(i);
                            int rb = base + b(i);
                            sp(regs, ra, lpTag(regs, rb), lpPayload(regs, rb));
                            refs[ra] = refs[rb];
                            break;
                        }
                        case Op.LOADK: {
                            int ra = base + a(i);
                            int kc = c(i);
                            sp(regs, ra, kt[kc], kp[kc]);
                            refs[ra] = p.kRef[kc];
                            break;
                        }
                        case Op.LOADNIL:
                            sp(regs, base + a(i), Tag.NIL, 0);
                            break;
                        case Op.LOADBOOL:
                            sp(regs, base + a(i), Tag.BOOL, b(i));
                            break;
                        case Op.LOADINT:
                            sp(regs, base + a(i), Tag.INT, sc(i));
                            break;
                        case Op.GETBOX: {
                            int ra = base + a(i);
                            Box bx = (Box) refs[base + b(i)];
                            sp(regs, ra, bx.tag, bx.payload);
                            refs[ra] = bx.ref;
                            break;
                        }
                        case Op.SETBOX: {
                            int rb = base + b(i);
                            Box bx = (Box) refs[base + a(i)];
                            bx.tag = lpTag(regs, rb);
                            bx.payload = lpPayload(regs, rb);
                            bx.ref = bx.tag == Tag.REF ? refs[rb] : null;
                            break;
                        }
                        case Op.GETUPVAL: {
                            int ra = base + a(i);
                            Box bx = up[b(i)];
                            sp(regs, ra, bx.tag, bx.payload);
                            refs[ra] = bx.ref;
                            break;
                        }
                        case Op.SETUPVAL: {
                            int ra = base + a(i);
                            Box bx = up[b(i)];
                            bx.tag = lpTag(regs, ra);
                            bx.payload = lpPayload(regs, ra);
                            bx.ref = bx.tag == Tag.REF ? refs[ra] : null;
                            break;
                        }
                        case Op.ADD: {
                            int rb = base + b(i);
                            int rc = base + c(i);
                            byte tb = lpTag(regs, rb);
                            byte tc = lpTag(regs, rc);
                            if (tb == Tag.INT && tc == Tag.INT) {
                                sp(regs, base + a(i), Tag.INT, Math.addExact(lpPayload(regs, rb), lpPayload(regs, rc)));
                            } else if (tb == Tag.FLOAT && tc == Tag.FLOAT) {
                                sp(regs, base + a(i), Tag.FLOAT, dbits(dval(regs, rb) + dval(regs, rc)));
                            } else {
                                ColdOps.arith(t, Op.ADD, base + a(i), rb, rc);
                            }
                            break;
                        }
                        case Op.ADDK: {
                            int rb = base + b(i);
                            int kc = c(i);
                            byte tb = lpTag(regs, rb);
                            if (tb == Tag.INT && kt[kc] == Tag.INT) {
                                sp(regs, base + a(i), Tag.INT, Math.addExact(lpPayload(regs, rb), kp[kc]));
                            } else if (tb == Tag.FLOAT && kt[kc] == Tag.FLOAT) {
                                sp(regs, base + a(i), Tag.FLOAT, dbits(dval(regs, rb) + Double.longBitsToDouble(kp[kc])));
                            } else {
                                ColdOps.arith(t, Op.ADD, base + a(i), rb, -1 - kc);
                            }
                            break;
                        }
                        case Op.SUB: {
                            int rb = base + b(i);
                            int rc = base + c(i);
                            byte tb = lpTag(regs, rb);
                            byte tc = lpTag(regs, rc);
                            if (tb == Tag.INT && tc == Tag.INT) {
                                sp(regs, base + a(i), Tag.INT, Math.subtractExact(lpPayload(regs, rb), lpPayload(regs, rc)));
                            } else if (tb == Tag.FLOAT && tc == Tag.FLOAT) {
                                sp(regs, base + a(i), Tag.FLOAT, dbits(dval(regs, rb) - dval(regs, rc)));
                            } else {
                                ColdOps.arith(t, Op.SUB, base + a(i), rb, rc);
                            }
                            break;
                        }
                        case Op.SUBK: {
                            int rb = base + b(i);
                            int kc = c(i);
                            byte tb = lpTag(regs, rb);
                            if (tb == Tag.INT && kt[kc] == Tag.INT) {
                                sp(regs, base + a(i), Tag.INT, Math.subtractExact(lpPayload(regs, rb), kp[kc]));
                            } else if (tb == Tag.FLOAT && kt[kc] == Tag.FLOAT) {
                                sp(regs, base + a(i), Tag.FLOAT, dbits(dval(regs, rb) - Double.longBitsToDouble(kp[kc])));
                            } else {
                                ColdOps.arith(t, Op.SUB, base + a(i), rb, -1 - kc);
                            }
                            break;
                        }
                        case Op.MUL: {
                            int rb = base + b(i);
                            int rc = base + c(i);
                            byte tb = lpTag(regs, rb);
                            byte tc = lpTag(regs, rc);
                            if (tb == Tag.INT && tc == Tag.INT) {
                                sp(regs, base + a(i), Tag.INT, Math.multiplyExact(lpPayload(regs, rb), lpPayload(regs, rc)));
                            } else if (tb == Tag.FLOAT && tc == Tag.FLOAT) {
                                sp(regs, base + a(i), Tag.FLOAT, dbits(dval(regs, rb) * dval(regs, rc)));
                            } else {
                                ColdOps.arith(t, Op.MUL, base + a(i), rb, rc);
                            }
                            break;
                        }
                        case Op.MULK: {
                            int rb = base + b(i);
                            int kc = c(i);
                            byte tb = lpTag(regs, rb);
                            if (tb == Tag.INT && kt[kc] == Tag.INT) {
                                sp(regs, base + a(i), Tag.INT, Math.multiplyExact(lpPayload(regs, rb), kp[kc]));
                            } else if (tb == Tag.FLOAT && kt[kc] == Tag.FLOAT) {
                                sp(regs, base + a(i), Tag.FLOAT, dbits(dval(regs, rb) * Double.longBitsToDouble(kp[kc])));
                            } else {
                                ColdOps.arith(t, Op.MUL, base + a(i), rb, -1 - kc);
                            }
                            break;
                        }
                        case Op.DIV: {
                            int rb = base + b(i);
                            int rc = base + c(i);
                            if (lpTag(regs, rb) == Tag.FLOAT && lpTag(regs, rc) == Tag.FLOAT) {
                                sp(regs, base + a(i), Tag.FLOAT, dbits(dval(regs, rb) / dval(regs, rc)));
                            } else {
                                ColdOps.arith(t, Op.DIV, base + a(i), rb, rc);
                            }
                            break;
                        }
                        case Op.JMP: {
                            int off = sc(i);
                            // the trap is read before moving pc, so a raised Cancelled belongs to this jump
                            if (off < 0 && t.lpTrap() != 0) {
                                t.pc = pc + off;
                                int s = t.onTrap();
                                if (s >= 0) {
                                    return s;
                                }
                            }
                            pc += off;
                            break;
                        }
                        case Op.TEST: {
                            int ra = base + a(i);
                            if (lpTag(regs, ra) != Tag.BOOL) {
                                throw ColdOps.notBool(t, ra);
                            }
                            if (lpPayload(regs, ra) == k(i)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.LT: {
                            int ra = base + a(i);
                            int rb = base + b(i);
                            boolean r;
                            if (lpTag(regs, ra) == Tag.INT && lpTag(regs, rb) == Tag.INT) {
                                r = lpPayload(regs, ra) < lpPayload(regs, rb);
                            } else {
                                r = ColdOps.compare(t.get(ra), t.get(rb), "<") < 0;
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.LE: {
                            int ra = base + a(i);
                            int rb = base + b(i);
                            boolean r;
                            if (lpTag(regs, ra) == Tag.INT && lpTag(regs, rb) == Tag.INT) {
                                r = lpPayload(regs, ra) <= lpPayload(regs, rb);
                            } else {
                                r = ColdOps.compare(t.get(ra), t.get(rb), "<=") <= 0;
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.EQ: {
                            int ra = base + a(i);
                            int rb = base + b(i);
                            boolean r;
                            if (lpTag(regs, ra) == Tag.INT && lpTag(regs, rb) == Tag.INT) {
                                r = lpPayload(regs, ra) == lpPayload(regs, rb);
                            } else {
                                r = Values.equal(t.get(ra), t.get(rb));
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.LTK: {
                            int ra = base + a(i);
                            int kb = b(i);
                            boolean r;
                            if (lpTag(regs, ra) == Tag.INT && kt[kb] == Tag.INT) {
                                r = lpPayload(regs, ra) < kp[kb];
                            } else if (lpTag(regs, ra) == Tag.FLOAT && kt[kb] == Tag.FLOAT) {
                                r = dval(regs, ra) < Double.longBitsToDouble(kp[kb]);
                            } else {
                                r = ColdOps.compare(t.get(ra), p.constant(kb), "<") < 0;
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.LEK: {
                            int ra = base + a(i);
                            int kb = b(i);
                            boolean r;
                            if (lpTag(regs, ra) == Tag.INT && kt[kb] == Tag.INT) {
                                r = lpPayload(regs, ra) <= kp[kb];
                            } else {
                                r = ColdOps.compare(t.get(ra), p.constant(kb), "<=") <= 0;
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.GTK: {
                            int ra = base + a(i);
                            int kb = b(i);
                            boolean r;
                            if (lpTag(regs, ra) == Tag.INT && kt[kb] == Tag.INT) {
                                r = lpPayload(regs, ra) > kp[kb];
                            } else if (lpTag(regs, ra) == Tag.FLOAT && kt[kb] == Tag.FLOAT) {
                                r = dval(regs, ra) > Double.longBitsToDouble(kp[kb]);
                            } else {
                                r = ColdOps.compare(t.get(ra), p.constant(kb), ">") > 0;
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.GEK: {
                            int ra = base + a(i);
                            int kb = b(i);
                            boolean r;
                            if (lpTag(regs, ra) == Tag.INT && kt[kb] == Tag.INT) {
                                r = lpPayload(regs, ra) >= kp[kb];
                            } else {
                                r = ColdOps.compare(t.get(ra), p.constant(kb), ">=") >= 0;
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.EQK: {
                            int ra = base + a(i);
                            int kb = b(i);
                            boolean r;
                            if (lpTag(regs, ra) == Tag.INT && kt[kb] == Tag.INT) {
                                r = lpPayload(regs, ra) == kp[kb];
                            } else {
                                r = Values.equal(t.get(ra), p.constant(kb));
                            }
                            if (r == (k(i) != 0)) {
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.FORLOOP: {
                            int ra = base + a(i);
                            long v = lpPayload(regs, ra);
                            if (v < lpPayload(regs, ra + 1)) {
                                v++;
                                spPayload(regs, ra, v);
                                sp(regs, ra + 2, Tag.INT, v);
                                if (t.lpTrap() != 0) {
                                    t.pc = pc + sc(i);
                                    int s = t.onTrap();
                                    if (s >= 0) {
                                        return s;
                                    }
                                }
                                pc += sc(i);
                            }
                            break;
                        }
                        case Op.CALL: {
                            if (t.lpTrap() != 0) {
                                // on resume the call runs again: it has not started
                                t.pc = pc - 1;
                                int s = t.onTrap();
                                if (s >= 0) {
                                    return s;
                                }
                            }
                            pc = t.call(a(i), b(i), pc);
                            p = t.closure.proto;
                            code = p.code;
                            kp = p.kPay;
                            kt = p.kTag;
                            up = t.closure.upvals;
                            regs = t.regs;
                            refs = t.refs;
                            base = t.base;
                            break;
                        }
                        case Op.RETURN:
                        case Op.RETNIL: {
                            pc = t.ret(((int) i & 0xFF) == Op.RETURN ? base + a(i) : -1);
                            if (pc < 0) {
                                t.pc = 0;
                                return DONE;
                            }
                            p = t.closure.proto;
                            code = p.code;
                            kp = p.kPay;
                            kt = p.kTag;
                            up = t.closure.upvals;
                            regs = t.regs;
                            refs = t.refs;
                            base = t.base;
                            break;
                        }
                        case Op.DEFAULT:
                            if (lpTag(regs, base + a(i)) != Tag.ABSENT) {
                                pc += sc(i);
                            }
                            break;
                        case Op.SUSPEND_TEST:
                            t.pc = pc;
                            return SUSPENDED;
                        default:
                            pc = ColdOps.exec(t, i, pc);
                            break;
                    }
                }
            } catch (LimnError e) {
                pc = t.unwind(e.value, pc - 1);
            } catch (ArithmeticException e) {
                pc = t.unwind(new ErrorValue("Overflow", "integer overflow"), pc - 1);
            } catch (StackOverflowError e) {
                pc = t.unwind(new ErrorValue("StackOverflow", "value nested too deeply"), pc - 1);
            }
            if (pc < 0) {
                return FAILED;
            }
            p = t.closure.proto;
            code = p.code;
            kp = p.kPay;
            kt = p.kTag;
            up = t.closure.upvals;
            regs = t.regs;
            refs = t.refs;
            base = t.base;
        }
    }

    private static double dval(MemorySegment regs, int r) {
        return Double.longBitsToDouble(lpPayload(regs, r));
    }

    private static long dbits(double d) {
        return Double.doubleToRawLongBits(d);
    }
}
