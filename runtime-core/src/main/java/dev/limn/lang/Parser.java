package dev.limn.lang;

import static dev.limn.lang.TokenKind.*;

import dev.limn.lang.Ast.Expr;
import dev.limn.lang.Ast.Stmt;
import dev.limn.text.Diagnostic;
import dev.limn.text.Source;
import dev.limn.text.Span;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds the {@link Ast} of a Limn file (SPEC §1–§7): recursive descent for statements,
 * precedence climbing (Pratt) for expressions.
 *
 * <p>Error handling is panic mode: the first error in a statement is reported and unwinds
 * (by a stackless {@link ParseError}) to the innermost statement list, which skips tokens to
 * a statement boundary and goes on, so every bad statement of a file is reported once. A
 * missing {@code ;} at the end of a line is reported and treated as present, since the
 * statement itself is complete. Recursion is bounded by {@link #MAX_DEPTH}; deeper input is a
 * "nesting too deep" error, never a Java stack overflow.
 */
public final class Parser {
    /**
     * Nesting bound for blocks, statements and expressions together. At this depth the parser
     * uses up to about 320 KiB of stack (measured with the JIT on; less when interpreted), well
     * within the 1 MiB a Java thread gets by default.
     */
    static final int MAX_DEPTH = 128;

    /**
     * Bound on the depth of an expression tree, counting each link of a chain of operators or
     * postfix operations ({@code 1 + 1 + ...}, {@code s.upper().upper()...}) as one level on
     * top of the nesting. The resolver and compiler walk expressions recursively: before the JIT
     * compiles them, a chain of 1,500 additions overflowed a 1 MiB stack (the JVM's default for a
     * thread) and 1,200 did not, so a longer chain is a compile error that says to split it, never
     * a Java stack overflow.
     */
    static final int MAX_CHAIN = 1_000;

    // Binding powers, loosest first (SPEC §1).
    private static final int P_OR_ELSE = 1;
    private static final int P_OR = 2;
    private static final int P_AND = 3;
    private static final int P_EQUALITY = 4;
    private static final int P_COMPARE = 5;
    private static final int P_RANGE = 6;
    private static final int P_BIT = 7;
    private static final int P_SHIFT = 8;
    private static final int P_ADD = 9;
    private static final int P_MUL = 10;
    private static final int P_POW = 11;

    /** Unwinds to the nearest statement list after an error has been reported. */
    private static final class ParseError extends RuntimeException {
        ParseError() {
            super(null, null, false, false);
        }
    }

    private static final ParseError UNWIND = new ParseError();

    private final Source source;
    private final List<Diagnostic> errors;
    private final List<Token> tokens;
    private int pos;
    private int depth;
    /** Links of the operator and postfix chains being parsed, on top of {@link #depth}. */
    private int chain;
    /** Line and column of every diagnostic so far (lexer's included), packed: one message per spot. */
    private final Set<Long> reportedSpots;
    /** Lines where the lexer reported something; a missing ';' there is usually its echo. */
    private final Set<Integer> lexerErrorLines;

    private Parser(Source source, List<Diagnostic> errors, List<Token> tokens, int depth,
                   Set<Long> reportedSpots, Set<Integer> lexerErrorLines) {
        this.source = source;
        this.errors = errors;
        this.tokens = tokens;
        this.depth = depth;
        this.reportedSpots = reportedSpots;
        this.lexerErrorLines = lexerErrorLines;
    }

    /**
     * Parses a whole file; collects every syntax error (recovering at statement boundaries).
     * The statements that parsed are returned even when there are errors. Never throws: the
     * diagnostics this call adds to {@code errors} are in source order.
     */
    public static Ast.Program parse(Source source, List<Diagnostic> errors) {
        int firstError = errors.size();
        List<Stmt> body = new ArrayList<>();
        try {
            List<Token> tokens = new Lexer(source, errors).tokenize();
            Set<Long> reportedSpots = new HashSet<>();
            Set<Integer> lexerErrorLines = new HashSet<>();
            for (Diagnostic lexError : errors.subList(firstError, errors.size())) {
                reportedSpots.add(spot(lexError.span()));
                lexerErrorLines.add(lexError.span().line());
            }
            new Parser(source, errors, tokens, 0, reportedSpots, lexerErrorLines).statements(body, false);
        } catch (StackOverflowError tooDeep) {
            // MAX_DEPTH needs about 320 KiB of stack; a thread with less lands here instead of crashing.
            errors.add(new Diagnostic(null, "program nested too deep for the stack of this thread", source, Span.NONE));
        } catch (RuntimeException bug) {
            errors.add(new Diagnostic(null, "internal error in the parser (" + bug.getClass().getSimpleName()
                    + "); please report it with this file", source, Span.NONE));
        }
        List<Diagnostic> found = errors.subList(firstError, errors.size());
        if (found.size() > 1) { // a comparator's lambdas cost start-up; a clean parse needs none
            found.sort(Comparator.comparingInt((Diagnostic d) -> d.span().line()).thenComparingInt(d -> d.span().col()));
        }
        return new Ast.Program(source, List.copyOf(body));
    }

    // ---------------------------------------------------------------- statements

    /** Statements up to a '}' (inside a block) or the end of file; recovers after each error. */
    private void statements(List<Stmt> out, boolean inBlock) {
        while (!check(EOF)) {
            if (check(RBRACE)) {
                if (inBlock) {
                    return;
                }
                report(peek().span(), "unexpected '}'");
                advance();
                continue;
            }
            if (match(SEMI)) {
                continue; // an empty statement, as after 'fn f() {};'
            }
            int start = pos;
            try {
                out.add(statement());
            } catch (ParseError e) {
                synchronize(start);
            }
        }
    }

    private Stmt statement() {
        enter();
        try {
            Token first = peek();
            return switch (first.kind()) {
                case VAR -> {
                    Stmt decl = varDecl();
                    expectSemi("after variable declaration");
                    yield decl;
                }
                case FN -> peekAt(1).kind() == IDENT ? fnDecl(false) : simpleStatementWithSemi();
                case ASYNC -> peekAt(1).kind() == FN && peekAt(2).kind() == IDENT ? fnDecl(true)
                        : simpleStatementWithSemi();
                case IF -> ifStmt();
                case WHILE -> whileStmt();
                case FOR -> forStmt();
                case ITER -> iterStmt();
                case BREAK -> {
                    advance();
                    expectSemi("after 'break'");
                    yield new Ast.Break(first.span());
                }
                case CONTINUE -> {
                    advance();
                    expectSemi("after 'continue'");
                    yield new Ast.Continue(first.span());
                }
                case RETURN -> returnStmt();
                case ATTEMPT -> attempt();
                case CONCURRENT, PARALLEL -> blockStmt();
                case TASK -> taskStmt();
                case WORKER -> workerStmt();
                case LBRACE -> block();
                case SEMI -> new Ast.Block(List.of(), advance().span()); // 'while (c) ;'
                default -> simpleStatementWithSemi();
            };
        } finally {
            depth--;
        }
    }

    private Stmt simpleStatementWithSemi() {
        Stmt stmt = simpleStatement();
        expectSemi(stmt instanceof Ast.Assign ? "after assignment" : "after expression");
        return stmt;
    }

    /** An expression statement or an assignment, without its ';'. */
    private Stmt simpleStatement() {
        Expr target = expression();
        Token op = peek();
        switch (op.kind()) {
            case ASSIGN, PLUS_ASSIGN, MINUS_ASSIGN, STAR_ASSIGN, SLASH_ASSIGN, PERCENT_ASSIGN -> {
                advance();
                if (!(target instanceof Ast.Name || target instanceof Ast.Index || target instanceof Ast.Member)) {
                    report(target.span(), "invalid assignment target");
                }
                Expr value = expression();
                return new Ast.Assign(target, op.text(), value, target.span().to(previous().span()));
            }
            default -> {
                return new Ast.ExprStmt(target, target.span());
            }
        }
    }

    /** {@code var name (: type)? (= init)?} without its ';'. */
    private Ast.VarDecl varDecl() {
        Token var = expect(VAR, "expected 'var'");
        Token name = expect(IDENT, "expected a variable name after 'var'");
        Ast.TypeRef type = null;
        if (match(COLON)) {
            type = type();
        }
        Expr init = null;
        if (match(ASSIGN)) {
            init = expression();
        }
        return new Ast.VarDecl(name.text(), type, init, var.span().to(previous().span()));
    }

    /** {@code int}, {@code [T]} (a list) or {@code {K: V}} (a dict). */
    private Ast.TypeRef type() {
        enter();
        try {
            Token first = peek();
            if (match(IDENT)) {
                return new Ast.TypeRef(first.text(), first.span());
            }
            if (match(LBRACKET)) {
                type();
                expectClose(RBRACKET, first);
                return new Ast.TypeRef("list", first.span().to(previous().span()));
            }
            if (match(LBRACE)) {
                type();
                expect(COLON, "expected ':' between the key and value types of a dict type");
                type();
                expectClose(RBRACE, first);
                return new Ast.TypeRef("dict", first.span().to(previous().span()));
            }
            throw error(first, "expected a type, found " + first.describe());
        } finally {
            depth--;
        }
    }

    private Stmt ifStmt() {
        Token ifToken = advance();
        List<Ast.Branch> branches = new ArrayList<>();
        branches.add(new Ast.Branch(condition("if"), statement()));
        Stmt elseBody = null;
        while (true) {
            if (check(ELIF)) {
                Token elif = advance();
                branches.add(new Ast.Branch(condition(elif.text()), statement()));
            } else if (match(ELSE)) {
                elseBody = statement();
                break;
            } else {
                break;
            }
        }
        return new Ast.If(List.copyOf(branches), elseBody, ifToken.span());
    }

    /** {@code ( expr )} after a keyword; the parentheses are required. */
    private Expr condition(String keyword) {
        Token open = expect(LPAREN, "expected '(' after '" + keyword + "'");
        Expr cond = expression();
        expectClose(RPAREN, open);
        return cond;
    }

    private Stmt whileStmt() {
        Token whileToken = advance();
        Expr cond = condition("while");
        return new Ast.While(cond, statement(), whileToken.span());
    }

    private Stmt forStmt() {
        Token forToken = advance();
        Token open = expect(LPAREN, "expected '(' after 'for'");
        Stmt init = null;
        if (check(VAR)) {
            init = varDecl();
        } else if (!check(SEMI)) {
            init = simpleStatement();
        }
        expect(SEMI, "expected ';' after the initializer of 'for'");
        Expr cond = check(SEMI) ? null : expression();
        expect(SEMI, "expected ';' after the condition of 'for'");
        Stmt update = check(RPAREN) ? null : simpleStatement();
        expectClose(RPAREN, open);
        return new Ast.For(init, cond, update, statement(), forToken.span());
    }

    private Stmt iterStmt() {
        Token iter = advance();
        Token open = expect(LPAREN, "expected '(' after 'iter'");
        boolean declared = match(VAR);
        Token name = expect(IDENT, "expected a loop variable name");
        String first = null;
        String second = name.text();
        if (match(COMMA)) {
            first = second;
            second = expect(IDENT, "expected a second loop variable name after ','").text();
        }
        expect(IN, "expected 'in' after the loop variable");
        Expr iterable = expression();
        expectClose(RPAREN, open);
        return new Ast.Iter(first, second, declared, iterable, statement(), iter.span());
    }

    private Stmt returnStmt() {
        Token ret = advance();
        Expr value = null;
        if (!check(SEMI) && !check(RBRACE) && !check(EOF)) {
            value = expression();
        }
        expectSemi(value == null ? "after 'return'" : "after the return value");
        return new Ast.Return(value, value == null ? ret.span() : ret.span().to(value.span()));
    }

    /** {@code fn name(params): type { }} or its {@code async} form. */
    private Stmt fnDecl(boolean isAsync) {
        Token first = advance();
        if (isAsync) {
            advance(); // fn
        }
        Token name = expect(IDENT, "expected a function name");
        return function(name.text(), isAsync, first.span().to(name.span()));
    }

    /** Parameters, optional return type and body; the caller has consumed up to the name. */
    private Ast.FnDecl function(String name, boolean isAsync, Span header) {
        Token open = expect(LPAREN, "expected '(' before the parameters");
        List<Ast.Param> params = new ArrayList<>();
        while (!check(RPAREN)) {
            Token paramName = expect(IDENT, "expected a parameter name, found " + peek().describe());
            Ast.TypeRef type = match(COLON) ? type() : null;
            Expr defaultValue = match(ASSIGN) ? expression() : null;
            params.add(new Ast.Param(paramName.text(), type, defaultValue, paramName.span()));
            if (!match(COMMA)) {
                break;
            }
        }
        expectListClose(RPAREN, open, "a parameter");
        Ast.TypeRef returnType = match(COLON) ? type() : null;
        Ast.Block body = block();
        return new Ast.FnDecl(name, List.copyOf(params), returnType, body, isAsync, header);
    }

    private Ast.Block block() {
        enter();
        try {
            Token open = expect(LBRACE, "expected '{', found " + peek().describe());
            List<Stmt> stmts = new ArrayList<>();
            statements(stmts, true);
            expectClose(RBRACE, open);
            return new Ast.Block(List.copyOf(stmts), open.span());
        } finally {
            depth--;
        }
    }

    private Stmt attempt() {
        Token attempt = advance();
        Ast.Block body = block();
        List<Ast.Handler> handlers = new ArrayList<>();
        while (check(HANDLE)) {
            Token handle = advance();
            String kind = null;
            String binder = null;
            if (check(IDENT)) {
                kind = advance().text();
            }
            if (check(LPAREN)) {
                Token open = advance();
                binder = expect(IDENT, "expected a name for the error in 'handle ( )'").text();
                expectClose(RPAREN, open);
            }
            handlers.add(new Ast.Handler(kind, binder, block(), handle.span()));
        }
        if (handlers.isEmpty()) {
            report(previous().after(), "expected 'handle' after the body of 'attempt'");
        }
        return new Ast.Attempt(body, List.copyOf(handlers), attempt.span());
    }

    /** {@code concurrent(name=value, ...) { }} and {@code parallel(...) { }}; the parameter list is optional. */
    private Stmt blockStmt() {
        Token keyword = advance();
        Ast.BlockKind kind = keyword.kind() == CONCURRENT ? Ast.BlockKind.CONCURRENT : Ast.BlockKind.PARALLEL;
        List<Ast.BlockParam> params = new ArrayList<>();
        if (check(LPAREN)) {
            Token open = advance();
            while (!check(RPAREN)) {
                Token name = peek();
                if (name.kind() != IDENT && !name.kind().keyword) {
                    throw error(name, "expected a parameter name, found " + name.describe());
                }
                advance();
                expect(ASSIGN, "expected '=' after the parameter name '" + name.text() + "'");
                Expr value;
                if (check(ASYNC) && peekAt(1).kind() != FN) {
                    // mode=async: the keyword is also a parameter value
                    Token async = advance();
                    value = new Ast.Name(async.text(), async.span());
                } else {
                    value = expression();
                }
                params.add(new Ast.BlockParam(name.text(), value, name.span().to(value.span())));
                if (!match(COMMA)) {
                    break;
                }
            }
            expectListClose(RPAREN, open, "a parameter");
        }
        Ast.Block body = block();
        if (kind == Ast.BlockKind.PARALLEL) {
            body = parallelBody(body);
        }
        return new Ast.BlockStmt(kind, List.copyOf(params), body, keyword.span());
    }

    /**
     * In a parallel block, {@code iter(v in e) body} written directly in the block's body is the
     * data-parallel loop and means the same as {@code task(v in e) { body }} (SPEC §5.1, §5.4),
     * so it becomes that node; later phases see one form ({@code iter(k, v in e)} keeps its
     * first variable as the task statement's key). An {@code iter} nested deeper (inside
     * an {@code if}, or in an iteration's body) stays an ordinary loop.
     */
    private Ast.Block parallelBody(Ast.Block body) {
        List<Stmt> stmts = new ArrayList<>(body.stmts().size());
        for (Stmt st : body.stmts()) {
            if (st instanceof Ast.Iter it) {
                Ast.Block loopBody = it.body() instanceof Ast.Block b ? b : new Ast.Block(List.of(it.body()), it.body().span());
                stmts.add(new Ast.TaskStmt(it.second(), it.iterable(), loopBody, it.span(), it.first()));
            } else {
                stmts.add(st);
            }
        }
        return new Ast.Block(List.copyOf(stmts), body.span());
    }

    private Stmt taskStmt() {
        Token task = advance();
        String var = null;
        String key = null;
        Expr sourceExpr = null;
        if (check(LPAREN)) {
            Token open = advance();
            var = expect(IDENT, "expected a variable name in 'task( in )'").text();
            if (match(COMMA)) { // task(k, v in e): key (or index) and value, as iter(k, v in e)
                key = var;
                var = expect(IDENT, "expected a second variable name in 'task(k, v in e)'").text();
            }
            expect(IN, "expected 'in' after the task variable");
            sourceExpr = expression();
            expectClose(RPAREN, open);
        }
        return new Ast.TaskStmt(var, sourceExpr, block(), task.span(), key);
    }

    private Stmt workerStmt() {
        Token worker = advance();
        Token open = expect(LPAREN, "expected '(' after 'worker'");
        String var = expect(IDENT, "expected a variable name in 'worker( )'").text();
        Expr sourceExpr = match(FROM) ? expression() : null;
        expectClose(RPAREN, open);
        return new Ast.WorkerStmt(var, sourceExpr, block(), worker.span());
    }

    // ---------------------------------------------------------------- expressions

    private Expr expression() {
        return expression(P_OR_ELSE);
    }

    /** Parses operators that bind at least as tightly as {@code minPower}. */
    private Expr expression(int minPower) {
        enter();
        int links = 0;
        try {
            Expr left = unary();
            while (true) {
                Token op = peek();
                int power = infixPower(op);
                if (power == 0 || power < minPower) {
                    return left;
                }
                link(op);
                links++;
                if (power == P_OR_ELSE) {
                    left = orElse(left);
                    continue;
                }
                advance();
                if (op.kind() == DOTDOT || op.kind() == DOTDOTLT) {
                    Expr right = expression(P_RANGE + 1);
                    left = new Ast.RangeExpr(left, right, op.kind() == DOTDOT, left.span().to(right.span()));
                } else {
                    // '**' is right-associative: its right operand may hold another '**'
                    Expr right = expression(power == P_POW ? P_POW : power + 1);
                    left = new Ast.Binary(binaryOp(op.kind()), left, right, left.span().to(right.span()));
                }
            }
        } finally {
            depth--;
            chain -= links;
        }
    }

    private int infixPower(Token op) {
        return switch (op.kind()) {
            case QUESTION -> peekAfter(op).kind() == ELSE ? P_OR_ELSE : 0;
            case OR, PIPE_PIPE -> P_OR;
            case AND, AMP_AMP -> P_AND;
            case EQ, NE -> P_EQUALITY;
            case LT, LE, GT, GE -> P_COMPARE;
            case DOTDOT, DOTDOTLT -> P_RANGE;
            case PIPE, CARET, AMP -> P_BIT;
            case SHL, SHR -> P_SHIFT;
            case PLUS, MINUS -> P_ADD;
            case STAR, SLASH, PERCENT -> P_MUL;
            case STARSTAR -> P_POW;
            default -> 0;
        };
    }

    private static Ast.BinaryOp binaryOp(TokenKind kind) {
        return switch (kind) {
            case OR, PIPE_PIPE -> Ast.BinaryOp.OR;
            case AND, AMP_AMP -> Ast.BinaryOp.AND;
            case EQ -> Ast.BinaryOp.EQ;
            case NE -> Ast.BinaryOp.NE;
            case LT -> Ast.BinaryOp.LT;
            case LE -> Ast.BinaryOp.LE;
            case GT -> Ast.BinaryOp.GT;
            case GE -> Ast.BinaryOp.GE;
            case PIPE -> Ast.BinaryOp.BIT_OR;
            case CARET -> Ast.BinaryOp.BIT_XOR;
            case AMP -> Ast.BinaryOp.BIT_AND;
            case SHL -> Ast.BinaryOp.SHL;
            case SHR -> Ast.BinaryOp.SHR;
            case PLUS -> Ast.BinaryOp.ADD;
            case MINUS -> Ast.BinaryOp.SUB;
            case STAR -> Ast.BinaryOp.MUL;
            case SLASH -> Ast.BinaryOp.DIV;
            case PERCENT -> Ast.BinaryOp.MOD;
            case STARSTAR -> Ast.BinaryOp.POW;
            default -> throw new IllegalArgumentException(kind.name());
        };
    }

    /** {@code e ?else fallback}, {@code e ?else (x) { }} or {@code e ?else { }}; stands on the '?'. */
    private Expr orElse(Expr left) {
        advance(); // ?
        advance(); // else
        if (check(LPAREN) && peekAt(1).kind() == IDENT && peekAt(2).kind() == RPAREN && peekAt(3).kind() == LBRACE) {
            advance();
            String binder = advance().text();
            advance();
            Ast.Block block = block();
            return new Ast.OrElse(left, null, binder, block, left.span().to(previous().span()));
        }
        if (check(LBRACE)) {
            Ast.Block block = block();
            return new Ast.OrElse(left, null, null, block, left.span().to(previous().span()));
        }
        Expr fallback = expression(P_OR_ELSE);
        return new Ast.OrElse(left, fallback, null, null, left.span().to(fallback.span()));
    }

    private Expr unary() {
        Token op = peek();
        Ast.UnaryOp unaryOp = switch (op.kind()) {
            case MINUS -> Ast.UnaryOp.NEG;
            case BANG, NOT -> Ast.UnaryOp.NOT;
            case TILDE -> Ast.UnaryOp.BIT_NOT;
            default -> null;
        };
        if (unaryOp == null && op.kind() != AWAIT) {
            return postfix();
        }
        advance();
        if (unaryOp == Ast.UnaryOp.NEG && peek().kind() == INT && peek().value() instanceof BigInteger
                && !startsPostfix(peekAt(1))) {
            // -9223372036854775808: the one literal that only fits negated
            Token literal = advance();
            return new Ast.IntLit(Long.MIN_VALUE, op.span().to(literal.span()));
        }
        enter();
        try {
            Expr operand = unary();
            Span span = op.span().to(operand.span());
            return unaryOp == null ? new Ast.Await(operand, span) : new Ast.Unary(unaryOp, operand, span);
        } finally {
            depth--;
        }
    }

    private boolean startsPostfix(Token token) {
        return switch (token.kind()) {
            case LPAREN, LBRACKET, DOT -> true;
            case QUESTION -> peekAfter(token).kind() != ELSE;
            default -> false;
        };
    }

    private Expr postfix() {
        Expr expr = primary();
        int links = 0;
        try {
            while (true) {
                Token token = peek();
                if (startsPostfix(token)) {
                    link(token);
                    links++;
                }
                switch (token.kind()) {
                    case LPAREN -> {
                        advance();
                        List<Expr> args = new ArrayList<>();
                        while (!check(RPAREN)) {
                            args.add(expression());
                            if (!match(COMMA)) {
                                break;
                            }
                        }
                        Token close = expectListClose(RPAREN, token, "an argument");
                        expr = new Ast.Call(expr, List.copyOf(args), expr.span().to(close.span()));
                    }
                    case LBRACKET -> {
                        advance();
                        Expr index = expression();
                        Token close = expectClose(RBRACKET, token);
                        expr = new Ast.Index(expr, index, expr.span().to(close.span()));
                    }
                    case DOT -> {
                        advance();
                        Token name = peek();
                        if (name.kind() != IDENT && !name.kind().keyword) {
                            throw error(name, "expected a member name after '.', found " + name.describe());
                        }
                        advance();
                        expr = new Ast.Member(expr, name.text(), expr.span().to(name.span()));
                    }
                    case QUESTION -> {
                        if (peekAfter(token).kind() == ELSE) {
                            return expr;
                        }
                        advance();
                        expr = new Ast.Propagate(expr, expr.span().to(token.span()));
                    }
                    default -> {
                        return expr;
                    }
                }
            }
        } finally {
            chain -= links;
        }
    }

    private Expr primary() {
        Token token = peek();
        switch (token.kind()) {
            case INT -> {
                advance();
                if (token.value() instanceof Long value) {
                    return new Ast.IntLit(value, token.span());
                }
                report(token.span(), "integer literal does not fit in 64 bits");
                return new Ast.IntLit(0, token.span());
            }
            case FLOAT -> {
                advance();
                return new Ast.FloatLit((Double) token.value(), token.span());
            }
            case DURATION -> {
                advance();
                return new Ast.DurationLit((Long) token.value(), token.span());
            }
            case STRING -> {
                advance();
                return string(token);
            }
            case TRUE, FALSE -> {
                advance();
                return new Ast.BoolLit(token.kind() == TRUE, token.span());
            }
            case NIL -> {
                advance();
                return new Ast.NilLit(token.span());
            }
            case IDENT -> {
                advance();
                return new Ast.Name(token.text(), token.span());
            }
            case LPAREN -> {
                advance();
                Expr inner = expression();
                Token close = expectClose(RPAREN, token);
                // a span lies on one line: parentheses on two lines leave the inner expression's
                return close.line() == token.line() ? withSpan(inner, token.span().to(close.span())) : inner;
            }
            case LBRACKET -> {
                advance();
                List<Expr> items = new ArrayList<>();
                while (!check(RBRACKET)) {
                    items.add(expression());
                    if (!match(COMMA)) {
                        break;
                    }
                }
                Token close = expectListClose(RBRACKET, token, "a list item");
                return new Ast.ListLit(List.copyOf(items), token.span().to(close.span()));
            }
            case LBRACE -> {
                advance();
                List<Expr> keys = new ArrayList<>();
                List<Expr> values = new ArrayList<>();
                while (!check(RBRACE)) {
                    keys.add(expression());
                    expect(COLON, "expected ':' after a dict key");
                    values.add(expression());
                    if (!match(COMMA)) {
                        break;
                    }
                }
                Token close = expectListClose(RBRACE, token, "a dict entry");
                return new Ast.DictLit(List.copyOf(keys), List.copyOf(values), token.span().to(close.span()));
            }
            case FN -> {
                advance();
                Ast.FnDecl fn = function(null, false, token.span());
                return new Ast.FnExpr(fn, fn.span().to(previous().span()));
            }
            case ASYNC -> {
                if (peekAt(1).kind() == FN) {
                    advance();
                    advance();
                    Ast.FnDecl fn = function(null, true, token.span().to(previous().span()));
                    return new Ast.FnExpr(fn, fn.span().to(previous().span()));
                }
                throw error(token, "expected 'fn' after 'async'");
            }
            default -> {
                ParseError error = error(token, switch (token.kind()) {
                    case SEMI, RPAREN, RBRACKET, RBRACE, COMMA, EOF, VAR, IF, WHILE, FOR, ITER, RETURN, BREAK,
                         CONTINUE, ATTEMPT, CONCURRENT, PARALLEL, TASK, WORKER ->
                            "expected an expression, found " + token.describe();
                    default -> "unexpected " + token.describe();
                });
                if (token.kind().keyword && token.line() == previous().endLine()) {
                    // 'x = while;': the keyword is part of the bad statement, not the start of the next one
                    advance();
                }
                throw error;
            }
        }
    }

    /**
     * {@code e} spanning {@code span} instead: a parenthesised expression spans its parentheses,
     * so that an expression built on it ({@code 10 / (3 - i)}) is underlined up to the ')'.
     * The node itself is kept rather than wrapped, so '(x)' is still a name everywhere else.
     */
    private static Expr withSpan(Expr e, Span span) {
        return switch (e) {
            case Ast.IntLit x -> new Ast.IntLit(x.value(), span);
            case Ast.FloatLit x -> new Ast.FloatLit(x.value(), span);
            case Ast.StrLit x -> new Ast.StrLit(x.value(), span);
            case Ast.Interp x -> new Ast.Interp(x.parts(), span);
            case Ast.BoolLit x -> new Ast.BoolLit(x.value(), span);
            case Ast.NilLit x -> new Ast.NilLit(span);
            case Ast.DurationLit x -> new Ast.DurationLit(x.nanos(), span);
            case Ast.Name x -> new Ast.Name(x.name(), span);
            case Ast.ListLit x -> new Ast.ListLit(x.items(), span);
            case Ast.DictLit x -> new Ast.DictLit(x.keys(), x.values(), span);
            case Ast.Unary x -> new Ast.Unary(x.op(), x.operand(), span);
            case Ast.Binary x -> new Ast.Binary(x.op(), x.left(), x.right(), span);
            case Ast.RangeExpr x -> new Ast.RangeExpr(x.from(), x.to(), x.inclusive(), span);
            case Ast.Call x -> new Ast.Call(x.callee(), x.args(), span);
            case Ast.Index x -> new Ast.Index(x.target(), x.index(), span);
            case Ast.Member x -> new Ast.Member(x.target(), x.name(), span);
            case Ast.Propagate x -> new Ast.Propagate(x.expr(), span);
            case Ast.OrElse x -> new Ast.OrElse(x.expr(), x.fallback(), x.binder(), x.block(), span);
            case Ast.FnExpr x -> new Ast.FnExpr(x.fn(), span);
            case Ast.Await x -> new Ast.Await(x.expr(), span);
        };
    }

    /** A plain string, or an {@link Ast.Interp} whose embedded expressions are parsed here. */
    private Expr string(Token token) {
        List<?> parts = (List<?>) token.value();
        if (token.isPlainString()) {
            return new Ast.StrLit(parts.isEmpty() ? "" : (String) parts.getFirst(), token.span());
        }
        List<Expr> out = new ArrayList<>();
        for (Object part : parts) {
            if (part instanceof String text) {
                out.add(new Ast.StrLit(text, token.span()));
            } else {
                @SuppressWarnings("unchecked")
                List<Token> embedded = (List<Token>) part;
                out.add(embedded(embedded, token));
            }
        }
        return new Ast.Interp(List.copyOf(out), token.span());
    }

    private Expr embedded(List<Token> embedded, Token string) {
        Parser sub = new Parser(source, errors, embedded, depth, reportedSpots, lexerErrorLines);
        Token first = sub.peek();
        try {
            if (first.kind() == EOF) {
                throw sub.error(first, "empty expression in string interpolation");
            }
            Expr expr = sub.expression();
            if (!sub.check(EOF)) {
                throw sub.error(sub.peek(), "expected '}' after the interpolated expression, found "
                        + sub.peek().describe());
            }
            return expr;
        } catch (ParseError e) {
            return new Ast.StrLit("", first.span());
        }
    }

    // ---------------------------------------------------------------- recovery

    /**
     * Skips to the next statement boundary after an error in the statement that began at
     * token {@code start}: a ';' outside any bracket the statement opened, a '}' that closes
     * one the statement opened (or the enclosing block's, which is left for the block), or a
     * keyword that starts a statement. A ';' ending a line also counts, so that a missing ')'
     * does not swallow the rest of the file.
     */
    private void synchronize(int start) {
        if (pos == start && !check(EOF)) {
            advance(); // always make progress
        }
        int parens = 0;
        int braces = 0;
        for (int i = start; i < pos; i++) {
            switch (tokens.get(i).kind()) {
                case LPAREN, LBRACKET -> parens++;
                case RPAREN, RBRACKET -> parens = Math.max(0, parens - 1);
                case LBRACE -> braces++;
                case RBRACE -> braces = Math.max(0, braces - 1);
                default -> { }
            }
        }
        if (pos > start && tokens.get(pos - 1).kind() == SEMI && parens == 0 && braces == 0) {
            return;
        }
        while (!check(EOF)) {
            Token token = peek();
            switch (token.kind()) {
                case SEMI -> {
                    advance();
                    if (braces == 0 && (parens == 0 || peek().line() > token.line())) {
                        return;
                    }
                }
                case LPAREN, LBRACKET -> {
                    advance();
                    parens++;
                }
                case RPAREN, RBRACKET -> {
                    advance();
                    parens = Math.max(0, parens - 1);
                }
                case LBRACE -> {
                    advance();
                    braces++;
                }
                case RBRACE -> {
                    if (braces == 0) {
                        return; // the enclosing block's
                    }
                    advance();
                    braces--;
                    if (braces == 0 && parens == 0) {
                        match(SEMI);
                        return;
                    }
                }
                case VAR, IF, WHILE, FOR, ITER, RETURN, BREAK, CONTINUE, ATTEMPT, CONCURRENT, PARALLEL,
                     TASK, WORKER -> {
                    if (braces == 0) {
                        return;
                    }
                    advance();
                }
                case FN, ASYNC -> {
                    if (braces == 0 && parens == 0) {
                        return;
                    }
                    advance();
                }
                default -> advance();
            }
        }
    }

    // ---------------------------------------------------------------- token helpers

    /** One more link of an operator or postfix chain at {@code token}; too many is a compile error. */
    private void link(Token token) {
        if (depth + chain >= MAX_CHAIN) {
            throw error(token, "expression too long: more than " + MAX_CHAIN
                    + " operators, calls or nested parts in a row; split it into several statements");
        }
        chain++;
    }

    private void enter() {
        if (depth >= MAX_DEPTH) {
            throw error(peek(), "nesting too deep (more than " + MAX_DEPTH + " levels)");
        }
        depth++;
    }

    private Token peek() {
        return tokens.get(pos);
    }

    private Token peekAt(int ahead) {
        return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    /** The token after {@code token}, which must be the current one or a later one. */
    private Token peekAfter(Token token) {
        for (int i = pos; i < tokens.size() - 1; i++) {
            if (tokens.get(i) == token) {
                return tokens.get(i + 1);
            }
        }
        return tokens.getLast();
    }

    private Token previous() {
        return tokens.get(Math.max(0, pos - 1));
    }

    private Token advance() {
        Token token = tokens.get(pos);
        if (token.kind() != EOF) {
            pos++;
        }
        return token;
    }

    private boolean check(TokenKind kind) {
        return peek().kind() == kind;
    }

    private boolean match(TokenKind kind) {
        if (check(kind)) {
            advance();
            return true;
        }
        return false;
    }

    private Token expect(TokenKind kind, String message) {
        if (check(kind)) {
            return advance();
        }
        throw error(peek(), message);
    }

    /** Expects the bracket that closes {@code open}; the message names where it was opened. */
    private Token expectClose(TokenKind close, Token open) {
        if (check(close)) {
            return advance();
        }
        throw error(peek(), "expected '" + close.display + "' to close '" + open.text() + "' at "
                + open.line() + ":" + open.col() + ", found " + peek().describe());
    }

    /**
     * Expects the bracket that closes a comma-separated list; when the next token could start
     * another item on the same line, the likely mistake is a missing ',' and the message says so.
     */
    private Token expectListClose(TokenKind close, Token open, String item) {
        Token next = peek();
        if (next.kind() != close && next.line() == previous().endLine() && startsItem(next.kind())) {
            throw error(next, "expected ',' or '" + close.display + "' after " + item + ", found " + next.describe());
        }
        return expectClose(close, open);
    }

    private static boolean startsItem(TokenKind kind) {
        return switch (kind) {
            case IDENT, INT, FLOAT, DURATION, STRING, TRUE, FALSE, NIL, LPAREN, LBRACKET, MINUS, BANG, NOT, TILDE,
                 AWAIT, FN -> true;
            default -> false;
        };
    }

    /**
     * Expects the ';' that ends a statement; a missing one is reported just after the previous
     * token. When the next token is on a later line the statement is taken as complete and
     * parsing goes on; otherwise the rest of the line is garbage and recovery skips it.
     */
    private void expectSemi(String after) {
        if (match(SEMI)) {
            return;
        }
        Token prev = previous();
        Token next = peek();
        if (next.kind() == ERROR) {
            throw UNWIND;
        }
        if (!lexerErrorLines.contains(prev.endLine())) {
            report(prev.after(), "expected ';' " + after);
        }
        if (next.line() == prev.endLine() && next.kind() != RBRACE && next.kind() != EOF) {
            throw UNWIND;
        }
    }

    /** Reports {@code message} at {@code token} (unless the lexer already did) and returns the unwinder. */
    private ParseError error(Token token, String message) {
        if (token.kind() != ERROR) {
            report(token.span(), message);
        }
        return UNWIND;
    }

    private static long spot(Span span) {
        return ((long) span.line() << 32) | (span.col() & 0xffffffffL);
    }

    private void report(Span span, String message) {
        if (!reportedSpots.add(spot(span))) {
            return; // one message per spot
        }
        errors.add(new Diagnostic(null, message, source, span));
    }
}
