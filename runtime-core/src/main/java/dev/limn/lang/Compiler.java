package dev.limn.lang;

import dev.limn.block.BlockConfig;
import dev.limn.block.BlockSpec;
import dev.limn.text.Diagnostic;
import dev.limn.text.Source;
import dev.limn.text.Span;
import dev.limn.value.DurationValue;
import dev.limn.vm.Builtin;
import dev.limn.vm.Instr;
import dev.limn.vm.Opcode;
import dev.limn.vm.Proto;
import dev.limn.vm.Tag;
import dev.limn.vm.Types;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles a resolved program to {@link Proto}s with Lua-style register allocation: locals
 * take registers in declaration order, temporaries sit above them and are released at the
 * end of each statement. A local captured by a closure lives in a box in its register
 * (created when its scope is entered); functions of a block are created when the block is
 * entered (hoisting). Conditions compile to fused compare-and-branch instructions with a
 * constant operand where possible; {@code iter} over a literal range compiles to
 * FORPREP/FORLOOP.
 */
public final class Compiler {
    private final Resolver res;
    private final Source source;
    private final List<Diagnostic> diagnostics;
    private FnState fs;

    public Compiler(Resolver resolver, Source source, List<Diagnostic> diagnostics) {
        this.res = resolver;
        this.source = source;
        this.diagnostics = diagnostics;
    }

    /** Compiles the top level into the main function's proto. */
    public Proto compileMain(Ast.Program program) {
        fs = new FnState(null, program, "main", new Span(1, 1, 0));
        blockBody(program.body(), program);
        scopeWait();
        emit(Opcode.RETNIL, 0, 0, 0, false, null);
        return fs.finish(0, 0).build();
    }

    // ------------------------------------------------------------------ per-function state

    private static final class Loop {
        final List<Integer> breaks = new ArrayList<>();
        final List<Integer> continues = new ArrayList<>();
        int continueTarget = -1;
        final int freeRegAtEntry;
        /** Blocks open in the function when the loop began: break/continue end the ones opened since. */
        int blockDepth;

        Loop(int freeReg) {
            this.freeRegAtEntry = freeReg;
        }
    }

    private final class FnState {
        final FnState parent;
        final Object key;
        final String name;
        final Span span;
        long[] code = new long[64];
        int[] lines = new int[64];
        int[] cols = new int[64];
        int[] lens = new int[64];
        int pc;
        final List<Long> kPay = new ArrayList<>();
        final List<Byte> kTag = new ArrayList<>();
        final List<Object> kRef = new ArrayList<>();
        final Map<List<Object>, Integer> kIndex = new HashMap<>();
        final List<Proto> protos = new ArrayList<>();
        final List<LocalVar> upVars = new ArrayList<>();
        final List<Boolean> upFromLocal = new ArrayList<>();
        final List<Integer> upIndex = new ArrayList<>();
        final List<int[]> handlers = new ArrayList<>();
        final Deque<Loop> loops = new ArrayDeque<>();
        int freeReg;
        int maxRegs;
        /** Registers of the concurrent blocks whose body is being compiled, outermost first. */
        final List<Integer> openBlocks = new ArrayList<>();
        /** Whether each of {@link #openBlocks} is a parallel block. */
        final List<Boolean> openParallel = new ArrayList<>();
        /** The parameters of each of {@link #openBlocks}. */
        final List<BlockConfig> openConfigs = new ArrayList<>();
        /** A shared read-modify-write being compiled: reads of this variable read rmwReg instead. */
        LocalVar rmwVar;
        int rmwReg;
        /** Atomic variables of the open scopes, in declaration order: released when their scope ends or the function returns. */
        final List<LocalVar> liveAtomics = new ArrayList<>();
        /** A worker body: the pc of its receive loop, where return goes after sending. */
        int unitLoopTop = -1;
        /** A parallel loop's body compiled as its chunk's own loop ({@link #parallelLoopFunction}). */
        boolean parallelLoop;
        /** freeReg when the current statement began: registers at or above it are temporaries (or a variable this statement declares, not yet visible). */
        int stmtBase;

        FnState(FnState parent, Object key, String name, Span span) {
            this.parent = parent;
            this.key = key;
            this.name = name;
            this.span = span;
        }

        Proto.Builder finish(int numParams, int minArgs) {
            int n = kPay.size();
            long[] kp = new long[n];
            byte[] kt = new byte[n];
            for (int i = 0; i < n; i++) {
                kp[i] = kPay.get(i);
                kt[i] = kTag.get(i);
            }
            boolean[] fromLocal = new boolean[upVars.size()];
            int[] index = new int[upVars.size()];
            String[] names = new String[upVars.size()];
            for (int i = 0; i < fromLocal.length; i++) {
                fromLocal[i] = upFromLocal.get(i);
                index[i] = upIndex.get(i);
                names[i] = upVars.get(i).name;
            }
            int h = handlers.size();
            int[] start = new int[h];
            int[] end = new int[h];
            int[] target = new int[h];
            int[] reg = new int[h];
            for (int i = 0; i < h; i++) {
                start[i] = handlers.get(i)[0];
                end[i] = handlers.get(i)[1];
                target[i] = handlers.get(i)[2];
                reg[i] = handlers.get(i)[3];
            }
            return new Proto.Builder(name).source(source, span).params(numParams, minArgs).registers(Math.max(1, maxRegs))
                    .code(Arrays.copyOf(code, pc)).positions(Arrays.copyOf(lines, pc), Arrays.copyOf(cols, pc), Arrays.copyOf(lens, pc))
                    .constants(kp, kt, kRef.toArray()).protos(protos.toArray(new Proto[0]))
                    .upvalues(fromLocal, index, names).handlers(start, end, target, reg);
        }
    }

    private Loop newLoop(int freeReg) {
        Loop loop = new Loop(freeReg);
        loop.blockDepth = fs.openBlocks.size();
        return loop;
    }

    // ------------------------------------------------------------------ emission

    private void error(String message, Span span) {
        diagnostics.add(new Diagnostic(null, message, source, span));
    }

