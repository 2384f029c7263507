package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.c;
import static dev.limn.vm.Instr.k;
import static dev.limn.vm.Instr.sc;
import static dev.limn.vm.Registers.lpPayload;
import static dev.limn.vm.Registers.lpTag;
import static dev.limn.vm.Registers.sp;

import dev.limn.chan.Channel;
import dev.limn.vm.Opcode.Op;

/**
 * The instructions compiled code does not specialise, executed one at a time on the register
 * window as the interpreter executes them: compiled code writes back its registers, calls
 * {@link #step}, and reads the registers the instruction wrote from memory again. Every family
 * but the interpreter's own is its family class's ({@link Interpreter#byFamily}); the hot
 * family's instructions are the interpreter's cases on absolute registers, slow paths included.
 * Also the list fast paths' helpers ({@link #item}, {@link #setItem}, {@link #push},
 * {@link #listLength}), which answer "not here" rather than raise, so that compiled code leaves
 * to the interpreter before the instruction.
 */
final class TierOps {
    private TierOps() {}

    /**
     * Executes instruction {@code w}, whose pc is {@code next - 1}, of the current frame of
     * {@code t}; returns the pc to go on at. The pc is saved first: an error raised here, or a
     * suspension, belongs to this instruction.
     */
    static int step(TaskContext t, long w, int next) {
        t.pc = next - 1;
        int op = (int) w & 0xFF;
        int base = t.base;
        switch (op) {
            case Op.MOVE -> move(t, a(w), b(w));
            case Op.LOADK -> {
                Proto p = t.closure.proto;
                int kc = c(w);
                int ra = base + a(w);
                sp(t, ra, p.kTag[kc], p.kPay[kc]);
                if (p.kTag[kc] == Tag.REF) {
                    t.refs[ra] = p.kRef[kc];
                }
            }
            case Op.LOADNIL -> sp(t, base + a(w), Tag.NIL, 0);
            case Op.GETBOX -> getBox(t, a(w), b(w));
            case Op.SETBOX -> {
                int rb = base + b(w);
                Box bx = (Box) t.refs[base + a(w)];
                bx.tag = lpTag(t, rb);
                bx.payload = lpPayload(t, rb);
                bx.ref = bx.tag == Tag.REF ? t.refs[rb] : null;
            }
            case Op.GETUPVAL -> getUpval(t, a(w), b(w));
            case Op.SETUPVAL -> {
                int ra = base + a(w);
                Box bx = t.closure.upvals[b(w)];
                if (bx.owner != t) {
                    Captures.claimForWrite(t, bx, b(w));
                }
                bx.tag = lpTag(t, ra);
                bx.payload = lpPayload(t, ra);
                bx.ref = bx.tag == Tag.REF ? t.refs[ra] : null;
            }
            case Op.AUPDATE -> {
                int rb = base + b(w);
                if (c(w) == 0 && lpTag(t, rb) == Tag.INT && t.refs[base + a(w)] instanceof AtomicValue cell && cell.holdsInt()) {
                    cell.addInt(lpPayload(t, rb));
                } else {
                    Atomics.update(t, w);
                }
            }
            case Op.ADD, Op.SUB, Op.MUL, Op.DIV -> arith(t, op, base + a(w), base + b(w), base + c(w));
            case Op.ADDK, Op.SUBK, Op.MULK, Op.DIVK -> arith(t, op - 1, base + a(w), base + b(w), -1 - c(w));
            case Op.TEST -> {
                int ra = base + a(w);
                if (lpTag(t, ra) != Tag.BOOL) {
                    throw Operators.notBool(t, ra);
                }
                if (lpPayload(t, ra) == k(w)) {
                    return next + sc(w);
                }
            }
            case Op.LT, Op.LE, Op.EQ, Op.LTK, Op.LEK, Op.GTK, Op.GEK, Op.EQK -> {
                if (holds(t, op, w) == (k(w) != 0)) {
                    return next + sc(w);
                }
            }
            case Op.DEFAULT -> {
                if (lpTag(t, base + a(w)) != Tag.ABSENT) {
                    return next + sc(w);
                }
            }
            case Op.FORLOOP, Op.JMP, Op.CALL, Op.RETURN, Op.RETNIL, Op.SUSPEND_TEST ->
                throw new IllegalStateException("compiled code steps " + Opcode.of(op));
            default -> {
                return Interpreter.byFamily(t, w, next);
            }
        }
        return next;
    }

