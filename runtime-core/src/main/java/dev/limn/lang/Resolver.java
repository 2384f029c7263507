package dev.limn.lang;

import dev.limn.block.BlockConfig;
import dev.limn.block.BlockSpec;
import dev.limn.text.Diagnostic;
import dev.limn.text.Source;
import dev.limn.text.Span;
import dev.limn.vm.Builtin;
import dev.limn.vm.Types;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Resolves names (SPEC §3) before compilation: binds every variable use to its
 * {@link LocalVar}, marks variables that closures capture, and reports compile errors.
 *
 * <p>Scoping decisions: each block, and each single-statement body of if/while/for/iter,
 * is a scope. Functions declared in a block are hoisted: their names are visible in the
 * whole block, so mutual recursion works; a variable is visible from its declaration on.
 * {@code var} on a name already in the same scope declares a new variable from there on.
 * Assigning to a name declared nowhere declares it in the current scope. An {@code iter}
 * loop always declares fresh loop variables, one per iteration. {@code return} at top
 * level is an error, except {@code return err(...)}, which raises (so handlers can
 * re-raise at top level too).
 */
public final class Resolver {
    /** Builtins that belong to the concurrency issue: calling them is a compile error for now. */
    private static final Set<String> LATER = Set.of("atomic");

    /** How a write to an enclosing variable from concurrent code is made safe (SPEC §6.1). */
    enum SharedWrite {
        /** {@code x += e}, {@code x -= e}, {@code x *= e}: e first, then one CAS loop. */
        RMW_OP,
        /** {@code x = E} where E reads x and makes no call: E inside one CAS loop. */
        RMW_EXPR,
        /** {@code x = E} where E does not read x: one atomic store. */
        STORE
    }

    final Map<Object, LocalVar> bindings = new IdentityHashMap<>();
    final Map<Object, List<LocalVar>> scopeVars = new IdentityHashMap<>();
    final Map<Object, LocalVar[]> iterVars = new IdentityHashMap<>();
    /** Names that denote an error kind ({@code err(Kind)}) and calls {@code Kind("msg")} inside err. */
    final Map<Object, String> kinds = new IdentityHashMap<>();
    final Map<Object, Builtin> builtins = new IdentityHashMap<>();
    final Set<Object> suspendCalls = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** Block statements: their compile-time description, and the variables their ch/input/handle name. */
    final Map<Object, BlockSpec> blockSpecs = new IdentityHashMap<>();
    final Map<Object, LocalVar> blockOutput = new IdentityHashMap<>();
    /** A block's {@code errors=} channel variable (on_error=Auto). */
    final Map<Object, LocalVar> blockErrors = new IdentityHashMap<>();
    final Map<Object, LocalVar> blockInput = new IdentityHashMap<>();
    final Map<Object, LocalVar> blockHandle = new IdentityHashMap<>();
    /** Variables that a block declares itself (an undeclared ch or handle name). */
    final Set<LocalVar> blockDeclared = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** Assignments from concurrent code to enclosing variables, and how each is compiled. */
    final Map<Object, SharedWrite> sharedWrites = new IdentityHashMap<>();
    /** The host's names, the top level's parameters in order (see {@link #resolve(Ast.Program, List)}). */
    final List<LocalVar> hostParams = new ArrayList<>();
    /** Functions (and unit bodies, and the program) that directly hold a stream or async block: their returns wait for it. */
    final Set<Object> scopeWaits = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * What the shared-write rule needs to see through calls (SPEC §11): per function, the plain
     * writes it makes to variables declared outside it, and the named functions it calls.
     */
    private final FunctionWrites functionWrites = new FunctionWrites();
    /** The writes and directional uses of variables that may hold remote channels. */
    private final ChannelDirections directions;