    private int emit(Opcode op, int a, int b, int c, boolean k, Span span) {
        if (a > Instr.MAX_A || b > Instr.MAX_B) {
            error("function too large: more than " + Instr.MAX_A + " registers", span);
        }
        if (fs.pc == fs.code.length) {
            int n = fs.pc * 2;
            fs.code = Arrays.copyOf(fs.code, n);
            fs.lines = Arrays.copyOf(fs.lines, n);
            fs.cols = Arrays.copyOf(fs.cols, n);
            fs.lens = Arrays.copyOf(fs.lens, n);
        }
        Span at = span == null ? Span.NONE : span;
        fs.code[fs.pc] = Instr.make(op, a, b, c, k);
        fs.lines[fs.pc] = at.line();
        fs.cols[fs.pc] = at.col();
        fs.lens[fs.pc] = at.length();
        return fs.pc++;
    }

    /** Points the jump at {@code at} to {@code target}. */
    private void patch(int at, int target) {
        int off = target - (at + 1);
        if (off < Instr.MIN_SC || off > Instr.MAX_SC) {
            error("function too large: jump out of range", Span.NONE);
        }
        fs.code[at] = Instr.withC(fs.code[at], off);
    }

    private void patchHere(List<Integer> jumps) {
        for (int j : jumps) {
            patch(j, fs.pc);
        }
        jumps.clear();
    }

    private int constant(Object value) {
        byte tag;
        long pay = 0;
        Object ref = null;
        switch (value) {
            case Long l -> {
                tag = Tag.INT;
                pay = l;
            }
            case Double d -> {
                tag = Tag.FLOAT;
                pay = Double.doubleToRawLongBits(d);
            }
            case Boolean b -> {
                tag = Tag.BOOL;
                pay = b ? 1 : 0;
            }
            case DurationValue d -> {
                tag = Tag.DURATION;
                pay = d.nanos();
            }
            case null -> tag = Tag.NIL;
            default -> {
                tag = Tag.REF;
                ref = value;
            }
        }
        List<Object> key = Arrays.asList(tag, pay, ref == null ? null : ref.getClass(), ref);
        Integer i = fs.kIndex.get(key);
        if (i != null) {
            return i;
        }
        int index = fs.kPay.size();
        fs.kPay.add(pay);
        fs.kTag.add(tag);
        fs.kRef.add(ref);
        fs.kIndex.put(key, index);
        return index;
    }

    private int alloc() {
        int r = fs.freeReg++;
        if (fs.freeReg > fs.maxRegs) {
            fs.maxRegs = fs.freeReg;
        }
        return r;
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
        int saved = fs.freeReg;
        int atomicsMark = fs.liveAtomics.size();
        for (LocalVar v : res.scopeVars.getOrDefault(key, List.of())) {
            if (v.kind == LocalVar.Kind.FN || (v.kind == LocalVar.Kind.PLAIN && v.captured)) {
                v.reg = alloc();
                if (v.captured) {
                    emit(Opcode.NEWBOX, v.reg, 0, 0, false, null);
                }
            }
        }
        for (Ast.Stmt s : stmts) {
            if (s instanceof Ast.FnDecl f && f.name() != null) {
                LocalVar v = res.bindings.get(f);
                int p = function(f);
                if (v.captured) {
                    int tmp = alloc();
                    emit(Opcode.CLOSURE, tmp, 0, p, false, f.span());
                    emit(Opcode.SETBOX, v.reg, tmp, 0, false, f.span());
                    fs.freeReg--;
                } else {
                    emit(Opcode.CLOSURE, v.reg, 0, p, false, f.span());
                }
            }
        }
        for (Ast.Stmt s : stmts) {
            if (s == valueStmt) {
                int before = fs.freeReg;
                exprTo(valueStmt.expr(), dest);
                fs.freeReg = before;
            } else {
                stmt(s);
            }
        }
        releaseAtomics(atomicsMark);
        fs.liveAtomics.subList(atomicsMark, fs.liveAtomics.size()).clear();
        fs.freeReg = saved;
    }

    /**
     * Releases the cells of the atomic variables declared since {@code mark} (SPEC §8: freed
     * when no scope or task holds them). Not for variables a function captured (the closure
     * may outlive the scope); paths that leave early (break, continue, an error) skip this and
     * the task's end releases what it still holds. ARELEASE is a no-op for a cell the task
     * does not hold, so a register not yet initialised on this path is harmless.
     */
    private void releaseAtomics(int mark) {
        for (int n = fs.liveAtomics.size() - 1; n >= mark; n--) {
            LocalVar v = fs.liveAtomics.get(n);
            if (v.capturedByFn) {
                continue;
            }
            int tmp = alloc();
            loadVar(v, tmp, null);
            emit(Opcode.ARELEASE, tmp, 0, 0, false, null);
            fs.freeReg--;
        }
    }

    private void stmt(Ast.Stmt s) {
        int saved = fs.freeReg;
        int outerStmtBase = fs.stmtBase;
        fs.stmtBase = saved;
        stmtBody(s, saved);
        fs.stmtBase = outerStmtBase;
    }