    // ------------------------------------------------------------------ channel fast paths

    /**
     * METHOD {@code send} of compiled code when its fast path ({@link #send}) failed: the
     * step, straight to the channel's send (it spins, parks, raises or sends to a remote
     * channel) when R[a] is a channel, otherwise {@link #step}. A producer that outruns its
     * consumer takes this path at every full channel; through {@link #step} it made the JIT
     * compile the interpreter's dispatch and its method table in the middle of the transfer.
     */
    static int sendStep(TaskContext t, long w, int next) {
        int ra = t.base + a(w);
        if (lpTag(t, ra) == Tag.REF && t.refs[ra] instanceof Channel ch) {
            t.pc = next - 1;
            Methods.send(t, ch, ra);
            return next;
        }
        return step(t, w, next);
    }

    /**
     * ITERNEXT of compiled code when its fast path ({@link #iterNext}) failed: the step,
     * straight to the iterator (a channel's receive spins, parks or ends the loop), for the
     * reason {@link #sendStep} gives.
     */
    static int iterStep(TaskContext t, long w, int next) {
        t.pc = next - 1;
        return Loops.iterNext(t, w, next);
    }

    /**
     * METHOD {@code send} of compiled code, its fast path: when R[a] is a channel that takes
     * R[a+1] now ({@link Channel#sendNow}) and the task has no trap and no wait of its own to
     * release, sends it, R[a] := nil, and returns true. Otherwise false with nothing done: the
     * instruction is stepped, and spins, parks, raises or sends to a remote channel as the
     * interpreter does.
     */
    static boolean send(TaskContext t, int a) {
        int ra = t.base + a;
        if (lpTag(t, ra) != Tag.REF || !(t.refs[ra] instanceof Channel ch) || !mayPoll(t)) {
            return false;
        }
        int rv = ra + 1;
        boolean sent = lpTag(t, rv) == Tag.INT ? ch.sendIntNow(lpPayload(t, rv)) : ch.sendNow(t.get(rv));
        if (sent) {
            t.set(ra, null);
        }
        return sent;
    }

    /**
     * ITERNEXT of compiled code over a channel, its fast path: a value here now is taken into
     * R[a+1] (the index and the value when {@code count} is 2) and true returned. Otherwise
     * false with nothing done: the instruction is stepped, and spins, parks or ends the loop.
     */
    static boolean iterNext(TaskContext t, int a, int count) {
        int ra = t.base + a;
        return lpTag(t, ra) == Tag.REF && t.refs[ra] instanceof LoopIter.OfChannel it && mayPoll(t) && it.nextNow(t, ra + 1, count);
    }

    /** Whether a channel operation may take its fast path: no trap to answer first (Waiting.safepoint), no wait to release, a scheduler. */
    private static boolean mayPoll(TaskContext t) {
        return t.lpTrap() == 0 && t.waitNode() == null && t.scheduler() != null;
    }

    // ------------------------------------------------------------------ list fast paths

    /** What {@link #item} returns when R[b] is not a list or the index is out of its range (a list may hold nil, as null). */
    static final Object MISS = new Object();