    private final Source source;
    private final List<Diagnostic> diagnostics;
    private final boolean testHooks;
    private Scope scope;
    private Object fn;
    /** The enclosing functions and unit bodies, outermost first (the program, then nested ones). */
    private final List<Object> fnChain = new ArrayList<>();
    private int loopDepth;
    /** The task or worker statement whose body is being resolved, or null. */
    private Object unit;
    /** The innermost block statement whose body is being resolved, in the current function, or null. */
    private Ast.BlockStmt currentBlock;
    /** Worker statements without 'from' found in the current block's body. */
    private boolean workerReadsDefault;
    /** A task or worker of the current block's body returns a value (which goes to its ch). */
    private boolean unitsReturn;
    /** Task and worker statements whose own body holds {@code return value}. */
    private final Set<Object> returningUnits = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    private static final class Scope {
        final Map<String, LocalVar> vars = new HashMap<>();
        final Scope parent;
        final List<LocalVar> declared;

        Scope(Scope parent, List<LocalVar> declared) {
            this.parent = parent;
            this.declared = declared;
        }
    }

    public Resolver(Source source, List<Diagnostic> diagnostics, boolean testHooks) {
        this.source = source;
        this.diagnostics = diagnostics;
        this.testHooks = testHooks;
        this.directions = new ChannelDirections(source, diagnostics);
    }

    public void resolve(Ast.Program program) {
        resolve(program, List.of());
    }

    /**
     * Resolves {@code program}, whose top level is called with the host's values of
     * {@code hostNames} (host functions and globals): they are the top level's parameters, in
     * a scope around the program's own, so the program may shadow them.
     */
    public void resolve(Ast.Program program, List<String> hostNames) {
        fn = program;
        fnChain.add(program);
        push(hostParams);
        for (String name : hostNames) {
            hostParams.add(declare(name, LocalVar.Kind.PARAM, -1, null));
        }
        block(program.body(), program);
        pop();
        functionWrites.checkConcurrentCalls(this::error);
        directions.check();
    }

    private void error(String message, Span span) {
        diagnostics.add(new Diagnostic(null, message, source, span));
    }

    private void push(Object key) {
        List<LocalVar> declared = new ArrayList<>();
        scopeVars.put(key, declared);
        scope = new Scope(scope, declared);
    }

    private void pop() {
        scope = scope.parent;
    }

    private static final int ATOMIC_TYPE = -2;

    private LocalVar declare(String name, LocalVar.Kind kind, int typeCode, Object node) {
        LocalVar v = new LocalVar(name, kind, fn, typeCode == ATOMIC_TYPE ? -1 : typeCode);
        v.atomic = typeCode == ATOMIC_TYPE;
        v.unit = unit;
        v.line = lineOf(node);
        if (node instanceof Ast.FnDecl f) {
            v.declaredBy = f;
        }
        scope.vars.put(name, v);
        scope.declared.add(v);
        if (node != null) {
            bindings.put(node, v);
        }
        return v;
    }

    private static int lineOf(Object node) {
        return switch (node) {
            case Ast.Stmt s -> s.span().line();
            case Ast.Param p -> p.span().line();
            case Ast.Handler h -> h.span().line();
            case Ast.Expr e -> e.span().line();
            case null, default -> 0;
        };
    }

    /** Enters the body of a function or unit: it becomes the current one, nested in the previous. */
    private void enterFunction(Object node) {
        functionWrites.nested(node, fn);
        fn = node;
        fnChain.add(node);
    }

    private LocalVar lookup(String name) {
        for (Scope s = scope; s != null; s = s.parent) {
            LocalVar v = s.vars.get(name);
            if (v != null) {
                if (v.fn != fn) {
                    v.captured = true;
                    for (int i = fnChain.size() - 1; i >= 0 && fnChain.get(i) != v.fn; i--) {
                        if (fnChain.get(i) instanceof Ast.FnDecl) {
                            v.capturedByFn = true;
                        }
                    }
                }
                return v;
            }
        }
        return null;
    }

    private int typeCode(Ast.TypeRef type) {
        if (type == null) {
            return -1;
        }
        switch (type.name()) {
            case "atomic" -> {
                return ATOMIC_TYPE;
            }
            default -> {
                int code = Types.code(type.name());
                if (code < 0) {
                    error("unknown type '" + type.name() + "'", type.span());
                }
                return code;
            }
        }
    }

    /** A body: a block, or a single statement that is still its own scope. */
    void body(Ast.Stmt s) {
        if (s instanceof Ast.Block b) {
            block(b.stmts(), b);
        } else {
            block(List.of(s), s);
        }
    }