    private void stmtBody(Ast.Stmt s, int saved) {
        switch (s) {
            case Ast.VarDecl v -> {
                LocalVar var = res.bindings.get(v);
                if (var.atomic) {
                    int tmp = alloc();
                    valueOrNil(v.init(), tmp);
                    if (var.captured) {
                        emit(Opcode.NEWATOMIC, tmp, tmp, 0, false, v.span());
                        emit(Opcode.SETBOX, var.reg, tmp, 0, false, v.span());
                        fs.freeReg = saved;
                    } else {
                        emit(Opcode.NEWATOMIC, tmp, tmp, 0, false, v.span());
                        var.reg = tmp;
                        saved = fs.freeReg;
                    }
                    fs.liveAtomics.add(var);
                } else if (var.captured) {
                    int tmp = alloc();
                    valueOrNil(v.init(), tmp);
                    if (v.init() != null) {
                        checkType(var, tmp, v.span());
                    }
                    emit(Opcode.SETBOX, var.reg, tmp, 0, false, v.span());
                    fs.freeReg = saved;
                } else if (var.typeCode >= 0) {
                    int tmp = alloc();
                    valueOrNil(v.init(), tmp);
                    if (v.init() != null) {
                        checkType(var, tmp, v.span());
                    }
                    var.reg = tmp;
                    saved = fs.freeReg;
                } else {
                    int r = alloc();
                    valueOrNil(v.init(), r);
                    var.reg = r;
                    saved = fs.freeReg;
                }
            }
            case Ast.Assign a -> {
                LocalVar declared = res.bindings.get(a);
                if (declared != null && !declared.captured) {
                    declared.reg = alloc();
                    saved = fs.freeReg;
                }
                assign(a);
            }
            case Ast.ExprStmt e -> {
                int r = alloc();
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
                        ends.add(emit(Opcode.JMP, 0, 0, 0, false, null));
                    }
                    patchHere(skip);
                }
                if (i.elseBody() != null) {
                    body(i.elseBody());
                }
                patchHere(ends);
            }
            case Ast.While w -> {
                int top = fs.pc;
                Loop loop = newLoop(fs.freeReg);
                loop.continueTarget = top;
                List<Integer> exit = new ArrayList<>();
                condJump(w.cond(), false, exit);
                fs.loops.push(loop);
                body(w.body());
                fs.loops.pop();
                patch(emit(Opcode.JMP, 0, 0, 0, false, w.span()), top);
                patchHere(exit);
                patchHere(loop.breaks);
            }
            case Ast.For f -> forLoop(f);
            case Ast.Iter it -> iter(it);
            case Ast.Break b -> {
                Loop loop = fs.loops.peek();
                endBlocks(loop.blockDepth, b.span());
                loop.breaks.add(emit(Opcode.JMP, 0, 0, 0, false, b.span()));
            }
            case Ast.Continue c -> {
                Loop loop = fs.loops.peek();
                endBlocks(loop.blockDepth, c.span());
                int j = emit(Opcode.JMP, 0, 0, 0, false, c.span());
                if (loop.continueTarget >= 0) {
                    patch(j, loop.continueTarget);
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
        fs.freeReg = saved;
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
                v.reg = alloc();
                emit(Opcode.LOADNIL, v.reg, 0, 0, false, b.span());
                saved = fs.freeReg;
            }
        }
        fs.freeReg = saved;
        for (LocalVar v : new LocalVar[] {out, errors}) {
            if (v != null && res.blockDeclared.contains(v)) {
                int tmp = alloc();
                emit(Opcode.CALLB, tmp, 0, Builtin.CHANNEL.ordinal(), false, b.span());
                storeVar(v, tmp, b.span());
                fs.freeReg = saved;
            }
        }
        int rb = alloc();
        alloc();
        alloc();
        alloc();
        if (out != null) {
            loadVar(out, rb + 1, b.span());
        } else {
            emit(Opcode.LOADNIL, rb + 1, 0, 0, false, b.span());
        }
        if (in != null) {
            loadVar(in, rb + 2, b.span());
        } else {
            emit(Opcode.LOADNIL, rb + 2, 0, 0, false, b.span());
        }
        if (errors != null) {
            loadVar(errors, rb + 3, b.span());
        } else {
            emit(Opcode.LOADNIL, rb + 3, 0, 0, false, b.span());
        }
        emit(Opcode.BLOCKBEGIN, rb, 0, constant(spec), false, b.span());
        int errReg = alloc();
        fs.openBlocks.add(rb);
        fs.openParallel.add(b.kind() == Ast.BlockKind.PARALLEL);
        fs.openConfigs.add(spec.config());
        int start = fs.pc;
        blockBody(b.body().stmts(), b.body());
        int end = fs.pc;
        fs.openBlocks.removeLast();
        fs.openParallel.removeLast();
        fs.openConfigs.removeLast();
        emit(Opcode.BLOCKEND, rb, 0, 0, false, b.span());
        int over = emit(Opcode.JMP, 0, 0, 0, false, null);
        fs.handlers.add(new int[] {start, end, fs.pc, errReg});
        emit(Opcode.BLOCKABORT, rb, errReg, 0, false, b.span());
        patch(over, fs.pc);
        if (handle != null) {
            int tmp = alloc();
            emit(Opcode.BLOCKFUTURE, tmp, rb, 0, false, b.span());
            storeVar(handle, tmp, b.span());
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
        int rb = fs.openBlocks.getLast();
        int fn = alloc();
        alloc();
        int proto = fs.openParallel.getLast() && t.source() != null ? parallelLoopFunction(t, fs.openConfigs.getLast())
                : unitFunction(t, t.var(), t.body(), false, fs.openConfigs.getLast());
        emit(Opcode.CLOSURE, fn, 0, proto, false, t.span());
        int name = constant(t.var() == null ? "" : t.var());
        if (fs.openParallel.getLast() && t.source() != null) {
            exprTo(t.source(), fn + 1);
            emit(Opcode.PARLOOP, rb, fn, name(t), t.key() != null, t.span());
            return;
        }
        if (t.source() == null) {
            emit(Opcode.SPAWN, rb, fn, name, false, t.span());
            return;
        }
        if (t.key() != null) {
            // task(k, v in e): one task per element with two items, SPAWN2 over e's pairs (no family)
            alloc(); // fn + 2, the second item
            int pairs = alloc();
            alloc();
            alloc();
            exprTo(t.source(), pairs);
            emit(Opcode.ITERPREP, pairs, 0, 0, false, t.source().span());
            int top = fs.pc;
            int next = emit(Opcode.ITERNEXT, pairs, 2, 0, false, t.span());
            emit(Opcode.MOVE, fn + 1, pairs + 1, 0, false, t.span());
            emit(Opcode.MOVE, fn + 2, pairs + 2, 0, false, t.span());
            emit(Opcode.SPAWN2, rb, fn, constant(t.key()), false, t.span());
            patch(emit(Opcode.JMP, 0, 0, 0, false, t.span()), top);
            patch(next, fs.pc);
            return;
        }
        int started = alloc();
        int it = alloc();
        alloc();
        exprTo(t.source(), fn + 1);
        emit(Opcode.TASKLOOP, rb, fn, name, false, t.span());
        int over = emit(Opcode.TEST, started, 0, 0, true, t.span());
        emit(Opcode.MOVE, it, fn + 1, 0, false, t.span());
        emit(Opcode.ITERPREP, it, 0, 0, false, t.source().span());
        int top = fs.pc;
        int next = emit(Opcode.ITERNEXT, it, 1, 0, false, t.span());
        emit(Opcode.MOVE, fn + 1, it + 1, 0, false, t.span());
        emit(Opcode.SPAWN, rb, fn, name, true, t.span());
        patch(emit(Opcode.JMP, 0, 0, 0, false, t.span()), top);
        patch(next, fs.pc);
        patch(over, fs.pc);
    }

