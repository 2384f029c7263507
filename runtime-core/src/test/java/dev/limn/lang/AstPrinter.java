package dev.limn.lang;

import dev.limn.lang.Ast.*;
import java.util.List;
import java.util.stream.Collectors;

/** Prints an AST back as source with every operator application parenthesised, so tests can compare shapes. */
final class AstPrinter {
    private AstPrinter() {}

    static String program(Program program) {
        return program.body().stream().map(AstPrinter::stmt).collect(Collectors.joining(" "));
    }

    static String stmt(Stmt stmt) {
        return switch (stmt) {
            case VarDecl v -> "var " + v.name() + (v.type() == null ? "" : ": " + v.type().name())
                    + (v.init() == null ? "" : " = " + expr(v.init())) + ";";
            case Assign a -> expr(a.target()) + " " + a.op() + " " + expr(a.value()) + ";";
            case ExprStmt e -> expr(e.expr()) + ";";
            case If i -> {
                StringBuilder sb = new StringBuilder();
                for (int n = 0; n < i.branches().size(); n++) {
                    Branch b = i.branches().get(n);
                    sb.append(n == 0 ? "if (" : " elif (").append(expr(b.cond())).append(") ").append(stmt(b.body()));
                }
                if (i.elseBody() != null) {
                    sb.append(" else ").append(stmt(i.elseBody()));
                }
                yield sb.toString();
            }
            case While w -> "while (" + expr(w.cond()) + ") " + stmt(w.body());
            case For f -> "for (" + (f.init() == null ? "" : strip(stmt(f.init()))) + "; "
                    + (f.cond() == null ? "" : expr(f.cond())) + "; "
                    + (f.update() == null ? "" : strip(stmt(f.update()))) + ") " + stmt(f.body());
            case Iter i -> "iter (" + (i.declared() ? "var " : "") + (i.first() == null ? "" : i.first() + ", ")
                    + i.second() + " in " + expr(i.iterable()) + ") " + stmt(i.body());
            case Break b -> "break;";
            case Continue c -> "continue;";
            case Return r -> r.value() == null ? "return;" : "return " + expr(r.value()) + ";";
            case Block b -> block(b);
            case FnDecl f -> fn(f);
            case Attempt a -> "attempt " + block(a.body()) + a.handlers().stream()
                    .map(h -> " handle" + (h.kind() == null ? "" : " " + h.kind())
                            + (h.binder() == null ? "" : "(" + h.binder() + ")") + " " + block(h.body()))
                    .collect(Collectors.joining());
            case BlockStmt b -> b.kind().name().toLowerCase() + "(" + b.params().stream()
                    .map(p -> p.name() + "=" + expr(p.value())).collect(Collectors.joining(", ")) + ") " + block(b.body());
            case TaskStmt t -> "task" + (t.var() == null ? "" : "(" + (t.key() == null ? "" : t.key() + ", ") + t.var() + " in " + expr(t.source()) + ")")
                    + " " + block(t.body());
            case WorkerStmt w -> "worker(" + w.var() + (w.source() == null ? "" : " from " + expr(w.source())) + ") "
                    + block(w.body());
        };
    }

    private static String strip(String s) {
        return s.endsWith(";") ? s.substring(0, s.length() - 1) : s;
    }

    static String block(Block b) {
        if (b.stmts().isEmpty()) {
            return "{}";
        }
        return "{ " + b.stmts().stream().map(AstPrinter::stmt).collect(Collectors.joining(" ")) + " }";
    }

    static String fn(FnDecl f) {
        return (f.isAsync() ? "async " : "") + "fn" + (f.name() == null ? "" : " " + f.name()) + "("
                + f.params().stream().map(p -> p.name() + (p.type() == null ? "" : ": " + p.type().name())
                        + (p.defaultValue() == null ? "" : " = " + expr(p.defaultValue())))
                .collect(Collectors.joining(", "))
                + ")" + (f.returnType() == null ? "" : ": " + f.returnType().name()) + " " + block(f.body());
    }

    static String expr(Expr e) {
        return switch (e) {
            case IntLit i -> Long.toString(i.value());
            case FloatLit f -> Double.toString(f.value());
            case StrLit s -> quote(s.value());
            case Interp i -> "(interp " + i.parts().stream().map(AstPrinter::expr).collect(Collectors.joining(" ")) + ")";
            case BoolLit b -> Boolean.toString(b.value());
            case NilLit n -> "nil";
            case DurationLit d -> "(duration " + d.nanos() + ")";
            case Name n -> n.name();
            case ListLit l -> "[" + list(l.items()) + "]";
            case DictLit d -> {
                StringBuilder sb = new StringBuilder("{");
                for (int i = 0; i < d.keys().size(); i++) {
                    sb.append(i == 0 ? "" : ", ").append(expr(d.keys().get(i))).append(": ").append(expr(d.values().get(i)));
                }
                yield sb.append("}").toString();
            }
            case Unary u -> "(" + switch (u.op()) {
                case NEG -> "-";
                case NOT -> "!";
                case BIT_NOT -> "~";
            } + expr(u.operand()) + ")";
            case Binary b -> "(" + expr(b.left()) + " " + b.op().symbol + " " + expr(b.right()) + ")";
            case RangeExpr r -> "(" + expr(r.from()) + (r.inclusive() ? " .. " : " ..< ") + expr(r.to()) + ")";
            case Call c -> expr(c.callee()) + "(" + list(c.args()) + ")";
            case Index i -> expr(i.target()) + "[" + expr(i.index()) + "]";
            case Member m -> expr(m.target()) + "." + m.name();
            case Propagate p -> "(" + expr(p.expr()) + "?)";
            case OrElse o -> "(" + expr(o.expr()) + " ?else "
                    + (o.fallback() != null ? expr(o.fallback())
                    : (o.binder() == null ? "" : "(" + o.binder() + ") ") + block(o.block())) + ")";
            case FnExpr f -> "(" + fn(f.fn()) + ")";
            case Await a -> "(await " + expr(a.expr()) + ")";
        };
    }

    private static String list(List<Expr> items) {
        return items.stream().map(AstPrinter::expr).collect(Collectors.joining(", "));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }
}
