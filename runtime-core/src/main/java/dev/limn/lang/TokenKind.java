package dev.limn.lang;

import java.util.HashMap;
import java.util.Map;

/**
 * The kinds of {@link Token} the {@link Lexer} produces (SPEC §1). Keywords and punctuation
 * carry their spelling, which diagnostics quote; the other kinds carry a description.
 */
public enum TokenKind {
    // literals and names
    IDENT("identifier"), INT("integer"), FLOAT("float"), DURATION("duration"), STRING("string"),

    // keywords of SPEC §1
    VAR("var", true), FN("fn", true), ASYNC("async", true), AWAIT("await", true),
    RETURN("return", true), IF("if", true), ELIF("elif", true), ELSE("else", true),
    WHILE("while", true), FOR("for", true), ITER("iter", true), IN("in", true),
    FROM("from", true), BREAK("break", true), CONTINUE("continue", true), TRUE("true", true),
    FALSE("false", true), NIL("nil", true), CONCURRENT("concurrent", true),
    PARALLEL("parallel", true), TASK("task", true), WORKER("worker", true),
    ATTEMPT("attempt", true), HANDLE("handle", true), AND("and", true), OR("or", true),
    NOT("not", true),

    // punctuation
    LPAREN("("), RPAREN(")"), LBRACE("{"), RBRACE("}"), LBRACKET("["), RBRACKET("]"),
    COMMA(","), SEMI(";"), COLON(":"), DOT("."), DOTDOT(".."), DOTDOTLT("..<"), QUESTION("?"),

    // operators
    PLUS("+"), MINUS("-"), STAR("*"), SLASH("/"), PERCENT("%"), STARSTAR("**"),
    ASSIGN("="), PLUS_ASSIGN("+="), MINUS_ASSIGN("-="), STAR_ASSIGN("*="),
    SLASH_ASSIGN("/="), PERCENT_ASSIGN("%="),
    EQ("=="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">="),
    BANG("!"), TILDE("~"), PIPE("|"), CARET("^"), AMP("&"), PIPE_PIPE("||"), AMP_AMP("&&"),
    SHL("<<"), SHR(">>"),

    /** A character or literal the lexer rejected; it has already been reported. */
    ERROR("invalid token"),
    EOF("end of file");

    /** The spelling of a keyword or punctuation token, or a description of the others. */
    public final String display;
    public final boolean keyword;

    private static final Map<String, TokenKind> KEYWORDS = keywords();

    private static Map<String, TokenKind> keywords() {
        Map<String, TokenKind> byName = new HashMap<>();
        for (TokenKind kind : values()) {
            if (kind.keyword) {
                byName.put(kind.display, kind);
            }
        }
        return Map.copyOf(byName);
    }

    TokenKind(String display) {
        this(display, false);
    }

    TokenKind(String display, boolean keyword) {
        this.display = display;
        this.keyword = keyword;
    }

    /** The keyword spelled {@code word}, or null when it is an ordinary identifier. */
    public static TokenKind keyword(String word) {
        return KEYWORDS.get(word);
    }
}