    private void block(List<Ast.Stmt> stmts, Object key) {
        push(key);
        for (Ast.Stmt s : stmts) {
            if (s instanceof Ast.FnDecl f && f.name() != null) {
                declare(f.name(), LocalVar.Kind.FN, -1, f);
            }
        }
        for (Ast.Stmt s : stmts) {
            stmt(s);
        }
        pop();
    }

    private void stmt(Ast.Stmt s) {
        switch (s) {
            case Ast.VarDecl v -> {
                int code = typeCode(v.type());
                if (v.init() != null) {
                    expr(v.init());
                }
                LocalVar declared = declare(v.name(), LocalVar.Kind.PLAIN, code, v);
                if (v.init() != null) {
                    directions.write(declared, fn, origin(v.init()), v.init().span());
                }
            }
            case Ast.Assign a -> {
                expr(a.value());
                switch (a.target()) {
                    case Ast.Name n -> {
                        LocalVar v = lookup(n.name());
                        if (v == null) {
                            if (!a.op().equals("=")) {
                                error("undefined variable '" + n.name() + "'", n.span());
                            }
                            v = declare(n.name(), LocalVar.Kind.PLAIN, -1, a);
                        }
                        bindings.put(n, v);
                        v.assigned = true;
                        sharedWrite(a, n, v);
                        directions.write(v, fn, a.op().equals("=") ? origin(a.value()) : ChannelDirections.Origin.OTHER, a.value().span());
                    }
                    case Ast.Index ix -> {
                        expr(ix.target());
                        expr(ix.index());
                    }
                    case Ast.Member m -> error("cannot assign to field '" + m.name() + "'", m.span());
                    default -> error("cannot assign to this expression", a.target().span());
                }
            }
            case Ast.ExprStmt e -> expr(e.expr());
            case Ast.If i -> {
                for (Ast.Branch b : i.branches()) {
                    expr(b.cond());
                    body(b.body());
                }
                if (i.elseBody() != null) {
                    body(i.elseBody());
                }
            }
            case Ast.While w -> {
                expr(w.cond());
                loopDepth++;
                body(w.body());
                loopDepth--;
            }
            case Ast.For f -> {
                push(f);
                if (f.init() != null) {
                    stmt(f.init());
                }
                if (f.cond() != null) {
                    expr(f.cond());
                }
                loopDepth++;
                body(f.body());
                loopDepth--;
                if (f.update() != null) {
                    stmt(f.update());
                }
                pop();
            }
            case Ast.Iter it -> {
                expr(it.iterable());
                directionalUse(it.iterable(), ChannelDirections.Use.ITER);
                push(it);
                LocalVar first = it.first() == null ? null : declare(it.first(), LocalVar.Kind.LOOP, -1, null);
                LocalVar second = declare(it.second(), LocalVar.Kind.LOOP, -1, null);
                iterVars.put(it, new LocalVar[] {first, second});
                loopDepth++;
                body(it.body());
                loopDepth--;
                pop();
            }
            case Ast.Break b -> {
                if (loopDepth == 0) {
                    error("break outside a loop", b.span());
                }
            }
            case Ast.Continue c -> {
                if (loopDepth == 0) {
                    error("continue outside a loop", c.span());
                }
            }
            case Ast.Return r -> {
                if (r.value() != null) {
                    expr(r.value());
                }
                if (fn instanceof Ast.Program && !isErrCall(r.value())) {
                    error("return outside a function", r.span());
                }
                if (r.value() != null && unit != null && fn == unit && !isErrCall(r.value())) {
                    returningUnits.add(unit);
                }
            }
            case Ast.Block b -> block(b.stmts(), b);
            case Ast.FnDecl f -> function(f);
            case Ast.Attempt a -> {
                body(a.body());
                for (Ast.Handler h : a.handlers()) {
                    push(h);
                    if (h.binder() != null) {
                        declare(h.binder(), LocalVar.Kind.BINDER, -1, h);
                    }
                    body(h.body());
                    pop();
                }
            }
            case Ast.BlockStmt b -> blockStmt(b);
            case Ast.TaskStmt t -> {
                if (currentBlock == null) {
                    error("a task statement must be inside a concurrent block", t.span());
                } else if (currentBlock.kind() == Ast.BlockKind.PARALLEL && t.source() == null) {
                    error("a parallel block runs loops: write iter(v in e) or task(v in e), or use a concurrent block for a single task", t.span());
                }
                if (t.source() != null) {
                    expr(t.source());
                    directionalUse(t.source(), ChannelDirections.Use.TASK_IN);
                }
                unitBody(t, t.key(), t.var(), t.body());
                unitsReturn |= returningUnits.contains(t);
            }
            case Ast.WorkerStmt w -> {
                if (currentBlock == null) {
                    error("a worker statement must be inside a concurrent block", w.span());
                } else if (currentBlock.kind() == Ast.BlockKind.PARALLEL) {
                    error("workers belong to concurrent blocks; a parallel block runs iter(v in e) loops", w.span());
                }
                if (w.source() != null) {
                    expr(w.source());
                    directionalUse(w.source(), ChannelDirections.Use.WORKER_FROM);
                } else {
                    workerReadsDefault = true;
                }
                unitBody(w, w.var(), w.body());
                unitsReturn |= returningUnits.contains(w);
            }
        }
    }