    /**
     * GETINDEX of compiled code, its fast path: R[b]'s item at {@code index} (boxed, as the list
     * holds it), or {@link #MISS} when R[b] is not a list or the index is not in its range now:
     * the compiled code then leaves to the interpreter at the instruction, which raises or takes
     * its general path. Holds the list's monitor, as every single list operation does.
     */
    static Object item(TaskContext t, int b, long index) {
        int rb = t.base + b;
        if (lpTag(t, rb) != Tag.REF || !(t.refs[rb] instanceof ListValue l)) {
            return MISS;
        }
        synchronized (l) {
            return index >= 0 && index < l.items.size() ? l.items.get((int) index) : MISS;
        }
    }

    /** SETINDEX of compiled code, its fast path: R[a][index] := v when R[a] is a list and the index in its range; false (nothing written) otherwise. */
    static boolean setItem(TaskContext t, int a, long index, Object v) {
        int ra = t.base + a;
        if (lpTag(t, ra) != Tag.REF || !(t.refs[ra] instanceof ListValue l)) {
            return false;
        }
        synchronized (l) {
            if (index >= 0 && index < l.items.size()) {
                l.items.set((int) index, v);
                return true;
            }
        }
        return false;
    }

    /**
     * METHOD push of compiled code, its fast path: appends {@code v} to the list in R[a] and
     * sets R[a] to nil; false (nothing done) when R[a] is not a list. The pc is saved by the
     * caller: growing the list may run out of memory, which is the instruction's.
     */
    static boolean push(TaskContext t, int a, Object v) {
        int ra = t.base + a;
        if (lpTag(t, ra) != Tag.REF || !(t.refs[ra] instanceof ListValue l)) {
            return false;
        }
        synchronized (l) {
            l.items.add(v);
        }
        sp(t, ra, Tag.NIL, 0);
        t.refs[ra] = null;
        return true;
    }

    /** The length of the list in R[r] (CALLB len, METHOD len), or -1 when R[r] is not a list. */
    static long listLength(TaskContext t, int r) {
        int abs = t.base + r;
        if (lpTag(t, abs) != Tag.REF || !(t.refs[abs] instanceof ListValue l)) {
            return -1;
        }
        synchronized (l) {
            return l.items.size();
        }
    }

    /** R[r] in object form, as a list holds it. */
    static Object value(TaskContext t, int r) {
        return t.get(t.base + r);
    }

    /** R[a] := {@code v}, an item of a list (any value). */
    static void store(TaskContext t, int a, Object v) {
        t.set(t.base + a, v);
    }

    /** A bool in a compiled local, boxed as a list holds it. */
    static Object bool(long v) {
        return v != 0;
    }

    /** GETUPVAL: {@code R[a] := Up[b].value}, frame-relative registers. */
    static void getUpval(TaskContext t, int a, int b) {
        int ra = t.base + a;
        Box bx = t.closure.upvals[b];
        sp(t, ra, bx.tag, bx.payload);
        setRef(t.refs, ra, bx.ref);
    }

    /** GETUPVAL of compiled code: {@code R[a] := Up[b].value}, R[a] at the raw address {@code reg} (the interpreter's cheaper store). */
    static void getUpvalAt(TaskContext t, long reg, int a, int b) {
        Box bx = t.closure.upvals[b];
        Registers.spAt(t, reg, bx.tag, bx.payload);
        setRef(t.refs, t.base + a, bx.ref);
    }

    /**
     * {@code refs[i] := v}, skipped when it holds {@code v} already. A register's shadow array
     * is long-lived, and G1's write barrier makes a full fence for a reference stored into an
     * old object from another heap region; a function loaded from the same captured variable
     * into the same register on every call (a recursive {@code fib}) then stores nothing.
     */
    static void setRef(Object[] refs, int i, Object v) {
        if (refs[i] != v) {
            refs[i] = v;
        }
    }

    /** GETBOX of compiled code: {@code R[a] := box(R[b]).value}, R[a] at the raw address {@code reg}. */
    static void getBoxAt(TaskContext t, long reg, int a, int b) {
        int base = t.base;
        Box bx = (Box) t.refs[base + b];
        Registers.spAt(t, reg, bx.tag, bx.payload);
        t.refs[base + a] = bx.ref;
    }

