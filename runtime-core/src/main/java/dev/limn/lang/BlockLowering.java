package dev.limn.lang;

import dev.limn.block.BlockConfig;
import dev.limn.block.BlockSpec;
import dev.limn.text.Span;
import dev.limn.vm.Builtin;
import dev.limn.vm.Opcode;

import java.util.List;

/**
 * The lowering of concurrent and parallel blocks (SPEC §5, §6) for the {@link Compiler}. A
 * block statement becomes BLOCKBEGIN, its body and BLOCKEND, with BLOCKABORT as the body's
 * handler. Each task and worker statement becomes a nested function, its unit function,
 * which SPAWN, SPAWN2, TASKLOOP or SPAWNW start; in a parallel block a loop becomes one
 * PARLOOP over a function that runs as its chunk's loop. Under {@code on_error=Auto} or
 * {@code Retry} a unit's body is guarded by a UNITFAIL handler. A write from a unit body to a
 * variable of the code around the block (a shared write, SPEC §6.1) becomes an atomic store
 * or a compare-and-set loop.
 *
 * <p>The compiler calls in here for block, task and worker statements, for shared writes and
 * for {@code return} in a unit body; {@code break}, {@code continue} and {@code return} call
 * {@link #endBlocks} for the blocks they leave. A unit body is compiled back through
 * {@link Compiler#blockBody} into a function begun with {@link Compiler#beginFunction}; the
 * blocks open in a function are listed in its {@link FunctionBuilder}.
 */
final class BlockLowering {
    /** A concurrent block whose body is being compiled: its register, its kind and its parameters. */
    record OpenBlock(int register, boolean parallel, BlockConfig config) {}

    private final Compiler compiler;
    private final ExpressionCompiler expressions;
    private final Resolver res;

