package dev.limn.lang;

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
    private static final Set<String> LATER = Set.of("sleep", "channel", "atomic", "all", "any", "with_timeout", "task_attempt");

    final Map<Object, LocalVar> bindings = new IdentityHashMap<>();
    final Map<Object, List<LocalVar>> scopeVars = new IdentityHashMap<>();
    final Map<Object, LocalVar[]> iterVars = new IdentityHashMap<>();
    /** Names that denote an error kind ({@code err(Kind)}) and calls {@code Kind("msg")} inside err. */
    final Map<Object, String> kinds = new IdentityHashMap<>();
    final Map<Object, Builtin> builtins = new IdentityHashMap<>();
    final Set<Object> suspendCalls = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    private final Source source;
    private final List<Diagnostic> diagnostics;
    private final boolean testHooks;
    private Scope scope;
    private Object fn;
    private int loopDepth;

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
    }

    public void resolve(Ast.Program program) {
        fn = program;
        block(program.body(), program);
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

    private LocalVar declare(String name, LocalVar.Kind kind, int typeCode, Object node) {
        LocalVar v = new LocalVar(name, kind, fn, typeCode);
        scope.vars.put(name, v);
        scope.declared.add(v);
        if (node != null) {
            bindings.put(node, v);
        }
        return v;
    }

    private LocalVar lookup(String name) {
        for (Scope s = scope; s != null; s = s.parent) {
            LocalVar v = s.vars.get(name);
            if (v != null) {
                if (v.fn != fn) {
                    v.captured = true;
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
            case "atomic" -> error("atomic variables are not supported yet", type.span());
            case "channel" -> error("channels are not supported yet", type.span());
            default -> {
                int code = Types.code(type.name());
                if (code < 0) {
                    error("unknown type '" + type.name() + "'", type.span());
                }
                return code;
            }
        }
        return -1;
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
                declare(v.name(), LocalVar.Kind.PLAIN, code, v);
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
            case Ast.BlockStmt b -> error((b.kind() == Ast.BlockKind.CONCURRENT ? "concurrent" : "parallel")
                    + " blocks are not supported yet", b.span());
            case Ast.TaskStmt t -> error("task statements are not supported yet", t.span());
            case Ast.WorkerStmt w -> error("worker statements are not supported yet", w.span());
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
        if (f.isAsync()) {
            error("async functions are not supported yet", f.span());
        }
        Object outerFn = fn;
        int outerLoops = loopDepth;
        fn = f;
        loopDepth = 0;
        push(f.params());
        Set<String> seen = new java.util.HashSet<>();
        for (Ast.Param p : f.params()) {
            if (!seen.add(p.name())) {
                error("duplicate parameter '" + p.name() + "'", p.span());
            }
            if (p.defaultValue() != null) {
                expr(p.defaultValue());
            }
            declare(p.name(), LocalVar.Kind.PARAM, typeCode(p.type()), p);
        }
        typeCode(f.returnType());
        block(f.body().stmts(), f.body());
        pop();
        fn = outerFn;
        loopDepth = outerLoops;
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
            case Ast.Await a -> {
                error("await is not supported yet", a.span());
                expr(a.expr());
            }
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
    }
}
