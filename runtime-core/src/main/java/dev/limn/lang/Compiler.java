package dev.limn.lang;

import dev.limn.block.BlockConfig;
import dev.limn.block.BlockSpec;
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
 * <p>This class compiles scopes, statements and functions, and keeps the function being
 * compiled ({@link #function}): each function's code goes to its {@link FunctionBuilder}.
 * The {@link ExpressionCompiler} compiles the expressions and conditions statements hold.
 */
public final class Compiler {
    private final Resolver res;
    private final Source source;
    private final List<Diagnostic> diagnostics;
    private final ExpressionCompiler expressions;
    /** The function being compiled. */
    private FunctionBuilder fn;

    /** A compiler for a program that {@code resolver} has resolved; errors go to {@code diagnostics}. */
    public Compiler(Resolver resolver, Source source, List<Diagnostic> diagnostics) {
        this.res = resolver;
        this.source = source;
        this.diagnostics = diagnostics;
        this.expressions = new ExpressionCompiler(this, resolver);
    }

    /** Compiles the top level into the main function's proto. */
    public Proto compileMain(Ast.Program program) {
        fn = new FunctionBuilder(program, "main", new Span(1, 1, 0), source, diagnostics);
        blockBody(program.body(), program);
        scopeWait();
        fn.emit(Opcode.RETNIL, 0, 0, 0, false, null);
        return fn.proto().build();
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
    private void blockBody(List<Ast.Stmt> stmts, Object key) {
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
        releaseAtomics(atomicsMark);
        fn.liveAtomics.subList(atomicsMark, fn.liveAtomics.size()).clear();
        fn.freeReg = saved;
    }

    /**
     * Releases the cells of the atomic variables declared since {@code mark} (SPEC §8: freed
     * when no scope or task holds them). Not for variables a function captured (the closure
     * may outlive the scope); paths that leave early (break, continue, an error) skip this and
     * the task's end releases what it still holds. ARELEASE is a no-op for a cell the task
     * does not hold, so a register not yet initialised on this path is harmless.
     */
    private void releaseAtomics(int mark) {
        for (int n = fn.liveAtomics.size() - 1; n >= mark; n--) {
            LocalVar v = fn.liveAtomics.get(n);
            if (v.capturedByFn) {
                continue;
            }
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
                    if (var.captured) {
                        fn.emit(Opcode.NEWATOMIC, tmp, tmp, 0, false, v.span());
                        fn.emit(Opcode.SETBOX, var.reg, tmp, 0, false, v.span());
                        fn.freeReg = saved;
                    } else {
                        fn.emit(Opcode.NEWATOMIC, tmp, tmp, 0, false, v.span());
                        var.reg = tmp;
                        saved = fn.freeReg;
                    }
                    fn.liveAtomics.add(var);
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
                endBlocks(loop.blockDepth, b.span());
                loop.breaks.add(fn.emit(Opcode.JMP, 0, 0, 0, false, b.span()));
            }
            case Ast.Continue c -> {
                Loop loop = fn.loops.peek();
                endBlocks(loop.blockDepth, c.span());
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
            case Ast.BlockStmt b -> saved = blockStmt(b, saved);
            case Ast.TaskStmt t -> taskStmt(t);
            case Ast.WorkerStmt w -> workerStmt(w);
        }
        fn.freeReg = saved;
    }

    // ------------------------------------------------------------------ concurrency (SPEC §5, §6)

    /**
     * A concurrent block:
     * <pre>
     *   [ch = channel()]             when the block declares its output channel
     *   [errors = channel()]         when the block declares its errors channel
     *   BLOCKBEGIN rB spec           rB+1 = output channel, rB+2 = input channel, rB+3 = errors channel
     *   body                         task/worker statements SPAWN/SPAWNW into rB
     *   BLOCKEND rB                  batch: waits for the units, raises the first error
     *   JMP over
     *   BLOCKABORT rB err            handler of the body: cancel the units, wait, raise
     * over:
     *   [handle = BLOCKFUTURE rB]
     * </pre>
     * Returns the statement's new register floor (the block may declare ch and handle).
     */
    private int blockStmt(Ast.BlockStmt b, int saved) {
        BlockSpec spec = res.blockSpecs.get(b);
        LocalVar out = res.blockOutput.get(b);
        LocalVar in = res.blockInput.get(b);
        LocalVar handle = res.blockHandle.get(b);
        LocalVar errors = res.blockErrors.get(b);
        for (LocalVar v : new LocalVar[] {out, handle, errors}) {
            if (v != null && res.blockDeclared.contains(v) && !v.captured && v.reg < 0) {
                v.reg = fn.alloc();
                fn.emit(Opcode.LOADNIL, v.reg, 0, 0, false, b.span());
                saved = fn.freeReg;
            }
        }
        fn.freeReg = saved;
        for (LocalVar v : new LocalVar[] {out, errors}) {
            if (v != null && res.blockDeclared.contains(v)) {
                int tmp = fn.alloc();
                fn.emit(Opcode.CALLB, tmp, 0, Builtin.CHANNEL.ordinal(), false, b.span());
                fn.storeVar(v, tmp, b.span());
                fn.freeReg = saved;
            }
        }
        int rb = fn.alloc();
        fn.alloc();
        fn.alloc();
        fn.alloc();
        if (out != null) {
            fn.loadVar(out, rb + 1, b.span());
        } else {
            fn.emit(Opcode.LOADNIL, rb + 1, 0, 0, false, b.span());
        }
        if (in != null) {
            fn.loadVar(in, rb + 2, b.span());
        } else {
            fn.emit(Opcode.LOADNIL, rb + 2, 0, 0, false, b.span());
        }
        if (errors != null) {
            fn.loadVar(errors, rb + 3, b.span());
        } else {
            fn.emit(Opcode.LOADNIL, rb + 3, 0, 0, false, b.span());
        }
        fn.emit(Opcode.BLOCKBEGIN, rb, 0, fn.constant(spec), false, b.span());
        int errReg = fn.alloc();
        fn.openBlocks.add(rb);
        fn.openParallel.add(b.kind() == Ast.BlockKind.PARALLEL);
        fn.openConfigs.add(spec.config());
        int start = fn.pc();
        blockBody(b.body().stmts(), b.body());
        int end = fn.pc();
        fn.openBlocks.removeLast();
        fn.openParallel.removeLast();
        fn.openConfigs.removeLast();
        fn.emit(Opcode.BLOCKEND, rb, 0, 0, false, b.span());
        int over = fn.emit(Opcode.JMP, 0, 0, 0, false, null);
        fn.addHandler(start, end, fn.pc(), errReg);
        fn.emit(Opcode.BLOCKABORT, rb, errReg, 0, false, b.span());
        fn.patch(over, fn.pc());
        if (handle != null) {
            int tmp = fn.alloc();
            fn.emit(Opcode.BLOCKFUTURE, tmp, rb, 0, false, b.span());
            fn.storeVar(handle, tmp, b.span());
        }
        return saved;
    }

    /**
     * {@code task { }} and {@code task(v in e) { }}: one SPAWN, or TASKLOOP (a task family over a
     * range or list, see ParallelOps.startFamily) with a loop of SPAWNs over e's items as its
     * fallback. In a parallel block, {@code task(v in e)} (and {@code iter(v in e)}, which the
     * parser turns into it) is one PARLOOP over e: the loop's chunks call the closure per item.
     */
    private void taskStmt(Ast.TaskStmt t) {
        int rb = fn.openBlocks.getLast();
        int closure = fn.alloc();
        fn.alloc();
        int proto = fn.openParallel.getLast() && t.source() != null ? parallelLoopFunction(t, fn.openConfigs.getLast())
                : unitFunction(t, t.var(), t.body(), false, fn.openConfigs.getLast());
        fn.emit(Opcode.CLOSURE, closure, 0, proto, false, t.span());
        int name = fn.constant(t.var() == null ? "" : t.var());
        if (fn.openParallel.getLast() && t.source() != null) {
            expressions.exprTo(t.source(), closure + 1);
            fn.emit(Opcode.PARLOOP, rb, closure, name(t), t.key() != null, t.span());
            return;
        }
        if (t.source() == null) {
            fn.emit(Opcode.SPAWN, rb, closure, name, false, t.span());
            return;
        }
        if (t.key() != null) {
            // task(k, v in e): one task per element with two items, SPAWN2 over e's pairs (no family)
            fn.alloc(); // closure + 2, the second item
            int pairs = fn.alloc();
            fn.alloc();
            fn.alloc();
            expressions.exprTo(t.source(), pairs);
            fn.emit(Opcode.ITERPREP, pairs, 0, 0, false, t.source().span());
            int top = fn.pc();
            int next = fn.emit(Opcode.ITERNEXT, pairs, 2, 0, false, t.span());
            fn.emit(Opcode.MOVE, closure + 1, pairs + 1, 0, false, t.span());
            fn.emit(Opcode.MOVE, closure + 2, pairs + 2, 0, false, t.span());
            fn.emit(Opcode.SPAWN2, rb, closure, fn.constant(t.key()), false, t.span());
            fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, t.span()), top);
            fn.patch(next, fn.pc());
            return;
        }
        int started = fn.alloc();
        int it = fn.alloc();
        fn.alloc();
        expressions.exprTo(t.source(), closure + 1);
        fn.emit(Opcode.TASKLOOP, rb, closure, name, false, t.span());
        int over = fn.emit(Opcode.TEST, started, 0, 0, true, t.span());
        fn.emit(Opcode.MOVE, it, closure + 1, 0, false, t.span());
        fn.emit(Opcode.ITERPREP, it, 0, 0, false, t.source().span());
        int top = fn.pc();
        int next = fn.emit(Opcode.ITERNEXT, it, 1, 0, false, t.span());
        fn.emit(Opcode.MOVE, closure + 1, it + 1, 0, false, t.span());
        fn.emit(Opcode.SPAWN, rb, closure, name, true, t.span());
        fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, t.span()), top);
        fn.patch(next, fn.pc());
        fn.patch(over, fn.pc());
    }

    /**
     * The variable a parallel loop's diagnostics name: the key (or index) of a two-variable
     * loop, since it identifies the iteration, else the one variable.
     */
    private int name(Ast.TaskStmt t) {
        return fn.constant(t.key() != null ? t.key() : t.var() == null ? "" : t.var());
    }

    /** {@code worker(v from c) { }} and {@code worker(v) { }}: SPAWNW starts the instances. */
    private void workerStmt(Ast.WorkerStmt w) {
        int rb = fn.openBlocks.getLast();
        int closure = fn.alloc();
        fn.alloc();
        fn.emit(Opcode.CLOSURE, closure, 0, unitFunction(w, w.var(), w.body(), true, fn.openConfigs.getLast()), false, w.span());
        if (w.source() != null) {
            expressions.exprTo(w.source(), closure + 1);
        }
        fn.emit(Opcode.SPAWNW, rb, closure, fn.constant(w.var()), w.source() != null, w.span());
    }

    /**
     * Compiles a unit body into a nested proto. A task's proto takes its variable as its one
     * parameter (or none). A worker's proto takes the channel and loops: receive an item into
     * its variable, run the body, repeat until end of stream; {@code return v} in it sends v and
     * goes on with the next item.
     *
     * <p>Under {@code on_error=Auto} or {@code Retry} the body is guarded (SPEC §6.2):
     * <pre>
     *        MOVE save, input      the unit's input (a task's parameters, a worker's item)
     *   top: MOVE input, save      a retry starts again from the same input
     *        body
     *        [worker: JMP next item]
     *   handler (error in rE):
     *        UNITFAIL rE -> top    Auto: go on; Retry: wait the backoff, then to top; else raise
     *        [worker: JMP next item]
     * </pre>
     */
    private int unitFunction(Object key, String var, Ast.Block body, boolean worker, BlockConfig config) {
        beginFunction(key, (worker ? "worker" : "task") + (var == null ? "" : " " + var), body.span());
        List<LocalVar> params = res.scopeVars.getOrDefault(key, List.of());
        // a two-variable parallel loop's body takes the key (or index) first, then the value
        LocalVar pairKey = key instanceof Ast.TaskStmt t && t.key() != null ? params.getFirst() : null;
        LocalVar v = var == null ? null : params.get(pairKey != null ? 1 : 0);
        int nParams = pairKey != null ? 2 : worker || var != null ? 1 : 0;
        boolean guarded = config.onError() != BlockConfig.OnError.STOP;
        for (int i = 0; i < nParams; i++) {
            fn.alloc();
        }
        if (worker) {
            int item = fn.alloc();
            int save = guarded ? fn.alloc() : -1;
            fn.emit(Opcode.ITERPREP, 0, 0, 0, false, body.span());
            fn.unitLoopTop = fn.pc();
            int next = fn.emit(Opcode.ITERNEXT, 0, 1, 0, false, body.span());
            fn.emit(Opcode.UNITITEM, item, 0, 0, false, body.span());
            if (guarded) {
                fn.emit(Opcode.MOVE, save, item, 0, false, body.span());
            }
            int top = fn.pc();
            if (guarded) {
                fn.emit(Opcode.MOVE, item, save, 0, false, body.span());
            }
            fn.bindLoopVar(v, item);
            blockBody(body.stmts(), body);
            fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, body.span()), fn.unitLoopTop);
            if (guarded) {
                guard(top, body);
                fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, body.span()), fn.unitLoopTop);
            }
            fn.patch(next, fn.pc());
        } else {
            int save = -1;
            if (guarded && nParams > 0) {
                save = fn.alloc();
                for (int i = 1; i < nParams; i++) {
                    fn.alloc();
                }
                for (int i = 0; i < nParams; i++) {
                    fn.emit(Opcode.MOVE, save + i, i, 0, false, body.span());
                }
            }
            int top = fn.pc();
            for (int i = 0; save >= 0 && i < nParams; i++) {
                fn.emit(Opcode.MOVE, i, save + i, 0, false, body.span());
            }
            if (pairKey != null) {
                pairKey.reg = 0;
                if (pairKey.captured) {
                    fn.bindLoopVar(pairKey, 0);
                }
            }
            if (v != null) {
                v.reg = pairKey != null ? 1 : 0;
                if (v.captured) {
                    fn.bindLoopVar(v, v.reg);
                }
            }
            blockBody(body.stmts(), body);
            if (guarded) {
                int over = fn.emit(Opcode.JMP, 0, 0, 0, false, null);
                guard(top, body);
                fn.patch(over, fn.pc());
            }
        }
        scopeWait();
        fn.emit(Opcode.RETNIL, 0, 0, 0, false, null);
        return endFunction(fn.proto().params(nParams, nParams));
    }

    /** The handler of a guarded unit body that runs from {@code top} to here: UNITFAIL, retrying at top. */
    private void guard(int top, Ast.Block body) {
        int errReg = fn.alloc();
        fn.addHandler(top, fn.pc(), fn.pc(), errReg);
        fn.patch(fn.emit(Opcode.UNITFAIL, errReg, 0, 0, false, body.span()), top);
    }

    /**
     * Compiles the body of a parallel loop, {@code iter(v in e)} or {@code iter(k, v in e)}, as
     * the loop a chunk task runs (the chunk's fiber enters it once per run, so iterations cost
     * no call and the body's hot loops are compiled as a sequential loop's are):
     * <pre>
     *   top: PARNEXT r0 -> end     r0 (and r1) := the chunk's next element; chunk over: to end
     *        (fresh boxes for captured loop variables)
     *        body                   return v: send v, then as the body's end
     *        JMP top                back-edge: time slices, cancellation
     *   end: RETNIL
     * </pre>
     * {@code ParallelOps} sees the PARNEXT at pc 0 and runs the closure as the chunk's loop.
     */
    private int parallelLoopFunction(Ast.TaskStmt t, BlockConfig config) {
        beginFunction(t, "task " + t.var(), t.body().span());
        List<LocalVar> params = res.scopeVars.getOrDefault(t, List.of());
        LocalVar key = t.key() != null ? params.getFirst() : null;
        LocalVar v = params.get(key != null ? 1 : 0);
        int n = key != null ? 2 : 1;
        for (int i = 0; i < n; i++) {
            fn.alloc();
        }
        // on_error=Auto/Retry: each iteration is guarded like a worker's item (see unitFunction)
        boolean guarded = config.onError() != BlockConfig.OnError.STOP;
        int save = guarded ? fn.alloc() : -1;
        if (guarded && n == 2) {
            fn.alloc();
        }
        fn.parallelLoop = true;
        fn.unitLoopTop = fn.pc();
        int next = fn.emit(Opcode.PARNEXT, 0, 0, 0, key != null, t.span());
        for (int i = 0; guarded && i < n; i++) {
            fn.emit(Opcode.MOVE, save + i, i, 0, false, t.span());
        }
        int top = fn.pc();
        for (int i = 0; guarded && i < n; i++) {
            fn.emit(Opcode.MOVE, i, save + i, 0, false, t.span());
        }
        if (key != null) {
            fn.bindLoopVar(key, 0);
        }
        fn.bindLoopVar(v, key != null ? 1 : 0);
        blockBody(t.body().stmts(), t.body());
        scopeWait();
        fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, t.span()), fn.unitLoopTop);
        if (guarded) {
            guard(top, t.body());
            fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, t.span()), fn.unitLoopTop);
        }
        fn.patch(next, fn.pc());
        fn.emit(Opcode.RETNIL, 0, 0, 0, false, null);
        return endFunction(fn.proto());
    }

    /** Ends the blocks opened since {@code depth} (a break, continue or return leaves their bodies). */
    private void endBlocks(int depth, Span span) {
        for (int n = fn.openBlocks.size() - 1; n >= depth; n--) {
            fn.emit(Opcode.BLOCKEND, fn.openBlocks.get(n), 0, 0, false, span);
        }
    }

    /** Waits for the stream/async blocks of this function before it returns. */
    private void scopeWait() {
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

    /**
     * A shared write from concurrent code (SPEC §6.1), to the upvalue of variable {@code v}:
     * <pre>
     *   STORE:    value -> t; UPSTORE t u
     *   RMW_OP:   e -> re; top: GETUPVAL rx u; rx+1 := rx op re; UPCAS rx u top
     *   RMW_EXPR: top: GETUPVAL rx u; rx+1 := E (x read from rx); UPCAS rx u top
     * </pre>
     */
    private void sharedAssign(Ast.Assign a, LocalVar v, Resolver.SharedWrite kind) {
        int up = fn.upvalue(v);
        if (kind == Resolver.SharedWrite.STORE) {
            int tmp = fn.alloc();
            expressions.exprTo(a.value(), tmp);
            fn.checkType(v, tmp, a.span());
            fn.emit(Opcode.UPSTORE, tmp, up, 0, false, a.span());
            return;
        }
        int re = kind == Resolver.SharedWrite.RMW_OP ? expressions.exprAny(a.value()) : -1;
        int rx = fn.alloc();
        fn.alloc();
        int top = fn.pc();
        fn.emit(Opcode.GETUPVAL, rx, up, 0, false, a.span());
        if (kind == Resolver.SharedWrite.RMW_OP) {
            Opcode op = switch (a.op()) {
                case "+=" -> Opcode.ADD;
                case "-=" -> Opcode.SUB;
                default -> Opcode.MUL;
            };
            fn.emit(op, rx + 1, rx, re, false, a.span());
        } else {
            LocalVar outerVar = fn.rmwVar;
            int outerReg = fn.rmwReg;
            fn.rmwVar = v;
            fn.rmwReg = rx;
            expressions.exprTo(a.value(), rx + 1);
            fn.rmwVar = outerVar;
            fn.rmwReg = outerReg;
        }
        fn.checkType(v, rx + 1, a.span());
        fn.patch(fn.emit(Opcode.UPCAS, rx, up, 0, false, a.span()), top);
    }

    private void assign(Ast.Assign a) {
        if (a.target() instanceof Ast.Name n && res.bindings.get(n) instanceof LocalVar target) {
            if (target.atomic) {
                atomicAssign(a, target);
                return;
            }
            Resolver.SharedWrite shared = res.sharedWrites.get(a);
            if (shared != null) {
                sharedAssign(a, target, shared);
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
            // return v in a unit sends v to the block's output channel (SPEC §5.1 ch)
            if (r.value() != null) {
                int reg = expressions.exprAny(r.value());
                fn.emit(Opcode.SENDOUT, reg, 0, 0, false, r.span());
            }
            endBlocks(0, r.span());
            releaseAtomics(0);
            if (fn.key instanceof Ast.WorkerStmt) {
                fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, r.span()), fn.unitLoopTop);
            } else if (fn.parallelLoop) {
                scopeWait(); // what the iteration started, as at its end
                fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, r.span()), fn.unitLoopTop);
            } else {
                scopeWait();
                fn.emit(Opcode.RETNIL, 0, 0, 0, false, r.span());
            }
            return;
        }
        Ast.FnDecl f = (Ast.FnDecl) fn.key;
        int retType = f.returnType() == null ? -1 : Types.code(f.returnType().name());
        if (r.value() == null) {
            endBlocks(0, r.span());
            scopeWait();
            releaseAtomics(0);
            fn.emit(Opcode.RETNIL, 0, 0, 0, false, r.span());
            return;
        }
        int reg = expressions.exprAny(r.value());
        if (retType > 0) {
            fn.emit(Opcode.CHECKRET, reg, retType, 0, false, r.span());
        }
        endBlocks(0, r.span());
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

    /** Starts compiling a function nested in the current one: code goes to it until {@link #endFunction}. */
    private void beginFunction(Object key, String name, Span span) {
        fn = fn.nested(key, name, span);
    }

    /** Ends the function begun last; returns its index among the enclosing function's nested functions. */
    private int endFunction(Proto.Builder proto) {
        Proto p = proto.build();
        fn = fn.parent;
        return fn.addProto(p);
    }
}