    /** A concurrent block: parameters (SPEC §5.1), the variables they name, then the body. */
    private void blockStmt(Ast.BlockStmt b) {
        BlockConfig config = BlockParameters.of(b, source, diagnostics);
        Ast.Expr outputName = null;
        Ast.Expr inputName = null;
        Ast.Expr handleName = null;
        Ast.Expr errorsName = null;
        for (Ast.BlockParam p : b.params()) {
            switch (p.name()) {
                case "ch" -> outputName = p.value();
                case "errors" -> errorsName = p.value();
                case "input" -> inputName = p.value();
                case "handle" -> handleName = p.value();
                default -> { }
            }
        }
        if (config.input() != null && inputName instanceof Ast.Name n) {
            LocalVar v = lookup(n.name());
            if (v == null) {
                error("undefined variable '" + n.name() + "'", n.span());
            } else {
                blockInput.put(b, v);
            }
        }
        if (config.output() != null && outputName instanceof Ast.Name n) {
            blockOutput.put(b, variableOrDeclared(n));
        }
        if (config.errors() != null && errorsName instanceof Ast.Name n) {
            blockErrors.put(b, variableOrDeclared(n));
        }
        if (config.mode() != BlockConfig.Mode.BATCH) {
            scopeWaits.add(fn);
        }
        Ast.BlockStmt outerBlock = currentBlock;
        boolean outerWorkers = workerReadsDefault;
        boolean outerReturn = unitsReturn;
        currentBlock = b;
        workerReadsDefault = false;
        unitsReturn = false;
        body(b.body());
        boolean workersReadCh = workerReadsDefault && config.input() == null;
        blockDirections(b, workersReadCh, unitsReturn);
        if (workerReadsDefault && config.input() == null && config.output() == null) {
            error("worker(v) without 'from' reads the block's input or ch channel, and this block has neither", b.span());
        }
        currentBlock = outerBlock;
        workerReadsDefault = outerWorkers;
        unitsReturn = outerReturn;
        if (config.handle() != null && handleName instanceof Ast.Name n) {
            blockHandle.put(b, variableOrDeclared(n));
        }
        String label = (b.kind() == Ast.BlockKind.PARALLEL ? "parallel" : "concurrent") + " block at " + source.name() + ":" + b.span().line() + ":" + b.span().col();
        blockSpecs.put(b, new dev.limn.block.BlockSpec(config, !workersReadCh, label));
    }

    /** The variable a block parameter names ({@code ch}, {@code errors}, {@code handle}); the block declares it when it is new. */
    private LocalVar variableOrDeclared(Ast.Name n) {
        LocalVar v = lookup(n.name());
        if (v == null) {
            v = declare(n.name(), LocalVar.Kind.PLAIN, -1, null);
            blockDeclared.add(v);
            directions.unknown(v);
        }
        return v;
    }