    /**
     * The variable a parallel loop's diagnostics name: the key (or index) of a two-variable
     * loop, since it identifies the iteration, else the one variable.
     */
    private int name(Ast.TaskStmt t) {
        return constant(t.key() != null ? t.key() : t.var() == null ? "" : t.var());
    }

    /** {@code worker(v from c) { }} and {@code worker(v) { }}: SPAWNW starts the instances. */
    private void workerStmt(Ast.WorkerStmt w) {
        int rb = fs.openBlocks.getLast();
        int fn = alloc();
        alloc();
        emit(Opcode.CLOSURE, fn, 0, unitFunction(w, w.var(), w.body(), true, fs.openConfigs.getLast()), false, w.span());
        if (w.source() != null) {
            exprTo(w.source(), fn + 1);
        }
        emit(Opcode.SPAWNW, rb, fn, constant(w.var()), w.source() != null, w.span());
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
        FnState outer = fs;
        fs = new FnState(outer, key, (worker ? "worker" : "task") + (var == null ? "" : " " + var), body.span());
        List<LocalVar> params = res.scopeVars.getOrDefault(key, List.of());
        // a two-variable parallel loop's body takes the key (or index) first, then the value
        LocalVar pairKey = key instanceof Ast.TaskStmt t && t.key() != null ? params.getFirst() : null;
        LocalVar v = var == null ? null : params.get(pairKey != null ? 1 : 0);
        int nParams = pairKey != null ? 2 : worker || var != null ? 1 : 0;
        boolean guarded = config.onError() != BlockConfig.OnError.STOP;
        for (int i = 0; i < nParams; i++) {
            alloc();
        }
        if (worker) {
            int item = alloc();
            int save = guarded ? alloc() : -1;
            emit(Opcode.ITERPREP, 0, 0, 0, false, body.span());
            fs.unitLoopTop = fs.pc;
            int next = emit(Opcode.ITERNEXT, 0, 1, 0, false, body.span());
            emit(Opcode.UNITITEM, item, 0, 0, false, body.span());
            if (guarded) {
                emit(Opcode.MOVE, save, item, 0, false, body.span());
            }
            int top = fs.pc;
            if (guarded) {
                emit(Opcode.MOVE, item, save, 0, false, body.span());
            }
            bindLoopVar(v, item);
            blockBody(body.stmts(), body);
            patch(emit(Opcode.JMP, 0, 0, 0, false, body.span()), fs.unitLoopTop);
            if (guarded) {
                guard(top, body);
                patch(emit(Opcode.JMP, 0, 0, 0, false, body.span()), fs.unitLoopTop);
            }
            patch(next, fs.pc);
        } else {
            int save = -1;
            if (guarded && nParams > 0) {
                save = alloc();
                for (int i = 1; i < nParams; i++) {
                    alloc();
                }
                for (int i = 0; i < nParams; i++) {
                    emit(Opcode.MOVE, save + i, i, 0, false, body.span());
                }
            }
            int top = fs.pc;
            for (int i = 0; save >= 0 && i < nParams; i++) {
                emit(Opcode.MOVE, i, save + i, 0, false, body.span());
            }
            if (pairKey != null) {
                pairKey.reg = 0;
                if (pairKey.captured) {
                    bindLoopVar(pairKey, 0);
                }
            }
            if (v != null) {
                v.reg = pairKey != null ? 1 : 0;
                if (v.captured) {
                    bindLoopVar(v, v.reg);
                }
            }
            blockBody(body.stmts(), body);
            if (guarded) {
                int over = emit(Opcode.JMP, 0, 0, 0, false, null);
                guard(top, body);
                patch(over, fs.pc);
            }
        }
        scopeWait();
        emit(Opcode.RETNIL, 0, 0, 0, false, null);
        Proto p = fs.finish(nParams, nParams).build();
        fs = outer;
        fs.protos.add(p);
        return fs.protos.size() - 1;
    }

    /** The handler of a guarded unit body that runs from {@code top} to here: UNITFAIL, retrying at top. */
    private void guard(int top, Ast.Block body) {
        int errReg = alloc();
        fs.handlers.add(new int[] {top, fs.pc, fs.pc, errReg});
        patch(emit(Opcode.UNITFAIL, errReg, 0, 0, false, body.span()), top);
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
        FnState outer = fs;
        fs = new FnState(outer, t, "task " + t.var(), t.body().span());
        List<LocalVar> params = res.scopeVars.getOrDefault(t, List.of());
        LocalVar key = t.key() != null ? params.getFirst() : null;
        LocalVar v = params.get(key != null ? 1 : 0);
        int n = key != null ? 2 : 1;
        for (int i = 0; i < n; i++) {
            alloc();
        }
        // on_error=Auto/Retry: each iteration is guarded like a worker's item (see unitFunction)
        boolean guarded = config.onError() != BlockConfig.OnError.STOP;
        int save = guarded ? alloc() : -1;
        if (guarded && n == 2) {
            alloc();
        }
        fs.parallelLoop = true;
        fs.unitLoopTop = fs.pc;
        int next = emit(Opcode.PARNEXT, 0, 0, 0, key != null, t.span());
        for (int i = 0; guarded && i < n; i++) {
            emit(Opcode.MOVE, save + i, i, 0, false, t.span());
        }
        int top = fs.pc;
        for (int i = 0; guarded && i < n; i++) {
            emit(Opcode.MOVE, i, save + i, 0, false, t.span());
        }
        if (key != null) {
            bindLoopVar(key, 0);
        }
        bindLoopVar(v, key != null ? 1 : 0);
        blockBody(t.body().stmts(), t.body());
        scopeWait();
        patch(emit(Opcode.JMP, 0, 0, 0, false, t.span()), fs.unitLoopTop);
        if (guarded) {
            guard(top, t.body());
            patch(emit(Opcode.JMP, 0, 0, 0, false, t.span()), fs.unitLoopTop);
        }
        patch(next, fs.pc);
        emit(Opcode.RETNIL, 0, 0, 0, false, null);
        Proto p = fs.finish(0, 0).build();
        fs = outer;
        fs.protos.add(p);
        return fs.protos.size() - 1;
    }

