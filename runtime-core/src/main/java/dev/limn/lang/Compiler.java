package dev.limn.lang;

import dev.limn.lang.FunctionBuilder.Loop;
import dev.limn.text.Diagnostic;
import dev.limn.text.Source;
import dev.limn.text.Span;
import dev.limn.vm.Builtin;
import dev.limn.vm.Opcode;
import dev.limn.vm.Proto;
import dev.limn.vm.Types;

import java.util.ArrayList;
import java.util.List;

/**
 * Compiles a resolved program to {@link Proto}s with Lua-style register allocation: locals
 * take registers in declaration order, temporaries sit above them and are released at the
 * end of each statement. A local captured by a closure lives in a box in its register
 * (created when its scope is entered); functions of a block are created when the block is
 * entered (hoisting). {@code iter} over a literal range compiles to FORPREP/FORLOOP.
 *
 * <p>The compiler is four classes. This one is the entry point ({@link #compileMain}) and
 * compiles scopes, statements and functions; it keeps the function being compiled
 * ({@link #function}) and begins and ends nested ones. Each function's code goes to its
 * {@link FunctionBuilder}, which also emits the loads and stores of variables. Statements
 * call the {@link ExpressionCompiler} for the expressions and conditions they hold, and the
 * {@link BlockLowering} for concurrent blocks, task and worker statements, shared writes and
 * {@code return} in a unit body. Those two emit into the current function and call back in
 * here for nested functions and for the statements of a body.
 */
public final class Compiler {
    private final Resolver res;
    private final Source source;
    private final List<Diagnostic> diagnostics;
    private final ExpressionCompiler expressions;
    private final BlockLowering blocks;
    /** The function being compiled. */
    private FunctionBuilder fn;

    /** The program, whose top-level scope keeps its registers ({@link #recordGlobals}); null before {@link #compileMain}. */
    private Object topLevel;
    private String[] globalNames = new String[0];
    private int[] globalRegs = new int[0];

    /** A compiler for a program that {@code resolver} has resolved; errors go to {@code diagnostics}. */
    public Compiler(Resolver resolver, Source source, List<Diagnostic> diagnostics) {
        this.res = resolver;
        this.source = source;
        this.diagnostics = diagnostics;
        this.expressions = new ExpressionCompiler(this, resolver);
        this.blocks = new BlockLowering(this, expressions, resolver);
    }

    /** Compiles the top level into the main function's proto. */
    public Proto compileMain(Ast.Program program) {
        fn = new FunctionBuilder(program, "main", new Span(1, 1, 0), source, diagnostics);
        topLevel = program;
        List<LocalVar> params = res.hostParams;
        for (int i = 0; i < params.size(); i++) {
            fn.alloc();
            params.get(i).reg = i;
        }
        for (int i = 0; i < params.size(); i++) {
            fn.bindLoopVar(params.get(i), i);
        }
        blockBody(program.body(), program);
        scopeWait();
        fn.emit(Opcode.RETNIL, 0, 0, 0, false, null);
        return fn.proto().params(params.size(), params.size()).globals(globalNames, globalRegs).build();
    }

    /**
     * Records the top level's variables, the host's parameters first (a later declaration of a
     * name wins), for {@link Proto#globalNames}.
     */
    private void recordGlobals(Object key) {
        java.util.LinkedHashMap<String, Integer> regs = new java.util.LinkedHashMap<>();
        for (LocalVar v : res.hostParams) {
            regs.put(v.name, v.reg);
        }
        for (LocalVar v : res.scopeVars.getOrDefault(key, List.of())) {
            if (v.reg >= 0) {
                regs.remove(v.name);
                regs.put(v.name, v.reg);
            }
        }
        globalNames = regs.keySet().toArray(new String[0]);
        globalRegs = regs.values().stream().mapToInt(Integer::intValue).toArray();
    }

    /** The function being compiled: where code goes now. */
    FunctionBuilder function() {
        return fn;
    }