    /** The directional uses of a block's channels: its input and ch as the workers' source, its ch as the units' output, its errors. */
    private void blockDirections(Ast.BlockStmt b, boolean workersReadCh, boolean returns) {
        LocalVar input = blockInput.get(b);
        LocalVar output = blockOutput.get(b);
        LocalVar errors = blockErrors.get(b);
        for (Ast.BlockParam p : b.params()) {
            if (!(p.value() instanceof Ast.Name n)) {
                continue;
            }
            switch (p.name()) {
                case "input" -> {
                    if (input != null && workerReadsDefault) {
                        directions.use(input, ChannelDirections.Use.INPUT, n.span());
                    }
                }
                case "ch" -> {
                    if (output != null && workersReadCh) {
                        directions.use(output, ChannelDirections.Use.CH_READ, n.span());
                    } else if (output != null && returns) {
                        directions.use(output, ChannelDirections.Use.BLOCK_OUTPUT, n.span());
                    }
                }
                case "errors" -> {
                    if (errors != null) {
                        directions.use(errors, ChannelDirections.Use.ERRORS, n.span());
                    }
                }
                default -> { }
            }
        }
    }

    /** What a write of {@code value} stores, as far as a channel's direction goes. */
    private ChannelDirections.Origin origin(Ast.Expr value) {
        if (value instanceof Ast.Call c) {
            Builtin b = builtins.get(c);
            if (b == Builtin.PUBLISH) {
                return ChannelDirections.Origin.PUBLISH;
            }
            if (b == Builtin.SUBSCRIBE) {
                return ChannelDirections.Origin.SUBSCRIBE;
            }
        }
        return ChannelDirections.Origin.OTHER;
    }

    /** A use of {@code e} in direction {@code use}, when {@code e} is a variable (resolved already). */
    private void directionalUse(Ast.Expr e, ChannelDirections.Use use) {
        if (e instanceof Ast.Name n && bindings.get(n) instanceof LocalVar v) {
            directions.use(v, use, n.span());
        }
    }

    /** A task or worker body: resolved like a function body whose one parameter is the unit's variable. */
    private void unitBody(Object node, String var, Ast.Block body) {
        unitBody(node, null, var, body);
    }

    /** A unit body whose parameters are {@code key} (when not null: a two-variable parallel loop) and {@code var}. */
    private void unitBody(Object node, String key, String var, Ast.Block body) {
        Object outerFn = fn;
        Object outerUnit = unit;
        int outerLoops = loopDepth;
        Ast.BlockStmt outerBlock = currentBlock;
        boolean outerWorkers = workerReadsDefault;
        enterFunction(node);
        unit = node;
        loopDepth = 0;
        currentBlock = null;
        push(node);
        if (key != null) {
            declare(key, LocalVar.Kind.PARAM, -1, null);
        }
        if (var != null) {
            declare(var, LocalVar.Kind.PARAM, -1, null);
        }
        block(body.stmts(), body);
        pop();
        fnChain.removeLast();
        fn = outerFn;
        unit = outerUnit;
        loopDepth = outerLoops;
        currentBlock = outerBlock;
        workerReadsDefault = outerWorkers;
    }

    /**
     * Classifies an assignment to variable {@code v} (SPEC §6.1): from concurrent code, a
     * variable declared outside the current unit body is shared, and only writes that can be
     * one atomic operation are allowed. Atomic variables support {@code = += -= *=}.
     */
    private void sharedWrite(Ast.Assign a, Ast.Name target, LocalVar v) {
        String op = a.op();
        if (v.atomic) {
            if (op.equals("/=") || op.equals("%=")) {
                error("atomic '" + v.name + "' supports =, +=, -= and *=, not " + op, a.span());
            }
            return;
        }
        if (unit == null || v.unit == unit || bindings.get(a) == v) {
            // not concurrent code, or the unit's own variable: a plain write, which makes the
            // function unsafe to call from concurrent code when v is declared outside it
            if (bindings.get(a) != v && v.fn != fn) {
                functionWrites.write(fn, v, a.span());
            }
            return;
        }
        SharedWrite kind = switch (op) {
            case "+=", "-=", "*=" -> SharedWrite.RMW_OP;
            case "=" -> !reads(a.value(), v) ? SharedWrite.STORE : (callsOrWaits(a.value()) ? null : SharedWrite.RMW_EXPR);
            default -> null;
        };
        if (kind == null) {
            error("'" + v.name + "' is shared with other tasks and '" + target.name() + " " + op
                    + " ...' cannot be one atomic update; declare it 'var " + v.name
                    + ": atomic' or send the values to a channel", a.span());
            return;
        }
        sharedWrites.put(a, kind);
    }