    /** Ends the blocks opened since {@code depth} (a break, continue or return leaves their bodies). */
    private void endBlocks(int depth, Span span) {
        for (int n = fs.openBlocks.size() - 1; n >= depth; n--) {
            emit(Opcode.BLOCKEND, fs.openBlocks.get(n), 0, 0, false, span);
        }
    }

    /** Waits for the stream/async blocks of this function before it returns. */
    private void scopeWait() {
        if (res.scopeWaits.contains(fs.key)) {
            emit(Opcode.SCOPEWAIT, 0, 0, 0, false, null);
        }
    }

    private void storeVar(LocalVar v, int src, Span span) {
        if (v.fn == fs.key) {
            if (v.captured) {
                emit(Opcode.SETBOX, v.reg, src, 0, false, span);
            } else if (v.reg != src) {
                emit(Opcode.MOVE, v.reg, src, 0, false, span);
            }
        } else {
            emit(Opcode.SETUPVAL, src, upvalue(fs, v), 0, false, span);
        }
    }

    /** Loads variable {@code v} as it is: an atomic variable gives its cell, not its value. */
    private void loadVar(LocalVar v, int dest, Span span) {
        if (v.fn != fs.key) {
            emit(Opcode.GETUPVAL, dest, upvalue(fs, v), 0, false, span);
        } else if (v.captured) {
            emit(Opcode.GETBOX, dest, v.reg, 0, false, span);
        } else if (v.reg != dest) {
            emit(Opcode.MOVE, dest, v.reg, 0, false, span);
        }
    }

    /** {@code e} into {@code dest}; a name of an atomic variable gives the cell itself (method receivers, type_of). */
    private void exprToRaw(Ast.Expr e, int dest) {
        if (e instanceof Ast.Name n && res.bindings.get(n) instanceof LocalVar v && v.atomic) {
            loadVar(v, dest, n.span());
        } else {
            exprTo(e, dest);
        }
    }

    /** Atomic variables (SPEC §6.1): = is a store, += -= *= atomic updates. */
    private void atomicAssign(Ast.Assign a, LocalVar v) {
        int cell = alloc();
        loadVar(v, cell, a.span());
        int val = exprAny(a.value());
        int op = switch (a.op()) {
            case "+=" -> 0;
            case "-=" -> 1;
            case "*=" -> 2;
            default -> 3;
        };
        emit(Opcode.AUPDATE, cell, val, op, false, a.span());
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
        int up = upvalue(fs, v);
        if (kind == Resolver.SharedWrite.STORE) {
            int tmp = alloc();
            exprTo(a.value(), tmp);
            checkType(v, tmp, a.span());
            emit(Opcode.UPSTORE, tmp, up, 0, false, a.span());
            return;
        }
        int re = kind == Resolver.SharedWrite.RMW_OP ? exprAny(a.value()) : -1;
        int rx = alloc();
        alloc();
        int top = fs.pc;
        emit(Opcode.GETUPVAL, rx, up, 0, false, a.span());
        if (kind == Resolver.SharedWrite.RMW_OP) {
            Opcode op = switch (a.op()) {
                case "+=" -> Opcode.ADD;
                case "-=" -> Opcode.SUB;
                default -> Opcode.MUL;
            };
            emit(op, rx + 1, rx, re, false, a.span());
        } else {
            LocalVar outerVar = fs.rmwVar;
            int outerReg = fs.rmwReg;
            fs.rmwVar = v;
            fs.rmwReg = rx;
            exprTo(a.value(), rx + 1);
            fs.rmwVar = outerVar;
            fs.rmwReg = outerReg;
        }
        checkType(v, rx + 1, a.span());
        patch(emit(Opcode.UPCAS, rx, up, 0, false, a.span()), top);
    }

    private void valueOrNil(Ast.Expr e, int dest) {
        if (e == null) {
            emit(Opcode.LOADNIL, dest, 0, 0, false, null);
        } else {
            exprTo(e, dest);
        }
    }