    /** GETBOX: {@code R[a] := box(R[b]).value}. */
    static void getBox(TaskContext t, int a, int b) {
        int ra = t.base + a;
        Box bx = (Box) t.refs[t.base + b];
        sp(t, ra, bx.tag, bx.payload);
        t.refs[ra] = bx.ref;
    }

    /** MOVE of a register whose value is in memory. */
    static void move(TaskContext t, int a, int b) {
        int ra = t.base + a;
        int rb = t.base + b;
        byte tb = lpTag(t, rb);
        sp(t, ra, tb, lpPayload(t, rb));
        if (tb == Tag.REF) {
            t.refs[ra] = t.refs[rb];
        }
    }

    /** {@code R[dst] := R[x] op R[y]} (y: a register, or {@code -1 - k} for constant k), as the interpreter's hot cases and their slow path. */
    private static void arith(TaskContext t, int op, int dst, int x, int y) {
        Proto p = t.closure.proto;
        byte tx = lpTag(t, x);
        byte ty = y >= 0 ? lpTag(t, y) : p.kTag[-1 - y];
        long px = lpPayload(t, x);
        long py = y >= 0 ? lpPayload(t, y) : p.kPay[-1 - y];
        if (tx == Tag.INT && ty == Tag.INT && op != Op.DIV) {
            sp(t, dst, Tag.INT, switch (op) {
                case Op.ADD -> Math.addExact(px, py);
                case Op.SUB -> Math.subtractExact(px, py);
                default -> Math.multiplyExact(px, py);
            });
        } else if (tx == Tag.FLOAT && ty == Tag.FLOAT) {
            double u = Double.longBitsToDouble(px);
            double v = Double.longBitsToDouble(py);
            sp(t, dst, Tag.FLOAT, Double.doubleToRawLongBits(switch (op) {
                case Op.ADD -> u + v;
                case Op.SUB -> u - v;
                case Op.MUL -> u * v;
                default -> u / v;
            }));
        } else {
            Operators.arith(t, op, dst, x, y);
        }
    }

    /** Whether the comparison of compare-and-branch {@code w} holds, as the interpreter decides it. */
    private static boolean holds(TaskContext t, int op, long w) {
        int base = t.base;
        int ra = base + a(w);
        byte ta = lpTag(t, ra);
        long pa = lpPayload(t, ra);
        byte tb;
        long pb;
        Object vb;
        boolean constant = op != Op.LT && op != Op.LE && op != Op.EQ;
        if (constant) {
            Proto p = t.closure.proto;
            int kb = b(w);
            tb = p.kTag[kb];
            pb = p.kPay[kb];
            vb = tb == Tag.INT && ta == Tag.INT ? null : p.constant(kb);
        } else {
            int rb = base + b(w);
            tb = lpTag(t, rb);
            pb = lpPayload(t, rb);
            vb = tb == Tag.INT && ta == Tag.INT ? null : t.get(rb);
        }
        boolean ints = ta == Tag.INT && tb == Tag.INT;
        boolean floats = ta == Tag.FLOAT && tb == Tag.FLOAT;
        double da = Double.longBitsToDouble(pa);
        double db = Double.longBitsToDouble(pb);
        return switch (op) {
            case Op.LT, Op.LTK -> ints ? pa < pb : floats ? da < db : Operators.compare(t.get(ra), vb, "<") < 0;
            case Op.LE, Op.LEK -> ints ? pa <= pb : floats && op == Op.LE ? da <= db : Operators.compare(t.get(ra), vb, "<=") <= 0;
            case Op.GTK -> ints ? pa > pb : floats ? da > db : Operators.compare(t.get(ra), vb, ">") > 0;
            case Op.GEK -> ints ? pa >= pb : Operators.compare(t.get(ra), vb, ">=") >= 0;
            default -> ints ? pa == pb : Values.equal(t.get(ra), vb);
        };
    }
}