    /** Whether {@code e} reads variable {@code v} (names resolved already). */
    private boolean reads(Ast.Expr e, LocalVar v) {
        boolean[] found = new boolean[1];
        walk(e, x -> {
            if (x instanceof Ast.Name n && bindings.get(n) == v) {
                found[0] = true;
            }
        });
        return found[0];
    }

    /** Whether {@code e} holds a call (functions, builtins, methods such as send and recv) or an await. */
    private boolean callsOrWaits(Ast.Expr e) {
        boolean[] found = new boolean[1];
        walk(e, x -> {
            if (x instanceof Ast.Call || x instanceof Ast.Await) {
                found[0] = true;
            }
        });
        return found[0];
    }

    private static void walk(Ast.Expr e, java.util.function.Consumer<Ast.Expr> visit) {
        if (e == null) {
            return;
        }
        visit.accept(e);
        switch (e) {
            case Ast.Interp x -> x.parts().forEach(p -> walk(p, visit));
            case Ast.ListLit l -> l.items().forEach(p -> walk(p, visit));
            case Ast.DictLit d -> {
                d.keys().forEach(p -> walk(p, visit));
                d.values().forEach(p -> walk(p, visit));
            }
            case Ast.Unary u -> walk(u.operand(), visit);
            case Ast.Binary b -> {
                walk(b.left(), visit);
                walk(b.right(), visit);
            }
            case Ast.RangeExpr r -> {
                walk(r.from(), visit);
                walk(r.to(), visit);
            }
            case Ast.Call c -> {
                walk(c.callee(), visit);
                c.args().forEach(p -> walk(p, visit));
            }
            case Ast.Index ix -> {
                walk(ix.target(), visit);
                walk(ix.index(), visit);
            }
            case Ast.Member m -> walk(m.target(), visit);
            case Ast.Propagate p -> walk(p.expr(), visit);
            case Ast.OrElse o -> {
                walk(o.expr(), visit);
                walk(o.fallback(), visit);
                if (o.block() != null) {
                    // a ?else block may hold any statement: treat it as a call
                    visit.accept(new Ast.Call(o, List.of(), o.span()));
                }
            }
            case Ast.Await a -> walk(a.expr(), visit);
            default -> { }
        }
    }

    /** Whether {@code e} is a call of the builtin {@code err} (not shadowed by a variable). */
    boolean isErrCall(Ast.Expr e) {
        return e instanceof Ast.Call c && c.callee() instanceof Ast.Name n && n.name().equals("err")
                && lookupQuiet("err") == null;
    }