    private void error(String message, Span span) {
        diagnostics.add(new Diagnostic(null, message, source, span));
    }

    // ------------------------------------------------------------------ scopes and statements

    private void body(Ast.Stmt s) {
        if (s instanceof Ast.Block b) {
            blockBody(b.stmts(), b);
        } else {
            blockBody(List.of(s), s);
        }
    }

    /** Enters a scope: boxes for captured variables, hoisted functions; then the statements. */
    void blockBody(List<Ast.Stmt> stmts, Object key) {
        blockBody(stmts, key, null, 0);
    }

    /** As above; {@code valueStmt}, when not null, is compiled into {@code dest} (a ?else block's value). */
    void blockBody(List<Ast.Stmt> stmts, Object key, Ast.ExprStmt valueStmt, int dest) {
        int saved = fn.freeReg;
        int atomicsMark = fn.liveAtomics.size();
        for (LocalVar v : res.scopeVars.getOrDefault(key, List.of())) {
            if (v.kind == LocalVar.Kind.FN || (v.kind == LocalVar.Kind.PLAIN && v.captured)) {
                v.reg = fn.alloc();
                if (v.captured) {
                    fn.emit(Opcode.NEWBOX, v.reg, 0, 0, false, null);
                }
            }
        }
        for (Ast.Stmt s : stmts) {
            if (s instanceof Ast.FnDecl f && f.name() != null) {
                LocalVar v = res.bindings.get(f);
                int p = nestedFunction(f);
                if (v.captured) {
                    int tmp = fn.alloc();
                    fn.emit(Opcode.CLOSURE, tmp, 0, p, false, f.span());
                    fn.emit(Opcode.SETBOX, v.reg, tmp, 0, false, f.span());
                    fn.freeReg--;
                } else {
                    fn.emit(Opcode.CLOSURE, v.reg, 0, p, false, f.span());
                }
            }
        }
        for (Ast.Stmt s : stmts) {
            if (s == valueStmt) {
                int before = fn.freeReg;
                expressions.exprTo(valueStmt.expr(), dest);
                fn.freeReg = before;
            } else {
                stmt(s);
            }
        }
        if (key == topLevel) {
            // The top level's variables stay where they are, and its atomics stay held (the
            // task's end releases them): a host reads them, and calls their functions, after
            // the top level returned.
            recordGlobals(key);
            return;
        }
        releaseAtomics(atomicsMark);
        fn.liveAtomics.subList(atomicsMark, fn.liveAtomics.size()).clear();
        fn.freeReg = saved;
    }

    /**
     * Releases the off-heap cells of the atomic variables declared since {@code mark} (SPEC §8:
     * freed when no scope or task holds them; a variable a function captured has a heap cell,
     * which nothing holds, and is not in the list). Paths that leave early (break, continue,
     * an error) skip this and the task's end releases what it still holds. ARELEASE is a no-op
     * for a cell the task does not hold, so a register not yet initialised on this path is
     * harmless.
     */
    void releaseAtomics(int mark) {
        for (int n = fn.liveAtomics.size() - 1; n >= mark; n--) {
            LocalVar v = fn.liveAtomics.get(n);
            int tmp = fn.alloc();
            fn.loadVar(v, tmp, null);
            fn.emit(Opcode.ARELEASE, tmp, 0, 0, false, null);
            fn.freeReg--;
        }
    }

    private void stmt(Ast.Stmt s) {
        int saved = fn.freeReg;
        int outerStmtBase = fn.stmtBase;
        fn.stmtBase = saved;
        stmtBody(s, saved);
        fn.stmtBase = outerStmtBase;
    }