    private void checkType(LocalVar v, int reg, Span span) {
        if (v.typeCode >= 0 && v.typeCode != Types.ANY) {
            emit(Opcode.CHECKTYPE, reg, v.typeCode, constant(v.name), false, span);
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
                int tmp = alloc();
                emit(Opcode.GETINDEX, tmp, t, i, false, ix.span());
                int v = exprAny(value);
                emit(arithOp(op), tmp, tmp, v, false, a.span());
                emit(Opcode.SETINDEX, t, i, tmp, false, a.span());
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
                if (v.fn == fs.key) {
                    if (v.captured) {
                        int tmp = alloc();
                        exprTo(value, tmp);
                        checkType(v, tmp, a.span());
                        emit(Opcode.SETBOX, v.reg, tmp, 0, false, a.span());
                    } else if (v.typeCode >= 0) {
                        int tmp = alloc();
                        exprTo(value, tmp);
                        checkType(v, tmp, a.span());
                        emit(Opcode.MOVE, v.reg, tmp, 0, false, a.span());
                    } else {
                        exprTo(value, v.reg);
                    }
                } else {
                    int tmp = alloc();
                    exprTo(value, tmp);
                    checkType(v, tmp, a.span());
                    emit(Opcode.SETUPVAL, tmp, upvalue(fs, v), 0, false, a.span());
                }
            }
            case Ast.Index ix -> {
                int t = exprAny(ix.target());
                int i = exprAny(ix.index());
                int v = exprAny(value);
                emit(Opcode.SETINDEX, t, i, v, false, a.span());
            }
            default -> { }
        }
    }

    private void forLoop(Ast.For f) {
        int saved = fs.freeReg;
        int scopeStart = fs.freeReg;
        for (LocalVar v : res.scopeVars.getOrDefault(f, List.of())) {
            if (v.captured) {
                v.reg = alloc();
                emit(Opcode.NEWBOX, v.reg, 0, 0, false, null);
            }
        }
        if (f.init() != null) {
            stmt(f.init());
            // a declaration in init keeps its register for the whole loop
            fs.freeReg = Math.max(fs.freeReg, maxLocalReg(f) + 1);
        }
        int top = fs.pc;
        List<Integer> exit = new ArrayList<>();
        if (f.cond() != null) {
            condJump(f.cond(), false, exit);
        }
        Loop loop = newLoop(fs.freeReg);
        fs.loops.push(loop);
        body(f.body());
        fs.loops.pop();
        patchHere(loop.continues);
        if (f.update() != null) {
            stmt(f.update());
        }
        patch(emit(Opcode.JMP, 0, 0, 0, false, f.span()), top);
        patchHere(exit);
        patchHere(loop.breaks);
        fs.freeReg = saved;
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
        int saved = fs.freeReg;
        LocalVar[] vars = res.iterVars.get(it);
        Loop loop = newLoop(0);
        if (it.iterable() instanceof Ast.RangeExpr r && vars[0] == null) {
            int base = alloc();
            alloc();
            int user = alloc();
            exprTo(r.from(), base);
            exprTo(r.to(), base + 1);
            int prep = emit(Opcode.FORPREP, base, 0, 0, r.inclusive(), r.span());
            int top = fs.pc;
            bindLoopVar(vars[1], user);
            fs.loops.push(loop);
            body(it.body());
            fs.loops.pop();
            fs.freeReg = user + 1;
            patchHere(loop.continues);
            patch(emit(Opcode.FORLOOP, base, 0, 0, false, it.span()), top);
            patch(prep, fs.pc);
        } else {
            int base = alloc();
            int count = vars[0] == null ? 1 : 2;
            for (int i = 0; i < count; i++) {
                alloc();
            }
            exprTo(it.iterable(), base);
            emit(Opcode.ITERPREP, base, 0, 0, false, it.iterable().span());
            int top = fs.pc;
            int next = emit(Opcode.ITERNEXT, base, count, 0, false, it.span());
            if (count == 2) {
                bindLoopVar(vars[0], base + 1);
                bindLoopVar(vars[1], base + 2);
            } else {
                bindLoopVar(vars[1], base + 1);
            }
            loop.continueTarget = top;
            fs.loops.push(loop);
            body(it.body());
            fs.loops.pop();
            patch(emit(Opcode.JMP, 0, 0, 0, false, it.span()), top);
            patch(next, fs.pc);
        }
        patchHere(loop.breaks);
        fs.freeReg = saved;
    }

    /** Binds a loop variable or handler binder held in {@code reg}; a captured one gets a fresh box. */
    private void bindLoopVar(LocalVar v, int reg) {
        if (v.captured) {
            v.reg = alloc();
            emit(Opcode.NEWBOX, v.reg, 0, 0, false, null);
            emit(Opcode.SETBOX, v.reg, reg, 0, false, null);
        } else {
            v.reg = reg;
        }
    }

    private void ret(Ast.Return r) {
        if (r.value() instanceof Ast.Call call && res.builtins.get(call) == Builtin.ERR) {
            int tmp = alloc();
            exprTo(r.value(), tmp);
            emit(Opcode.RAISE, tmp, 0, 0, !(fs.key instanceof Ast.Program), r.value().span());
            return;
        }
        if (fs.key instanceof Ast.Program) {
            return;
        }
        if (fs.key instanceof Ast.TaskStmt || fs.key instanceof Ast.WorkerStmt) {
            // return v in a unit sends v to the block's output channel (SPEC §5.1 ch)
            if (r.value() != null) {
                int reg = exprAny(r.value());
                emit(Opcode.SENDOUT, reg, 0, 0, false, r.span());
            }
            endBlocks(0, r.span());
            releaseAtomics(0);
            if (fs.key instanceof Ast.WorkerStmt) {
                patch(emit(Opcode.JMP, 0, 0, 0, false, r.span()), fs.unitLoopTop);
            } else if (fs.parallelLoop) {
                scopeWait(); // what the iteration started, as at its end
                patch(emit(Opcode.JMP, 0, 0, 0, false, r.span()), fs.unitLoopTop);
            } else {
                scopeWait();
                emit(Opcode.RETNIL, 0, 0, 0, false, r.span());
            }
            return;
        }
        Ast.FnDecl f = (Ast.FnDecl) fs.key;
        int retType = f.returnType() == null ? -1 : Types.code(f.returnType().name());
        if (r.value() == null) {
            endBlocks(0, r.span());
            scopeWait();
            releaseAtomics(0);
            emit(Opcode.RETNIL, 0, 0, 0, false, r.span());
            return;
        }
        int reg = exprAny(r.value());
        if (retType > 0) {
            emit(Opcode.CHECKRET, reg, retType, 0, false, r.span());
        }
        endBlocks(0, r.span());
        scopeWait();
        releaseAtomics(0);
        emit(Opcode.RETURN, reg, 0, 0, false, r.span());
    }

    private void attempt(Ast.Attempt a) {
        int saved = fs.freeReg;
        int errReg = alloc();
        int start = fs.pc;
        body(a.body());
        int end = fs.pc;
        int done = emit(Opcode.JMP, 0, 0, 0, false, null);
        List<Integer> ends = new ArrayList<>();
        ends.add(done);
        fs.handlers.add(new int[] {start, end, fs.pc, errReg});
        for (Ast.Handler h : a.handlers()) {
            int skip = -1;
            if (h.kind() != null) {
                skip = emit(Opcode.ERRKIND, errReg, constant(h.kind()), 0, false, h.span());
            }
            int hs = fs.freeReg;
            LocalVar binder = res.bindings.get(h);
            if (binder != null) {
                bindLoopVar(binder, errReg);
            }
            body(h.body());
            fs.freeReg = hs;
            ends.add(emit(Opcode.JMP, 0, 0, 0, false, null));
            if (skip >= 0) {
                patch(skip, fs.pc);
            }
        }
        emit(Opcode.RAISE, errReg, 0, 0, false, a.span());
        patchHere(ends);
        fs.freeReg = saved;
    }

    // ------------------------------------------------------------------ functions

    /** Compiles a nested function; returns its index in the enclosing proto's nested list. */
    private int function(Ast.FnDecl f) {
        FnState outer = fs;
        fs = new FnState(outer, f, f.name(), f.span());
        List<Ast.Param> params = f.params();
        int minArgs = 0;
        for (int i = 0; i < params.size(); i++) {
            alloc();
            if (params.get(i).defaultValue() == null) {
                minArgs = i + 1;
            }
        }
        for (int i = 0; i < params.size(); i++) {
            Ast.Param p = params.get(i);
            LocalVar v = res.bindings.get(p);
            v.reg = i;
            if (p.defaultValue() != null) {
                int skip = emit(Opcode.DEFAULT, i, 0, 0, false, p.span());
                int saved = fs.freeReg;
                exprTo(p.defaultValue(), i);
                fs.freeReg = saved;
                patch(skip, fs.pc);
            }
            checkType(v, i, p.span());
        }
        for (int i = 0; i < params.size(); i++) {
            LocalVar v = res.bindings.get(params.get(i));
            if (v.captured) {
                bindLoopVar(v, i);
            }
        }
        blockBody(f.body().stmts(), f.body());
        scopeWait();
        emit(Opcode.RETNIL, 0, 0, 0, false, null);
        Proto p = fs.finish(params.size(), minArgs).async(f.isAsync()).build();
        fs = outer;
        fs.protos.add(p);
        return fs.protos.size() - 1;
    }

    /** The index of {@code v} among {@code state}'s captured boxes, adding it (and along the chain) if new. */
    private int upvalue(FnState state, LocalVar v) {
        int i = state.upVars.indexOf(v);
        if (i >= 0) {
            return i;
        }
        boolean fromLocal = v.fn == state.parent.key;
        int index = fromLocal ? v.reg : upvalue(state.parent, v);
        state.upVars.add(v);
        state.upFromLocal.add(fromLocal);
        state.upIndex.add(index);
        return state.upVars.size() - 1;
    }

    // ------------------------------------------------------------------ expressions

    /** The register that holds {@code e}'s value: a local's own register, or a new temporary. */
    private int exprAny(Ast.Expr e) {
        if (e instanceof Ast.Name n) {
            LocalVar v = res.bindings.get(n);
            if (v != null && v.fn == fs.key && !v.captured && v.reg >= 0 && !v.atomic && v != fs.rmwVar) {
                return v.reg;
            }
        }
        int r = alloc();
        exprTo(e, r);
        return r;
    }

    private void exprTo(Ast.Expr e, int dest) {
        int saved = fs.freeReg;
        switch (e) {
            case Ast.IntLit i -> loadInt(i.value(), dest, i.span());
            case Ast.FloatLit f -> emit(Opcode.LOADK, dest, 0, constant(f.value()), false, f.span());
            case Ast.StrLit s -> emit(Opcode.LOADK, dest, 0, constant(s.value()), false, s.span());
            case Ast.BoolLit b -> emit(Opcode.LOADBOOL, dest, b.value() ? 1 : 0, 0, false, b.span());
            case Ast.NilLit n -> emit(Opcode.LOADNIL, dest, 0, 0, false, n.span());
            case Ast.DurationLit d -> emit(Opcode.LOADK, dest, 0, constant(new DurationValue(d.nanos())), false, d.span());
            case Ast.Interp in -> {
                int start = fs.freeReg;
                for (Ast.Expr part : in.parts()) {
                    exprTo(part, alloc());
                }
                emit(Opcode.CONCAT, dest, start, in.parts().size(), false, in.span());
            }
            case Ast.Name n -> name(n, dest);
            case Ast.ListLit l -> {
                int start = fs.freeReg;
                for (Ast.Expr item : l.items()) {
                    exprTo(item, alloc());
                }
                emit(Opcode.NEWLIST, dest, start, l.items().size(), false, l.span());
            }
            case Ast.DictLit d -> {
                int start = fs.freeReg;
                for (int i = 0; i < d.keys().size(); i++) {
                    exprTo(d.keys().get(i), alloc());
                    exprTo(d.values().get(i), alloc());
                }
                emit(Opcode.NEWDICT, dest, start, d.keys().size(), false, d.span());
            }
            case Ast.Unary u -> unary(u, dest);
            case Ast.Binary b -> binary(b, dest);
            case Ast.RangeExpr r -> {
                int lo = exprAny(r.from());
                int hi = exprAny(r.to());
                emit(Opcode.RANGE, dest, lo, hi, r.inclusive(), r.span());
            }
            case Ast.Call c -> call(c, dest);
            case Ast.Index ix -> {
                int t = exprAny(ix.target());
                int i = exprAny(ix.index());
                emit(Opcode.GETINDEX, dest, t, i, false, ix.span());
            }
            case Ast.Member m -> {
                int t = exprAny(m.target());
                emit(Opcode.GETFIELD, dest, t, constant(m.name()), false, m.span());
            }
            case Ast.Propagate p -> exprTo(p.expr(), dest);
            case Ast.OrElse o -> orElse(o, dest);
            case Ast.FnExpr f -> emit(Opcode.CLOSURE, dest, 0, function(f.fn()), false, f.span());
            case Ast.Await a -> {
                exprTo(a.expr(), dest);
                emit(Opcode.AWAIT, dest, dest, 0, false, a.span());
            }
        }
        fs.freeReg = saved;
    }

    private void loadInt(long v, int dest, Span span) {
        if (v >= Instr.MIN_SC && v <= Instr.MAX_SC) {
            emit(Opcode.LOADINT, dest, 0, (int) v, false, span);
        } else {
            emit(Opcode.LOADK, dest, 0, constant(v), false, span);
        }
    }

    private void name(Ast.Name n, int dest) {
        LocalVar v = res.bindings.get(n);
        if (v == null) {
            Builtin b = res.builtins.get(n);
            if (b != null) {
                emit(Opcode.LOADK, dest, 0, constant(b), false, n.span());
            }
            return;
        }
        if (v == fs.rmwVar) {
            emit(Opcode.MOVE, dest, fs.rmwReg, 0, false, n.span()); // the value this update started from
            return;
        }
        loadVar(v, dest, n.span());
        if (v.atomic) {
            emit(Opcode.ALOAD, dest, dest, 0, false, n.span());
        }
    }

    private void unary(Ast.Unary u, int dest) {
        switch (u.op()) {
            case NEG -> {
                if (u.operand() instanceof Ast.IntLit i) {
                    loadInt(-i.value(), dest, u.span());
                } else if (u.operand() instanceof Ast.FloatLit f) {
                    emit(Opcode.LOADK, dest, 0, constant(-f.value()), false, u.span());
                } else {
                    emit(Opcode.NEG, dest, exprAny(u.operand()), 0, false, u.span());
                }
            }
            case NOT -> emit(Opcode.NOT, dest, exprAny(u.operand()), 0, false, u.span());
            case BIT_NOT -> emit(Opcode.BNOT, dest, exprAny(u.operand()), 0, false, u.span());
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
                emit(Opcode.MULK, dest, rb, constant(numberLiteral(b.left())), false, b.span());
                return;
            }
            if (opk != null && k != null) {
                int rb = exprAny(b.left());
                emit(opk, dest, rb, constant(k), false, b.span());
                return;
            }
            int rb = exprAny(b.left());
            int rc = exprAny(b.right());
            emit(op, dest, rb, rc, false, b.span());
            return;
        }
        // comparisons, and, or: bool in a register through a branch
        List<Integer> onFalse = new ArrayList<>();
        condJump(b, false, onFalse);
        emit(Opcode.LOADBOOL, dest, 1, 0, false, b.span());
        int over = emit(Opcode.JMP, 0, 0, 0, false, null);
        patchHere(onFalse);
        emit(Opcode.LOADBOOL, dest, 0, 0, false, b.span());
        patch(over, fs.pc);
    }

    /** Emits code that jumps (the jumps go to {@code jumps}) when {@code e} evaluates to {@code when}, else falls through. */
    private void condJump(Ast.Expr e, boolean when, List<Integer> jumps) {
        int saved = fs.freeReg;
        if (e instanceof Ast.Unary u && u.op() == Ast.UnaryOp.NOT) {
            condJump(u.operand(), !when, jumps);
            return;
        }
        if (e instanceof Ast.BoolLit lit) {
            if (lit.value() == when) {
                jumps.add(emit(Opcode.JMP, 0, 0, 0, false, lit.span()));
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
                        patchHere(skip);
                    }
                    return;
                }
                case LT, LE, GT, GE, EQ, NE -> {
                    compare(b, when, jumps);
                    fs.freeReg = saved;
                    return;
                }
                default -> { }
            }
        }
        int r = exprAny(e);
        jumps.add(emit(Opcode.TEST, r, 0, 0, when, e.span()));
        fs.freeReg = saved;
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
            int kc = constant(kv);
            if (kc > Instr.MAX_B) {
                int kr = alloc();
                emit(Opcode.LOADK, kr, 0, kc, false, b.span());
                jumps.add(emitCompare(op, ra, kr, k, b.span()));
                return;
            }
            jumps.add(emit(opk, ra, kc, 0, k, b.span()));
            return;
        }
        int ra = exprAny(b.left());
        int rb = exprAny(b.right());
        jumps.add(emitCompare(op, ra, rb, k, b.span()));
    }

    private int emitCompare(Ast.BinaryOp op, int ra, int rb, boolean k, Span span) {
        return switch (op) {
            case LT -> emit(Opcode.LT, ra, rb, 0, k, span);
            case LE -> emit(Opcode.LE, ra, rb, 0, k, span);
            case GT -> emit(Opcode.LT, rb, ra, 0, k, span);
            case GE -> emit(Opcode.LE, rb, ra, 0, k, span);
            default -> emit(Opcode.EQ, ra, rb, 0, k, span);
        };
    }

    private void call(Ast.Call c, int dest) {
        if (res.suspendCalls.contains(c)) {
            emit(Opcode.SUSPEND_TEST, 0, 0, 0, false, c.span());
            emit(Opcode.LOADNIL, dest, 0, 0, false, c.span());
            return;
        }
        Builtin builtin = res.builtins.get(c);
        if (builtin == Builtin.ERR && c.args().size() == 1 && res.kinds.containsKey(c.args().getFirst())) {
            Ast.Expr arg = c.args().getFirst();
            int kind = constant(res.kinds.get(arg));
            if (arg instanceof Ast.Call kc && !kc.args().isEmpty()) {
                int msg = exprAny(kc.args().getFirst());
                emit(Opcode.NEWERR, dest, kind, msg, true, c.span());
            } else {
                emit(Opcode.NEWERR, dest, kind, 0, false, c.span());
            }
            return;
        }
        if (builtin == Builtin.OK && c.args().size() == 1) {
            exprTo(c.args().getFirst(), dest);
            return;
        }
        // a call into the topmost temporary uses it as the callee slot: no MOVE afterwards
        int fn = dest == fs.freeReg - 1 && dest >= fs.stmtBase ? dest : alloc();
        if (builtin == null) {
            if (c.callee() instanceof Ast.Member m) {
                exprToRaw(m.target(), fn);
            } else {
                exprTo(c.callee(), fn);
            }
        }
        for (Ast.Expr arg : c.args()) {
            if (builtin == Builtin.TYPE_OF) {
                exprToRaw(arg, alloc()); // type_of(c) of an atomic variable is "atomic"
            } else {
                exprTo(arg, alloc());
            }
        }
        int argc = c.args().size();
        if (builtin != null) {
            emit(Opcode.CALLB, fn, argc, builtin.ordinal(), false, c.span());
        } else if (c.callee() instanceof Ast.Member m) {
            emit(Opcode.METHOD, fn, argc, constant(m.name()), false, c.span());
        } else {
            emit(Opcode.CALL, fn, argc, 0, false, c.span());
        }
        if (fn != dest) {
            emit(Opcode.MOVE, dest, fn, 0, false, c.span());
        }
    }

    private void orElse(Ast.OrElse o, int dest) {
        int errReg = alloc();
        int start = fs.pc;
        exprTo(o.expr(), dest);
        int end = fs.pc;
        int over = emit(Opcode.JMP, 0, 0, 0, false, null);
        fs.handlers.add(new int[] {start, end, fs.pc, errReg});
        if (o.fallback() != null) {
            exprTo(o.fallback(), dest);
        } else {
            LocalVar binder = res.bindings.get(o);
            if (binder != null) {
                bindLoopVar(binder, errReg);
            }
            Ast.Block block = o.block();
            List<Ast.Stmt> stmts = block.stmts();
            Ast.ExprStmt last = !stmts.isEmpty() && stmts.getLast() instanceof Ast.ExprStmt es ? es : null;
            // the block's last expression statement is its value: it is compiled into dest
            blockBody(stmts, block, last, dest);
            if (last == null) {
                emit(Opcode.LOADNIL, dest, 0, 0, false, o.span());
            }
        }
        patch(over, fs.pc);
    }

}
