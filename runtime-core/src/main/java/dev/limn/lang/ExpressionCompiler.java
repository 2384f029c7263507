package dev.limn.lang;

import dev.limn.text.Span;
import dev.limn.value.DurationValue;
import dev.limn.vm.Builtin;
import dev.limn.vm.Instr;
import dev.limn.vm.Opcode;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@link Compiler}'s expressions: each compiles into a given register ({@link #exprTo})
 * or into the register that already holds its value ({@link #exprAny}: a plain local's
 * own), and a condition compiles into jumps ({@link #condJump}): fused compare-and-branch
 * instructions with a constant operand where one side is a literal, short-circuit jumps for
 * {@code and} and {@code or}. Arithmetic with a literal operand uses the instructions' K
 * forms; a comparison used as a value loads true or false through a branch.
 *
 * <p>Code goes to the compiler's current {@link FunctionBuilder}. Statements call in here for
 * the expressions they hold; a function expression calls back into
 * {@link Compiler#nestedFunction}, and the block of an {@code ?else} into
 * {@link Compiler#blockBody}.
 */
final class ExpressionCompiler {
    private final Compiler compiler;
    private final Resolver res;

    ExpressionCompiler(Compiler compiler, Resolver resolver) {
        this.compiler = compiler;
        this.res = resolver;
    }

    /** The register that holds {@code e}'s value: a local's own register, or a new temporary. */
    int exprAny(Ast.Expr e) {
        FunctionBuilder fn = compiler.function();
        if (e instanceof Ast.Name n) {
            LocalVar v = res.bindings.get(n);
            if (v != null && v.fn == fn.key && !v.captured && v.reg >= 0 && !v.atomic && v != fn.rmwVar) {
                return v.reg;
            }
        }
        int r = fn.alloc();
        exprTo(e, r);
        return r;
    }

    /** Compiles {@code e} into register {@code dest}; the temporaries it takes are free again afterwards. */
    void exprTo(Ast.Expr e, int dest) {
        FunctionBuilder fn = compiler.function();
        int saved = fn.freeReg;
        switch (e) {
            case Ast.IntLit i -> loadInt(i.value(), dest, i.span());
            case Ast.FloatLit f -> fn.emit(Opcode.LOADK, dest, 0, fn.constant(f.value()), false, f.span());
            case Ast.StrLit s -> fn.emit(Opcode.LOADK, dest, 0, fn.constant(s.value()), false, s.span());
            case Ast.BoolLit b -> fn.emit(Opcode.LOADBOOL, dest, b.value() ? 1 : 0, 0, false, b.span());
            case Ast.NilLit n -> fn.emit(Opcode.LOADNIL, dest, 0, 0, false, n.span());
            case Ast.DurationLit d -> fn.emit(Opcode.LOADK, dest, 0, fn.constant(new DurationValue(d.nanos())), false, d.span());
            case Ast.Interp in -> {
                int start = fn.freeReg;
                for (Ast.Expr part : in.parts()) {
                    exprTo(part, fn.alloc());
                }
                fn.emit(Opcode.CONCAT, dest, start, in.parts().size(), false, in.span());
            }
            case Ast.Name n -> name(n, dest);
            case Ast.ListLit l -> {
                int start = fn.freeReg;
                for (Ast.Expr item : l.items()) {
                    exprTo(item, fn.alloc());
                }
                fn.emit(Opcode.NEWLIST, dest, start, l.items().size(), false, l.span());
            }
            case Ast.DictLit d -> {
                int start = fn.freeReg;
                for (int i = 0; i < d.keys().size(); i++) {
                    exprTo(d.keys().get(i), fn.alloc());
                    exprTo(d.values().get(i), fn.alloc());
                }
                fn.emit(Opcode.NEWDICT, dest, start, d.keys().size(), false, d.span());
            }
            case Ast.Unary u -> unary(u, dest);
            case Ast.Binary b -> binary(b, dest);
            case Ast.RangeExpr r -> {
                int lo = exprAny(r.from());
                int hi = exprAny(r.to());
                fn.emit(Opcode.RANGE, dest, lo, hi, r.inclusive(), r.span());
            }
            case Ast.Call c -> call(c, dest);
            case Ast.Index ix -> {
                int t = exprAny(ix.target());
                int i = exprAny(ix.index());
                fn.emit(Opcode.GETINDEX, dest, t, i, false, ix.span());
            }
            case Ast.Member m -> {
                int t = exprAny(m.target());
                fn.emit(Opcode.GETFIELD, dest, t, fn.constant(m.name()), false, m.span());
            }
            case Ast.Propagate p -> exprTo(p.expr(), dest);
            case Ast.OrElse o -> orElse(o, dest);
            case Ast.FnExpr f -> fn.emit(Opcode.CLOSURE, dest, 0, compiler.nestedFunction(f.fn()), false, f.span());
            case Ast.Await a -> {
                exprTo(a.expr(), dest);
                fn.emit(Opcode.AWAIT, dest, dest, 0, false, a.span());
            }
        }
        fn.freeReg = saved;
    }

    /** {@code e} into {@code dest}; a name of an atomic variable gives the cell itself (method receivers, type_of). */
    private void exprToRaw(Ast.Expr e, int dest) {
        FunctionBuilder fn = compiler.function();
        if (e instanceof Ast.Name n && res.bindings.get(n) instanceof LocalVar v && v.atomic) {
            fn.loadVar(v, dest, n.span());
        } else {
            exprTo(e, dest);
        }
    }

    /** {@code e} into {@code dest}, or nil when there is no {@code e} (a declaration without a value). */
    void valueOrNil(Ast.Expr e, int dest) {
        FunctionBuilder fn = compiler.function();
        if (e == null) {
            fn.emit(Opcode.LOADNIL, dest, 0, 0, false, null);
        } else {
            exprTo(e, dest);
        }
    }

    private void loadInt(long v, int dest, Span span) {
        FunctionBuilder fn = compiler.function();
        if (v >= Instr.MIN_SC && v <= Instr.MAX_SC) {
            fn.emit(Opcode.LOADINT, dest, 0, (int) v, false, span);
        } else {
            fn.emit(Opcode.LOADK, dest, 0, fn.constant(v), false, span);
        }
    }

    private void name(Ast.Name n, int dest) {
        FunctionBuilder fn = compiler.function();
        LocalVar v = res.bindings.get(n);
        if (v == null) {
            Builtin b = res.builtins.get(n);
            if (b != null) {
                fn.emit(Opcode.LOADK, dest, 0, fn.constant(b), false, n.span());
            }
            return;
        }
        if (v == fn.rmwVar) {
            fn.emit(Opcode.MOVE, dest, fn.rmwReg, 0, false, n.span()); // the value this update started from
            return;
        }
        fn.loadVar(v, dest, n.span());
        if (v.atomic) {
            fn.emit(Opcode.ALOAD, dest, dest, 0, false, n.span());
        }
    }

    private void unary(Ast.Unary u, int dest) {
        FunctionBuilder fn = compiler.function();
        switch (u.op()) {
            case NEG -> {
                if (u.operand() instanceof Ast.IntLit i && i.value() != Long.MIN_VALUE) {
                    // folded; -MIN does not fit, so it is left to NEG, which raises Overflow at run time
                    loadInt(-i.value(), dest, u.span());
                } else if (u.operand() instanceof Ast.FloatLit f) {
                    fn.emit(Opcode.LOADK, dest, 0, fn.constant(-f.value()), false, u.span());
                } else {
                    fn.emit(Opcode.NEG, dest, exprAny(u.operand()), 0, false, u.span());
                }
            }
            case NOT -> fn.emit(Opcode.NOT, dest, exprAny(u.operand()), 0, false, u.span());
            case BIT_NOT -> fn.emit(Opcode.BNOT, dest, exprAny(u.operand()), 0, false, u.span());
        }
    }

    /** The instruction of an arithmetic or bitwise operator; null for comparisons, {@code and} and {@code or}. */
    static Opcode arithOp(Ast.BinaryOp op) {
        return switch (op) {
            case ADD -> Opcode.ADD;
            case SUB -> Opcode.SUB;
            case MUL -> Opcode.MUL;
            case DIV -> Opcode.DIV;
            case MOD -> Opcode.MOD;
            case POW -> Opcode.POW;
            case BIT_AND -> Opcode.BAND;
            case BIT_OR -> Opcode.BOR;
            case BIT_XOR -> Opcode.BXOR;
            case SHL -> Opcode.SHL;
            case SHR -> Opcode.SHR;
            default -> null;
        };
    }

    private static Opcode arithOpK(Ast.BinaryOp op) {
        return switch (op) {
            case ADD -> Opcode.ADDK;
            case SUB -> Opcode.SUBK;
            case MUL -> Opcode.MULK;
            case DIV -> Opcode.DIVK;
            case MOD -> Opcode.MODK;
            default -> null;
        };
    }

    /** A literal number as a constant value, or null. */
    private static Object numberLiteral(Ast.Expr e) {
        if (e instanceof Ast.IntLit i) {
            return i.value();
        }
        if (e instanceof Ast.FloatLit f) {
            return f.value();
        }
        return null;
    }

    /** A literal usable as the constant of a compare-and-branch, or null. */
    private static Object compareLiteral(Ast.Expr e) {
        Object n = numberLiteral(e);
        if (n != null) {
            return n;
        }
        if (e instanceof Ast.StrLit s) {
            return s.value();
        }
        return null;
    }

    private void binary(Ast.Binary b, int dest) {
        FunctionBuilder fn = compiler.function();
        Opcode op = arithOp(b.op());
        if (op != null) {
            Opcode opk = arithOpK(b.op());
            Object k = numberLiteral(b.right());
            if (op == Opcode.MUL && k == null && numberLiteral(b.left()) != null) {
                // numeric multiplication commutes (str * n is an error either way): 2.0 * x becomes MULK
                int rb = exprAny(b.right());
                fn.emit(Opcode.MULK, dest, rb, fn.constant(numberLiteral(b.left())), false, b.span());
                return;
            }
            if (opk != null && k != null) {
                int rb = exprAny(b.left());
                fn.emit(opk, dest, rb, fn.constant(k), false, b.span());
                return;
            }
            int rb = exprAny(b.left());
            int rc = exprAny(b.right());
            fn.emit(op, dest, rb, rc, false, b.span());
            return;
        }
        // comparisons, and, or: bool in a register through a branch
        List<Integer> onFalse = new ArrayList<>();
        condJump(b, false, onFalse);
        fn.emit(Opcode.LOADBOOL, dest, 1, 0, false, b.span());
        int over = fn.emit(Opcode.JMP, 0, 0, 0, false, null);
        fn.patchHere(onFalse);
        fn.emit(Opcode.LOADBOOL, dest, 0, 0, false, b.span());
        fn.patch(over, fn.pc());
    }

    /** Emits code that jumps (the jumps go to {@code jumps}) when {@code e} evaluates to {@code when}, else falls through. */
    void condJump(Ast.Expr e, boolean when, List<Integer> jumps) {
        FunctionBuilder fn = compiler.function();
        int saved = fn.freeReg;
        if (e instanceof Ast.Unary u && u.op() == Ast.UnaryOp.NOT) {
            condJump(u.operand(), !when, jumps);
            return;
        }
        if (e instanceof Ast.BoolLit lit) {
            if (lit.value() == when) {
                jumps.add(fn.emit(Opcode.JMP, 0, 0, 0, false, lit.span()));
            }
            return;
        }
        if (e instanceof Ast.Binary b) {
            switch (b.op()) {
                case AND, OR -> {
                    boolean isAnd = b.op() == Ast.BinaryOp.AND;
                    if (isAnd != when) {
                        // and/false, or/true: either operand decides
                        condJump(b.left(), when, jumps);
                        condJump(b.right(), when, jumps);
                    } else {
                        List<Integer> skip = new ArrayList<>();
                        condJump(b.left(), !when, skip);
                        condJump(b.right(), when, jumps);
                        fn.patchHere(skip);
                    }
                    return;
                }
                case LT, LE, GT, GE, EQ, NE -> {
                    compare(b, when, jumps);
                    fn.freeReg = saved;
                    return;
                }
                default -> { }
            }
        }
        int r = exprAny(e);
        jumps.add(fn.emit(Opcode.TEST, r, 0, 0, when, e.span()));
        fn.freeReg = saved;
    }

    private void compare(Ast.Binary b, boolean when, List<Integer> jumps) {
        FunctionBuilder fn = compiler.function();
        Ast.BinaryOp op = b.op();
        boolean k = when;
        if (op == Ast.BinaryOp.NE) {
            op = Ast.BinaryOp.EQ;
            k = !when;
        }
        Object rk = compareLiteral(b.right());
        Object lk = compareLiteral(b.left());
        if (rk != null || lk != null) {
            Ast.Expr regSide = rk != null ? b.left() : b.right();
            Object kv = rk != null ? rk : lk;
            if (rk == null) {
                // literal on the left: mirror the operator
                op = switch (op) {
                    case LT -> Ast.BinaryOp.GT;
                    case LE -> Ast.BinaryOp.GE;
                    case GT -> Ast.BinaryOp.LT;
                    case GE -> Ast.BinaryOp.LE;
                    default -> op;
                };
            }
            Opcode opk = switch (op) {
                case LT -> Opcode.LTK;
                case LE -> Opcode.LEK;
                case GT -> Opcode.GTK;
                case GE -> Opcode.GEK;
                default -> Opcode.EQK;
            };
            int ra = exprAny(regSide);
            int kc = fn.constant(kv);
            if (kc > Instr.MAX_B) {
                int kr = fn.alloc();
                fn.emit(Opcode.LOADK, kr, 0, kc, false, b.span());
                jumps.add(emitCompare(op, ra, kr, k, b.span()));
                return;
            }
            jumps.add(fn.emit(opk, ra, kc, 0, k, b.span()));
            return;
        }
        int ra = exprAny(b.left());
        int rb = exprAny(b.right());
        jumps.add(emitCompare(op, ra, rb, k, b.span()));
    }

    private int emitCompare(Ast.BinaryOp op, int ra, int rb, boolean k, Span span) {
        FunctionBuilder fn = compiler.function();
        return switch (op) {
            case LT -> fn.emit(Opcode.LT, ra, rb, 0, k, span);
            case LE -> fn.emit(Opcode.LE, ra, rb, 0, k, span);
            case GT -> fn.emit(Opcode.LT, rb, ra, 0, k, span);
            case GE -> fn.emit(Opcode.LE, rb, ra, 0, k, span);
            default -> fn.emit(Opcode.EQ, ra, rb, 0, k, span);
        };
    }

    private void call(Ast.Call c, int dest) {
        FunctionBuilder fn = compiler.function();
        if (res.suspendCalls.contains(c)) {
            fn.emit(Opcode.SUSPEND_TEST, 0, 0, 0, false, c.span());
            fn.emit(Opcode.LOADNIL, dest, 0, 0, false, c.span());
            return;
        }
        Builtin builtin = res.builtins.get(c);
        if (builtin == Builtin.ERR && c.args().size() == 1 && res.kinds.containsKey(c.args().getFirst())) {
            Ast.Expr arg = c.args().getFirst();
            int kind = fn.constant(res.kinds.get(arg));
            if (arg instanceof Ast.Call kc && !kc.args().isEmpty()) {
                int msg = exprAny(kc.args().getFirst());
                fn.emit(Opcode.NEWERR, dest, kind, msg, true, c.span());
            } else {
                fn.emit(Opcode.NEWERR, dest, kind, 0, false, c.span());
            }
            return;
        }
        if (builtin == Builtin.OK && c.args().size() == 1) {
            exprTo(c.args().getFirst(), dest);
            return;
        }
        // a call into the topmost temporary uses it as the callee slot: no MOVE afterwards
        int callee = dest == fn.freeReg - 1 && dest >= fn.stmtBase ? dest : fn.alloc();
        if (builtin == null) {
            if (c.callee() instanceof Ast.Member m) {
                exprToRaw(m.target(), callee);
            } else {
                exprTo(c.callee(), callee);
            }
        }
        for (Ast.Expr arg : c.args()) {
            if (builtin == Builtin.TYPE_OF) {
                exprToRaw(arg, fn.alloc()); // type_of(c) of an atomic variable is "atomic"
            } else {
                exprTo(arg, fn.alloc());
            }
        }
        int argc = c.args().size();
        if (builtin != null) {
            fn.emit(Opcode.CALLB, callee, argc, builtin.ordinal(), false, c.span());
        } else if (c.callee() instanceof Ast.Member m) {
            fn.emit(Opcode.METHOD, callee, argc, fn.constant(m.name()), false, c.span());
        } else {
            fn.emit(Opcode.CALL, callee, argc, 0, false, c.span());
        }
        if (callee != dest) {
            fn.emit(Opcode.MOVE, dest, callee, 0, false, c.span());
        }
    }

    private void orElse(Ast.OrElse o, int dest) {
        FunctionBuilder fn = compiler.function();
        int errReg = fn.alloc();
        int start = fn.pc();
        exprTo(o.expr(), dest);
        int end = fn.pc();
        int over = fn.emit(Opcode.JMP, 0, 0, 0, false, null);
        fn.addHandler(start, end, fn.pc(), errReg);
        if (o.fallback() != null) {
            exprTo(o.fallback(), dest);
        } else {
            LocalVar binder = res.bindings.get(o);
            if (binder != null) {
                fn.bindLoopVar(binder, errReg);
            }
            Ast.Block block = o.block();
            List<Ast.Stmt> stmts = block.stmts();
            Ast.ExprStmt last = !stmts.isEmpty() && stmts.getLast() instanceof Ast.ExprStmt es ? es : null;
            // the block's last expression statement is its value: it is compiled into dest
            compiler.blockBody(stmts, block, last, dest);
            if (last == null) {
                fn.emit(Opcode.LOADNIL, dest, 0, 0, false, o.span());
            }
        }
        fn.patch(over, fn.pc());
    }
}