    private void stmtBody(Ast.Stmt s, int saved) {
        switch (s) {
            case Ast.VarDecl v -> {
                LocalVar var = res.bindings.get(v);
                if (var.atomic) {
                    int tmp = fn.alloc();
                    expressions.valueOrNil(v.init(), tmp);
                    // k: a function captures it, and the closure may outlive every scope and task: a heap cell
                    fn.emit(Opcode.NEWATOMIC, tmp, tmp, 0, var.capturedByFn, v.span());
                    if (var.captured) {
                        fn.emit(Opcode.SETBOX, var.reg, tmp, 0, false, v.span());
                        fn.freeReg = saved;
                    } else {
                        var.reg = tmp;
                        saved = fn.freeReg;
                    }
                    if (!var.capturedByFn) {
                        fn.liveAtomics.add(var);
                    }
                } else if (var.captured) {
                    int tmp = fn.alloc();
                    expressions.valueOrNil(v.init(), tmp);
                    if (v.init() != null) {
                        fn.checkType(var, tmp, v.span());
                    }
                    fn.emit(Opcode.SETBOX, var.reg, tmp, 0, false, v.span());
                    fn.freeReg = saved;
                } else if (var.typeCode >= 0) {
                    int tmp = fn.alloc();
                    expressions.valueOrNil(v.init(), tmp);
                    if (v.init() != null) {
                        fn.checkType(var, tmp, v.span());
                    }
                    var.reg = tmp;
                    saved = fn.freeReg;
                } else {
                    int r = fn.alloc();
                    expressions.valueOrNil(v.init(), r);
                    var.reg = r;
                    saved = fn.freeReg;
                }
            }
            case Ast.Assign a -> {
                LocalVar declared = res.bindings.get(a);
                if (declared != null && !declared.captured) {
                    declared.reg = fn.alloc();
                    saved = fn.freeReg;
                }
                assign(a);
            }
            case Ast.ExprStmt e -> {
                int r = fn.alloc();
                expressions.exprTo(e.expr(), r);
            }
            case Ast.If i -> {
                List<Integer> ends = new ArrayList<>();
                for (int n = 0; n < i.branches().size(); n++) {
                    Ast.Branch b = i.branches().get(n);
                    List<Integer> skip = new ArrayList<>();
                    expressions.condJump(b.cond(), false, skip);
                    body(b.body());
                    boolean last = n == i.branches().size() - 1 && i.elseBody() == null;
                    if (!last) {
                        ends.add(fn.emit(Opcode.JMP, 0, 0, 0, false, null));
                    }
                    fn.patchHere(skip);
                }
                if (i.elseBody() != null) {
                    body(i.elseBody());
                }
                fn.patchHere(ends);
            }
            case Ast.While w -> {
                int top = fn.pc();
                Loop loop = fn.newLoop();
                loop.continueTarget = top;
                List<Integer> exit = new ArrayList<>();
                expressions.condJump(w.cond(), false, exit);
                fn.loops.push(loop);
                body(w.body());
                fn.loops.pop();
                fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, w.span()), top);
                fn.patchHere(exit);
                fn.patchHere(loop.breaks);
            }
            case Ast.For f -> forLoop(f);
            case Ast.Iter it -> iter(it);
            case Ast.Break b -> {
                Loop loop = fn.loops.peek();
                blocks.endBlocks(loop.blockDepth, b.span());
                loop.breaks.add(fn.emit(Opcode.JMP, 0, 0, 0, false, b.span()));
            }
            case Ast.Continue c -> {
                Loop loop = fn.loops.peek();
                blocks.endBlocks(loop.blockDepth, c.span());
                int j = fn.emit(Opcode.JMP, 0, 0, 0, false, c.span());
                if (loop.continueTarget >= 0) {
                    fn.patch(j, loop.continueTarget);
                } else {
                    loop.continues.add(j);
                }
            }
            case Ast.Return r -> ret(r);
            case Ast.Block b -> blockBody(b.stmts(), b);
            case Ast.FnDecl f -> {
                // named functions were created when their block was entered
            }
            case Ast.Attempt a -> attempt(a);
            case Ast.BlockStmt b -> saved = blocks.blockStmt(b, saved);
            case Ast.TaskStmt t -> blocks.taskStmt(t);
            case Ast.WorkerStmt w -> blocks.workerStmt(w);
        }
        fn.freeReg = saved;
    }

    /** Waits for the stream/async blocks of this function before it returns. */
    void scopeWait() {
        if (res.scopeWaits.contains(fn.key)) {
            fn.emit(Opcode.SCOPEWAIT, 0, 0, 0, false, null);
        }
    }

    /** Atomic variables (SPEC §6.1): = is a store, += -= *= atomic updates. */
    private void atomicAssign(Ast.Assign a, LocalVar v) {
        int cell = fn.alloc();
        fn.loadVar(v, cell, a.span());
        int val = expressions.exprAny(a.value());
        int op = switch (a.op()) {
            case "+=" -> 0;
            case "-=" -> 1;
            case "*=" -> 2;
            default -> 3;
        };
        fn.emit(Opcode.AUPDATE, cell, val, op, false, a.span());
    }

    private void assign(Ast.Assign a) {
        if (a.target() instanceof Ast.Name n && res.bindings.get(n) instanceof LocalVar target) {
            if (target.atomic) {
                atomicAssign(a, target);
                return;
            }
            Resolver.SharedWrite shared = res.sharedWrites.get(a);
            if (shared != null) {
                blocks.sharedAssign(a, target, shared);
                return;
            }
        }
        Ast.Expr value = a.value();
        if (!a.op().equals("=")) {
            Ast.BinaryOp op = switch (a.op()) {
                case "+=" -> Ast.BinaryOp.ADD;
                case "-=" -> Ast.BinaryOp.SUB;
                case "*=" -> Ast.BinaryOp.MUL;
                case "/=" -> Ast.BinaryOp.DIV;
                case "%=" -> Ast.BinaryOp.MOD;
                default -> {
                    error("unknown assignment operator '" + a.op() + "'", a.span());
                    yield Ast.BinaryOp.ADD;
                }
            };
            if (a.target() instanceof Ast.Index ix) {
                int t = expressions.exprAny(ix.target());
                int i = expressions.exprAny(ix.index());
                int tmp = fn.alloc();
                fn.emit(Opcode.GETINDEX, tmp, t, i, false, ix.span());
                int v = expressions.exprAny(value);
                fn.emit(ExpressionCompiler.arithOp(op), tmp, tmp, v, false, a.span());
                fn.emit(Opcode.SETINDEX, t, i, tmp, false, a.span());
                return;
            }
            value = new Ast.Binary(op, a.target(), a.value(), a.span());
        }
        switch (a.target()) {
            case Ast.Name n -> {
                LocalVar v = res.bindings.get(n);
                if (v == null) {
                    return;
                }
                if (v.fn == fn.key) {
                    if (v.captured) {
                        int tmp = fn.alloc();
                        expressions.exprTo(value, tmp);
                        fn.checkType(v, tmp, a.span());
                        fn.emit(Opcode.SETBOX, v.reg, tmp, 0, false, a.span());
                    } else if (v.typeCode >= 0) {
                        int tmp = fn.alloc();
                        expressions.exprTo(value, tmp);
                        fn.checkType(v, tmp, a.span());
                        fn.emit(Opcode.MOVE, v.reg, tmp, 0, false, a.span());
                    } else {
                        expressions.exprTo(value, v.reg);
                    }
                } else {
                    int tmp = fn.alloc();
                    expressions.exprTo(value, tmp);
                    fn.checkType(v, tmp, a.span());
                    fn.emit(Opcode.SETUPVAL, tmp, fn.upvalue(v), 0, false, a.span());
                }
            }
            case Ast.Index ix -> {
                int t = expressions.exprAny(ix.target());
                int i = expressions.exprAny(ix.index());
                int v = expressions.exprAny(value);
                fn.emit(Opcode.SETINDEX, t, i, v, false, a.span());
            }
            default -> { }
        }
    }

    private void forLoop(Ast.For f) {
        int saved = fn.freeReg;
        int scopeStart = fn.freeReg;
        for (LocalVar v : res.scopeVars.getOrDefault(f, List.of())) {
            if (v.captured) {
                v.reg = fn.alloc();
                fn.emit(Opcode.NEWBOX, v.reg, 0, 0, false, null);
            }
        }
        if (f.init() != null) {
            stmt(f.init());
            // a declaration in init keeps its register for the whole loop
            fn.freeReg = Math.max(fn.freeReg, maxLocalReg(f) + 1);
        }
        int top = fn.pc();
        List<Integer> exit = new ArrayList<>();
        if (f.cond() != null) {
            expressions.condJump(f.cond(), false, exit);
        }
        Loop loop = fn.newLoop();
        fn.loops.push(loop);
        body(f.body());
        fn.loops.pop();
        fn.patchHere(loop.continues);
        if (f.update() != null) {
            stmt(f.update());
        }
        fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, f.span()), top);
        fn.patchHere(exit);
        fn.patchHere(loop.breaks);
        fn.freeReg = saved;
        if (scopeStart < 0) {
            throw new IllegalStateException();
        }
    }

    private int maxLocalReg(Object scopeKey) {
        int max = -1;
        for (LocalVar v : res.scopeVars.getOrDefault(scopeKey, List.of())) {
            max = Math.max(max, v.reg);
        }
        return max;
    }

    private void iter(Ast.Iter it) {
        int saved = fn.freeReg;
        LocalVar[] vars = res.iterVars.get(it);
        Loop loop = fn.newLoop();
        if (it.iterable() instanceof Ast.RangeExpr r && vars[0] == null) {
            int base = fn.alloc();
            fn.alloc();
            int user = fn.alloc();
            expressions.exprTo(r.from(), base);
            expressions.exprTo(r.to(), base + 1);
            int prep = fn.emit(Opcode.FORPREP, base, 0, 0, r.inclusive(), r.span());
            int top = fn.pc();
            fn.bindLoopVar(vars[1], user);
            fn.loops.push(loop);
            body(it.body());
            fn.loops.pop();
            fn.freeReg = user + 1;
            fn.patchHere(loop.continues);
            fn.patch(fn.emit(Opcode.FORLOOP, base, 0, 0, false, it.span()), top);
            fn.patch(prep, fn.pc());
        } else {
            int base = fn.alloc();
            int count = vars[0] == null ? 1 : 2;
            for (int i = 0; i < count; i++) {
                fn.alloc();
            }
            expressions.exprTo(it.iterable(), base);
            fn.emit(Opcode.ITERPREP, base, 0, 0, false, it.iterable().span());
            int top = fn.pc();
            int next = fn.emit(Opcode.ITERNEXT, base, count, 0, false, it.span());
            if (count == 2) {
                fn.bindLoopVar(vars[0], base + 1);
                fn.bindLoopVar(vars[1], base + 2);
            } else {
                fn.bindLoopVar(vars[1], base + 1);
            }
            loop.continueTarget = top;
            fn.loops.push(loop);
            body(it.body());
            fn.loops.pop();
            fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, it.span()), top);
            fn.patch(next, fn.pc());
        }
        fn.patchHere(loop.breaks);
        fn.freeReg = saved;
    }

    private void ret(Ast.Return r) {
        if (r.value() instanceof Ast.Call call && res.builtins.get(call) == Builtin.ERR) {
            int tmp = fn.alloc();
            expressions.exprTo(r.value(), tmp);
            fn.emit(Opcode.RAISE, tmp, 0, 0, !(fn.key instanceof Ast.Program), r.value().span());
            return;
        }
        if (fn.key instanceof Ast.Program) {
            return;
        }
        if (fn.key instanceof Ast.TaskStmt || fn.key instanceof Ast.WorkerStmt) {
            blocks.unitReturn(r);
            return;
        }
        Ast.FnDecl f = (Ast.FnDecl) fn.key;
        int retType = f.returnType() == null ? -1 : Types.code(f.returnType().name());
        if (r.value() == null) {
            blocks.endBlocks(0, r.span());
            scopeWait();
            releaseAtomics(0);
            fn.emit(Opcode.RETNIL, 0, 0, 0, false, r.span());
            return;
        }
        int reg = expressions.exprAny(r.value());
        if (retType > 0) {
            fn.emit(Opcode.CHECKRET, reg, retType, 0, false, r.span());
        }
        blocks.endBlocks(0, r.span());
        scopeWait();
        releaseAtomics(0);
        fn.emit(Opcode.RETURN, reg, 0, 0, false, r.span());
    }

    private void attempt(Ast.Attempt a) {
        int saved = fn.freeReg;
        int errReg = fn.alloc();
        int start = fn.pc();
        body(a.body());
        int end = fn.pc();
        int done = fn.emit(Opcode.JMP, 0, 0, 0, false, null);
        List<Integer> ends = new ArrayList<>();
        ends.add(done);
        fn.addHandler(start, end, fn.pc(), errReg);
        for (Ast.Handler h : a.handlers()) {
            int skip = -1;
            if (h.kind() != null) {
                skip = fn.emit(Opcode.ERRKIND, errReg, fn.constant(h.kind()), 0, false, h.span());
            }
            int hs = fn.freeReg;
            LocalVar binder = res.bindings.get(h);
            if (binder != null) {
                fn.bindLoopVar(binder, errReg);
            }
            body(h.body());
            fn.freeReg = hs;
            ends.add(fn.emit(Opcode.JMP, 0, 0, 0, false, null));
            if (skip >= 0) {
                fn.patch(skip, fn.pc());
            }
        }
        fn.emit(Opcode.RAISE, errReg, 0, 0, false, a.span());
        fn.patchHere(ends);
        fn.freeReg = saved;
    }

    // ------------------------------------------------------------------ functions

    /** Compiles a nested function; returns its index in the enclosing proto's nested list. */
    int nestedFunction(Ast.FnDecl f) {
        beginFunction(f, f.name(), f.span());
        List<Ast.Param> params = f.params();
        int minArgs = 0;
        for (int i = 0; i < params.size(); i++) {
            fn.alloc();
            if (params.get(i).defaultValue() == null) {
                minArgs = i + 1;
            }
        }
        for (int i = 0; i < params.size(); i++) {
            Ast.Param p = params.get(i);
            LocalVar v = res.bindings.get(p);
            v.reg = i;
            if (p.defaultValue() != null) {
                int skip = fn.emit(Opcode.DEFAULT, i, 0, 0, false, p.span());
                int saved = fn.freeReg;
                expressions.exprTo(p.defaultValue(), i);
                fn.freeReg = saved;
                fn.patch(skip, fn.pc());
            }
            fn.checkType(v, i, p.span());
        }
        for (int i = 0; i < params.size(); i++) {
            LocalVar v = res.bindings.get(params.get(i));
            if (v.captured) {
                fn.bindLoopVar(v, i);
            }
        }
        blockBody(f.body().stmts(), f.body());
        scopeWait();
        fn.emit(Opcode.RETNIL, 0, 0, 0, false, null);
        return endFunction(fn.proto().params(params.size(), minArgs).async(f.isAsync()));
    }

    /** Starts compiling a function nested in the current one, from {@code key}; it is current until {@link #endFunction}. */
    FunctionBuilder beginFunction(Object key, String name, Span span) {
        fn = fn.nested(key, name, span);
        return fn;
    }

    /** Ends the function begun last; returns its index among the enclosing function's nested functions. */
    int endFunction(Proto.Builder proto) {
        Proto p = proto.build();
        fn = fn.parent;
        return fn.addProto(p);
    }
}
