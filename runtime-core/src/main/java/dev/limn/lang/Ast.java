package dev.limn.lang;

import dev.limn.text.Source;
import dev.limn.text.Span;

import java.util.List;

/**
 * The abstract syntax tree that the {@code Parser} builds and the {@code Resolver} and
 * {@code Compiler} read. Every node carries the {@link Span} that diagnostics point at.
 *
 * <p>The tree is deliberately close to the surface syntax of SPEC §1–§7: builtins such as
 * {@code print}, {@code err} and {@code channel} are ordinary {@link Call}s of a
 * {@link Name}, and a method call is a {@link Call} whose callee is a {@link Member}; the
 * compiler gives them their meaning.
 */
public final class Ast {
    private Ast() {}

    /** A parsed file. */
    public record Program(Source source, List<Stmt> body) {}

    // ---------------------------------------------------------------- expressions

    public sealed interface Expr permits IntLit, FloatLit, StrLit, Interp, BoolLit, NilLit,
            DurationLit, Name, ListLit, DictLit, Unary, Binary, RangeExpr, Call, Index, Member,
            Propagate, OrElse, FnExpr, Await {
        Span span();
    }

    public record IntLit(long value, Span span) implements Expr {}

    public record FloatLit(double value, Span span) implements Expr {}

    public record StrLit(String value, Span span) implements Expr {}

    /** An interpolated string: {@code parts} are {@link StrLit}s and the embedded expressions, in order. */
    public record Interp(List<Expr> parts, Span span) implements Expr {}

    public record BoolLit(boolean value, Span span) implements Expr {}

    public record NilLit(Span span) implements Expr {}

    /** A duration literal such as {@code 500ms}, normalised to nanoseconds. */
    public record DurationLit(long nanos, Span span) implements Expr {}

    public record Name(String name, Span span) implements Expr {}

    public record ListLit(List<Expr> items, Span span) implements Expr {}

    /** {@code {k: v, ...}}; {@code keys} and {@code values} have the same length. */
    public record DictLit(List<Expr> keys, List<Expr> values, Span span) implements Expr {}

    public enum UnaryOp { NEG, NOT, BIT_NOT }

    public record Unary(UnaryOp op, Expr operand, Span span) implements Expr {}

    public enum BinaryOp {
        OR("or"), AND("and"), EQ("=="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">="),
        BIT_OR("|"), BIT_XOR("^"), BIT_AND("&"), SHL("<<"), SHR(">>"),
        ADD("+"), SUB("-"), MUL("*"), DIV("/"), MOD("%"), POW("**");

        public final String symbol;

        BinaryOp(String symbol) {
            this.symbol = symbol;
        }
    }

    /** A binary operator; {@code OR} and {@code AND} short-circuit. */
    public record Binary(BinaryOp op, Expr left, Expr right, Span span) implements Expr {}

    /** {@code from..to} ({@code inclusive}) or {@code from..<to}. */
    public record RangeExpr(Expr from, Expr to, boolean inclusive, Span span) implements Expr {}

    public record Call(Expr callee, List<Expr> args, Span span) implements Expr {}

    public record Index(Expr target, Expr index, Span span) implements Expr {}

    /** {@code target.name}; a call of a member is a method call. */
    public record Member(Expr target, String name, Span span) implements Expr {}

    /** {@code e?}: evaluates {@code e}, re-raising its error. */
    public record Propagate(Expr expr, Span span) implements Expr {}

    /**
     * {@code e ?else fallback} (then {@code binder} and {@code block} are null) or
     * {@code e ?else (x) { ... }} (then {@code fallback} is null; {@code binder} may be null
     * for {@code ?else { ... }}).
     */
    public record OrElse(Expr expr, Expr fallback, String binder, Block block, Span span) implements Expr {}

    /** An anonymous function. */
    public record FnExpr(FnDecl fn, Span span) implements Expr {}

    public record Await(Expr expr, Span span) implements Expr {}

    // ---------------------------------------------------------------- statements

    public sealed interface Stmt permits VarDecl, Assign, ExprStmt, If, While, For, Iter, Break,
            Continue, Return, Block, FnDecl, Attempt, BlockStmt, TaskStmt, WorkerStmt {
        Span span();
    }

    /** A type annotation as written: {@code int}, {@code [int]} (name {@code list}), {@code {str: int}} (name {@code dict}). */
    public record TypeRef(String name, Span span) {}

    /** {@code var name: type = init;} — {@code type} and {@code init} may be null. */
    public record VarDecl(String name, TypeRef type, Expr init, Span span) implements Stmt {}

    /** {@code target op value} where op is {@code = += -= *= /= %=}; target is a Name, Index or Member. */
    public record Assign(Expr target, String op, Expr value, Span span) implements Stmt {}

    public record ExprStmt(Expr expr, Span span) implements Stmt {}

    public record Branch(Expr cond, Stmt body) {}

    /** {@code if} with its {@code elif}s as further branches; {@code elseBody} may be null. */
    public record If(List<Branch> branches, Stmt elseBody, Span span) implements Stmt {}

    public record While(Expr cond, Stmt body, Span span) implements Stmt {}

    /** C-style {@code for}; each of init, cond and update may be null. */
    public record For(Stmt init, Expr cond, Stmt update, Stmt body, Span span) implements Stmt {}

    /**
     * {@code iter (v in e)}, {@code iter (var v in e)}, {@code iter (k, v in e)}.
     * {@code first} is the key/index name when there are two names, else null.
     */
    public record Iter(String first, String second, boolean declared, Expr iterable, Stmt body, Span span) implements Stmt {}

    public record Break(Span span) implements Stmt {}

    public record Continue(Span span) implements Stmt {}

    /** {@code value} may be null. */
    public record Return(Expr value, Span span) implements Stmt {}

    public record Block(List<Stmt> stmts, Span span) implements Stmt {}

    public record Param(String name, TypeRef type, Expr defaultValue, Span span) {}

    /** A named function ({@code name} null for an anonymous one); {@code returnType} may be null. */
    public record FnDecl(String name, List<Param> params, TypeRef returnType, Block body, boolean isAsync, Span span) implements Stmt {}

    /** {@code handle Kind(x) { }}, {@code handle (x) { }} or {@code handle Kind { }}: kind and binder may be null. */
    public record Handler(String kind, String binder, Block body, Span span) {}

    public record Attempt(Block body, List<Handler> handlers, Span span) implements Stmt {}

    public enum BlockKind { CONCURRENT, PARALLEL }

    /** One {@code name=value} parameter of a block; value is a Name, IntLit, DurationLit, BoolLit... as written. */
    public record BlockParam(String name, Expr value, Span span) {}

    /** {@code concurrent(...) { }} or {@code parallel(...) { }}. */
    public record BlockStmt(BlockKind kind, List<BlockParam> params, Block body, Span span) implements Stmt {}

    /**
     * {@code task(v in e) { }} or {@code task { }} (then var and source are null). In a parallel
     * block also {@code iter(k, v in e)}: {@code key} is the first of two loop variables (the key
     * or index, bound as by a sequential iter), else null.
     */
    public record TaskStmt(String var, Expr source, Block body, Span span, String key) implements Stmt {
        public TaskStmt(String var, Expr source, Block body, Span span) {
            this(var, source, body, span, null);
        }
    }

    /** {@code worker(v from c) { }} or {@code worker(v) { }} (then source is null). */
    public record WorkerStmt(String var, Expr source, Block body, Span span) implements Stmt {}
}