    private LocalVar lookupQuiet(String name) {
        for (Scope s = scope; s != null; s = s.parent) {
            LocalVar v = s.vars.get(name);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private void function(Ast.FnDecl f) {
        Object outerFn = fn;
        Object outerUnit = unit;
        if (f.isAsync()) {
            unit = f; // an async fn's body runs concurrently with its caller: writes to enclosing variables are shared (SPEC §6.1)
        }
        int outerLoops = loopDepth;
        Ast.BlockStmt outerBlock = currentBlock;
        enterFunction(f);
        loopDepth = 0;
        currentBlock = null;
        push(f.params());
        Set<String> seen = new java.util.HashSet<>();
        for (Ast.Param p : f.params()) {
            if (!seen.add(p.name())) {
                error("duplicate parameter '" + p.name() + "'", p.span());
            }
            if (p.defaultValue() != null) {
                expr(p.defaultValue());
            }
            int code = typeCode(p.type());
            if (code == ATOMIC_TYPE) {
                error("a parameter cannot be atomic: pass the value, or capture the atomic variable", p.type().span());
                code = -1;
            }
            declare(p.name(), LocalVar.Kind.PARAM, code, p);
        }
        if (typeCode(f.returnType()) == ATOMIC_TYPE) {
            error("a function cannot return an atomic: return its value", f.returnType().span());
        }
        block(f.body().stmts(), f.body());
        pop();
        fnChain.removeLast();
        fn = outerFn;
        unit = outerUnit;
        loopDepth = outerLoops;
        currentBlock = outerBlock;
    }

    private void expr(Ast.Expr e) {
        switch (e) {
            case Ast.IntLit x -> { }
            case Ast.FloatLit x -> { }
            case Ast.StrLit x -> { }
            case Ast.BoolLit x -> { }
            case Ast.NilLit x -> { }
            case Ast.DurationLit x -> { }
            case Ast.Interp x -> x.parts().forEach(this::expr);
            case Ast.Name n -> {
                LocalVar v = lookup(n.name());
                if (v != null) {
                    bindings.put(n, v);
                } else {
                    Builtin b = Builtin.named(n.name());
                    if (b != null) {
                        builtins.put(n, b);
                    } else if (LATER.contains(n.name())) {
                        error("'" + n.name() + "' is not supported yet", n.span());
                    } else {
                        error("undefined variable '" + n.name() + "'", n.span());
                    }
                }
            }
            case Ast.ListLit l -> l.items().forEach(this::expr);
            case Ast.DictLit d -> {
                d.keys().forEach(this::expr);
                d.values().forEach(this::expr);
            }
            case Ast.Unary u -> expr(u.operand());
            case Ast.Binary b -> {
                expr(b.left());
                expr(b.right());
            }
            case Ast.RangeExpr r -> {
                expr(r.from());
                expr(r.to());
            }
            case Ast.Call c -> call(c);
            case Ast.Index ix -> {
                expr(ix.target());
                expr(ix.index());
            }
            case Ast.Member m -> expr(m.target());
            case Ast.Propagate p -> expr(p.expr());
            case Ast.OrElse o -> {
                expr(o.expr());
                if (o.fallback() != null) {
                    expr(o.fallback());
                } else {
                    push(o);
                    if (o.binder() != null) {
                        declare(o.binder(), LocalVar.Kind.BINDER, -1, o);
                    }
                    body(o.block());
                    pop();
                }
            }
            case Ast.FnExpr f -> function(f.fn());
            case Ast.Await a -> expr(a.expr());
        }
    }

    private void call(Ast.Call c) {
        if (c.callee() instanceof Ast.Name n && lookupQuiet(n.name()) == null) {
            if (testHooks && n.name().equals("__suspend") && c.args().isEmpty()) {
                suspendCalls.add(c);
                return;
            }
            Builtin b = Builtin.named(n.name());
            if (b != null) {
                builtins.put(c, b);
                String problem = b.arityProblem(c.args().size());
                if (problem != null) {
                    error(problem, c.span());
                }
                if (b == Builtin.ERR && c.args().size() == 1) {
                    Ast.Expr arg = c.args().getFirst();
                    if (arg instanceof Ast.Name k && lookupQuiet(k.name()) == null && Builtin.named(k.name()) == null) {
                        kinds.put(arg, k.name());
                        return;
                    }
                    if (arg instanceof Ast.Call kc && kc.callee() instanceof Ast.Name k
                            && lookupQuiet(k.name()) == null && Builtin.named(k.name()) == null) {
                        kinds.put(arg, k.name());
                        kc.args().forEach(this::expr);
                        if (kc.args().size() > 1) {
                            error("an error kind takes one message, got " + kc.args().size() + " arguments", kc.span());
                        }
                        return;
                    }
                }
                c.args().forEach(this::expr);
                return;
            }
            if (LATER.contains(n.name())) {
                error("'" + n.name() + "' is not supported yet", n.span());
                c.args().forEach(this::expr);
                return;
            }
        }
        expr(c.callee());
        c.args().forEach(this::expr);
        if (c.callee() instanceof Ast.Member m) {
            switch (m.name()) {
                case "send" -> directionalUse(m.target(), ChannelDirections.Use.SEND);
                case "recv" -> directionalUse(m.target(), ChannelDirections.Use.RECV);
                case "try_recv" -> directionalUse(m.target(), ChannelDirections.Use.TRY_RECV);
                default -> { }
            }
        }
        if (c.callee() instanceof Ast.Name n && bindings.get(n) instanceof LocalVar callee && callee.kind == LocalVar.Kind.FN) {
            functionWrites.call(fn, callee, c, unit);
        }
    }
}