    BlockLowering(Compiler compiler, ExpressionCompiler expressions, Resolver resolver) {
        this.compiler = compiler;
        this.expressions = expressions;
        this.res = resolver;
    }

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
    int blockStmt(Ast.BlockStmt b, int saved) {
        FunctionBuilder fn = compiler.function();
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
        fn.openBlocks.add(new OpenBlock(rb, b.kind() == Ast.BlockKind.PARALLEL, spec.config()));
        int start = fn.pc();
        compiler.blockBody(b.body().stmts(), b.body());
        int end = fn.pc();
        fn.openBlocks.removeLast();
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
     * range or list, see ParallelLoops.startFamily) with a loop of SPAWNs over e's items as its
     * fallback. In a parallel block, {@code task(v in e)} (and {@code iter(v in e)}, which the
     * parser turns into it) is one PARLOOP over e: the loop's chunks call the closure per item.
     */
    void taskStmt(Ast.TaskStmt t) {
        FunctionBuilder fn = compiler.function();
        OpenBlock block = fn.openBlocks.getLast();
        int rb = block.register();
        int closure = fn.alloc();
        fn.alloc();
        boolean parallelLoop = block.parallel() && t.source() != null;
        int proto = parallelLoop ? parallelLoopFunction(t, block.config())
                : unitFunction(t, t.var(), t.body(), block.config());
        fn.emit(Opcode.CLOSURE, closure, 0, proto, false, t.span());
        int name = fn.constant(t.var() == null ? "" : t.var());
        if (parallelLoop) {
            expressions.exprTo(t.source(), closure + 1);
            fn.emit(Opcode.PARLOOP, rb, closure, loopVariableName(t), t.key() != null, t.span());
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
    private int loopVariableName(Ast.TaskStmt t) {
        return compiler.function().constant(t.key() != null ? t.key() : t.var() == null ? "" : t.var());
    }

    /** {@code worker(v from c) { }} and {@code worker(v) { }}: SPAWNW starts the instances. */
    void workerStmt(Ast.WorkerStmt w) {
        FunctionBuilder fn = compiler.function();
        OpenBlock block = fn.openBlocks.getLast();
        int rb = block.register();
        int closure = fn.alloc();
        fn.alloc();
        fn.emit(Opcode.CLOSURE, closure, 0, unitFunction(w, w.var(), w.body(), block.config()), false, w.span());
        if (w.source() != null) {
            expressions.exprTo(w.source(), closure + 1);
        }
        fn.emit(Opcode.SPAWNW, rb, closure, fn.constant(w.var()), w.source() != null, w.span());
    }

    /**
     * Compiles the body of {@code unit}, a task or worker statement, into a nested proto. A
     * task's proto takes its variable as its one parameter (or none). A worker's proto takes
     * the channel and loops: receive an item into its variable, run the body, repeat until end
     * of stream; {@code return v} in it sends v and goes on with the next item.
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
    private int unitFunction(Ast.Stmt unit, String var, Ast.Block body, BlockConfig config) {
        boolean worker = unit instanceof Ast.WorkerStmt;
        String name = (worker ? "worker" : "task") + (var == null ? "" : " " + var);
        FunctionBuilder fn = compiler.beginFunction(unit, name, body.span());
        List<LocalVar> params = res.scopeVars.getOrDefault(unit, List.of());
        // a two-variable parallel loop's body takes the key (or index) first, then the value
        LocalVar pairKey = unit instanceof Ast.TaskStmt t && t.key() != null ? params.getFirst() : null;
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
            compiler.blockBody(body.stmts(), body);
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
            compiler.blockBody(body.stmts(), body);
            if (guarded) {
                int over = fn.emit(Opcode.JMP, 0, 0, 0, false, null);
                guard(top, body);
                fn.patch(over, fn.pc());
            }
        }
        compiler.scopeWait();
        fn.emit(Opcode.RETNIL, 0, 0, 0, false, null);
        return compiler.endFunction(fn.proto().params(nParams, nParams));
    }

    /** The handler of a guarded unit body that runs from {@code top} to here: UNITFAIL, retrying at top. */
    private void guard(int top, Ast.Block body) {
        FunctionBuilder fn = compiler.function();
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
     * {@code ParallelLoops} sees the PARNEXT at pc 0 and runs the closure as the chunk's loop.
     */
    private int parallelLoopFunction(Ast.TaskStmt t, BlockConfig config) {
        FunctionBuilder fn = compiler.beginFunction(t, "task " + t.var(), t.body().span());
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
        compiler.blockBody(t.body().stmts(), t.body());
        compiler.scopeWait();
        fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, t.span()), fn.unitLoopTop);
        if (guarded) {
            guard(top, t.body());
            fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, t.span()), fn.unitLoopTop);
        }
        fn.patch(next, fn.pc());
        fn.emit(Opcode.RETNIL, 0, 0, 0, false, null);
        return compiler.endFunction(fn.proto());
    }

    /**
     * {@code return} in a unit body: {@code return v} sends v to the block's output channel
     * (SPEC §5.1 ch). Then a worker goes on with its next item, a parallel loop's chunk with
     * its next element, and a task ends.
     */
    void unitReturn(Ast.Return r) {
        FunctionBuilder fn = compiler.function();
        if (r.value() != null) {
            int reg = expressions.exprAny(r.value());
            fn.emit(Opcode.SENDOUT, reg, 0, 0, false, r.span());
        }
        endBlocks(0, r.span());
        compiler.releaseAtomics(0);
        if (fn.key instanceof Ast.WorkerStmt) {
            fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, r.span()), fn.unitLoopTop);
        } else if (fn.parallelLoop) {
            compiler.scopeWait(); // what the iteration started, as at its end
            fn.patch(fn.emit(Opcode.JMP, 0, 0, 0, false, r.span()), fn.unitLoopTop);
        } else {
            compiler.scopeWait();
            fn.emit(Opcode.RETNIL, 0, 0, 0, false, r.span());
        }
    }

    /**
     * A shared write from concurrent code (SPEC §6.1), to the upvalue of variable {@code v}:
     * <pre>
     *   STORE:    value -> t; UPSTORE t u
     *   RMW_OP:   e -> re; top: GETUPVAL rx u; rx+1 := rx op re; UPCAS rx u top
     *   RMW_EXPR: top: GETUPVAL rx u; rx+1 := E (x read from rx); UPCAS rx u top
     * </pre>
     */
    void sharedAssign(Ast.Assign a, LocalVar v, Resolver.SharedWrite kind) {
        FunctionBuilder fn = compiler.function();
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

    /** Ends the blocks opened since {@code depth} (a break, continue or return leaves their bodies). */
    void endBlocks(int depth, Span span) {
        FunctionBuilder fn = compiler.function();
        for (int n = fn.openBlocks.size() - 1; n >= depth; n--) {
            fn.emit(Opcode.BLOCKEND, fn.openBlocks.get(n).register(), 0, 0, false, span);
        }
    }
}
