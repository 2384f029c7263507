package dev.limn.lang;

import dev.limn.block.BlockConfig;
import dev.limn.block.BlockSpec;
import dev.limn.lang.FunctionBuilder.Loop;
import dev.limn.text.Diagnostic;
import dev.limn.text.Source;
import dev.limn.text.Span;
import dev.limn.value.DurationValue;
import dev.limn.vm.Builtin;
import dev.limn.vm.Instr;
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
 * entered (hoisting). Conditions compile to fused compare-and-branch instructions with a
 * constant operand where possible; {@code iter} over a literal range compiles to
 * FORPREP/FORLOOP. The code of each function goes to its {@link FunctionBuilder}.
 */
public final class Compiler {
    private final Resolver res;
    private final Source source;
    private final List<Diagnostic> diagnostics;
    /** The function being compiled. */
    private FunctionBuilder fn;

    public Compiler(Resolver resolver, Source source, List<Diagnostic> diagnostics) {
        this.res = resolver;
        this.source = source;
        this.diagnostics = diagnostics;
    }

    /** Compiles the top level into the main function's proto. */
    public Proto compileMain(Ast.Program program) {
        fn = new FunctionBuilder(program, "main", new Span(1, 1, 0), source, diagnostics);
        blockBody(program.body(), program);
        scopeWait();
        fn.emit(Opcode.RETNIL, 0, 0, 0, false, null);
        return fn.proto().build();
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
    private void blockBody(List<Ast.Stmt> stmts, Object key, Ast.ExprStmt valueStmt, int dest) {
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
                int p = function(f);
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
                exprTo(valueStmt.expr(), dest);
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
                    valueOrNil(v.init(), tmp);
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
                    valueOrNil(v.init(), tmp);
                    if (v.init() != null) {
                        fn.checkType(var, tmp, v.span());
                    }
                    fn.emit(Opcode.SETBOX, var.reg, tmp, 0, false, v.span());
                    fn.freeReg = saved;
                } else if (var.typeCode >= 0) {
                    int tmp = fn.alloc();
                    valueOrNil(v.init(), tmp);
                    if (v.init() != null) {
                        fn.checkType(var, tmp, v.span());
                    }
                    var.reg = tmp;
                    saved = fn.freeReg;
                } else {
                    int r = fn.alloc();
                    valueOrNil(v.init(), r);
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
                exprTo(e.expr(), r);
            }
            case Ast.If i -> {
                List<Integer> ends = new ArrayList<>();
                for (int n = 0; n < i.branches().size(); n++) {
                    Ast.Branch b = i.branches().get(n);
                    List<Integer> skip = new ArrayList<>();
                    condJump(b.cond(), false, skip);
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
                condJump(w.cond(), false, exit);
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
            exprTo(t.source(), closure + 1);
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
            exprTo(t.source(), pairs);
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
        exprTo(t.source(), closure + 1);
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
            exprTo(w.source(), closure + 1);
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

    /** {@code e} into {@code dest}; a name of an atomic variable gives the cell itself (method receivers, type_of). */
    private void exprToRaw(Ast.Expr e, int dest) {
        if (e instanceof Ast.Name n && res.bindings.get(n) instanceof LocalVar v && v.atomic) {
            fn.loadVar(v, dest, n.span());
        } else {
            exprTo(e, dest);
        }
    }

    /** Atomic variables (SPEC §6.1): = is a store, += -= *= atomic updates. */
    private void atomicAssign(Ast.Assign a, LocalVar v) {
        int cell = fn.alloc();
        fn.loadVar(v, cell, a.span());
        int val = exprAny(a.value());
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
            exprTo(a.value(), tmp);
            fn.checkType(v, tmp, a.span());
            fn.emit(Opcode.UPSTORE, tmp, up, 0, false, a.span());
            return;
        }
        int re = kind == Resolver.SharedWrite.RMW_OP ? exprAny(a.value()) : -1;
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
            exprTo(a.value(), rx + 1);
            fn.rmwVar = outerVar;
            fn.rmwReg = outerReg;
        }
        fn.checkType(v, rx + 1, a.span());
        fn.patch(fn.emit(Opcode.UPCAS, rx, up, 0, false, a.span()), top);
    }

    private void valueOrNil(Ast.Expr e, int dest) {
        if (e == null) {
            fn.emit(Opcode.LOADNIL, dest, 0, 0, false, null);
        } else {
            exprTo(e, dest);
        }
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
                int t = exprAny(ix.target());
                int i = exprAny(ix.index());
                int tmp = fn.alloc();
                fn.emit(Opcode.GETINDEX, tmp, t, i, false, ix.span());
                int v = exprAny(value);
                fn.emit(arithOp(op), tmp, tmp, v, false, a.span());
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
                        exprTo(value, tmp);
                        fn.checkType(v, tmp, a.span());
                        fn.emit(Opcode.SETBOX, v.reg, tmp, 0, false, a.span());
                    } else if (v.typeCode >= 0) {
                        int tmp = fn.alloc();
                        exprTo(value, tmp);
                        fn.checkType(v, tmp, a.span());
                        fn.emit(Opcode.MOVE, v.reg, tmp, 0, false, a.span());
                    } else {
                        exprTo(value, v.reg);
                    }
                } else {
                    int tmp = fn.alloc();
                    exprTo(value, tmp);
                    fn.checkType(v, tmp, a.span());
                    fn.emit(Opcode.SETUPVAL, tmp, fn.upvalue(v), 0, false, a.span());
                }
            }
            case Ast.Index ix -> {
                int t = exprAny(ix.target());
                int i = exprAny(ix.index());
                int v = exprAny(value);
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
            condJump(f.cond(), false, exit);
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
            exprTo(r.from(), base);
            exprTo(r.to(), base + 1);
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
            exprTo(it.iterable(), base);
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
            exprTo(r.value(), tmp);
            fn.emit(Opcode.RAISE, tmp, 0, 0, !(fn.key instanceof Ast.Program), r.value().span());
            return;
        }
        if (fn.key instanceof Ast.Program) {
            return;
        }
        if (fn.key instanceof Ast.TaskStmt || fn.key instanceof Ast.WorkerStmt) {
            // return v in a unit sends v to the block's output channel (SPEC §5.1 ch)
            if (r.value() != null) {
                int reg = exprAny(r.value());
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
        int reg = exprAny(r.value());
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
    private int function(Ast.FnDecl f) {
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
                exprTo(p.defaultValue(), i);
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

    // ------------------------------------------------------------------ expressions

    /** The register that holds {@code e}'s value: a local's own register, or a new temporary. */
    private int exprAny(Ast.Expr e) {
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

    private void exprTo(Ast.Expr e, int dest) {
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
            case Ast.FnExpr f -> fn.emit(Opcode.CLOSURE, dest, 0, function(f.fn()), false, f.span());
            case Ast.Await a -> {
                exprTo(a.expr(), dest);
                fn.emit(Opcode.AWAIT, dest, dest, 0, false, a.span());
            }
        }
        fn.freeReg = saved;
    }

    private void loadInt(long v, int dest, Span span) {
        if (v >= Instr.MIN_SC && v <= Instr.MAX_SC) {
            fn.emit(Opcode.LOADINT, dest, 0, (int) v, false, span);
        } else {
            fn.emit(Opcode.LOADK, dest, 0, fn.constant(v), false, span);
        }
    }

    private void name(Ast.Name n, int dest) {
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
        switch (u.op()) {
            case NEG -> {
                if (u.operand() instanceof Ast.IntLit i) {
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

    private static Opcode arithOp(Ast.BinaryOp op) {
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
    private void condJump(Ast.Expr e, boolean when, List<Integer> jumps) {
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
        return switch (op) {
            case LT -> fn.emit(Opcode.LT, ra, rb, 0, k, span);
            case LE -> fn.emit(Opcode.LE, ra, rb, 0, k, span);
            case GT -> fn.emit(Opcode.LT, rb, ra, 0, k, span);
            case GE -> fn.emit(Opcode.LE, rb, ra, 0, k, span);
            default -> fn.emit(Opcode.EQ, ra, rb, 0, k, span);
        };
    }

    private void call(Ast.Call c, int dest) {
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
            blockBody(stmts, block, last, dest);
            if (last == null) {
                fn.emit(Opcode.LOADNIL, dest, 0, 0, false, o.span());
            }
        }
        fn.patch(over, fn.pc());
    }

}
