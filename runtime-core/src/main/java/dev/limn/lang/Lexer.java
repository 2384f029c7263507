package dev.limn.lang;

import dev.limn.text.Diagnostic;
import dev.limn.text.Source;
import dev.limn.text.Span;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns source text into {@link Token}s (SPEC §1).
 *
 * <p>The lexer never throws: every problem becomes a {@link Diagnostic} and scanning goes on.
 * A literal with a bad value (an integer that does not fit, an unknown escape) still yields
 * its token, with a harmless value, so the parser does not report the same spot twice; a
 * character that starts no token yields an {@link TokenKind#ERROR} token, which the parser
 * skips without a second message.
 *
 * <p>String interpolation is lexed here: at an unescaped {@code {} inside a string the lexer
 * scans ordinary tokens (nested strings included) up to the matching {@code }} and stores them
 * in the string token, so the parser parses embedded expressions with real source positions.
 * An interpolated expression must end on the line it starts on; this keeps a forgotten
 * {@code }} from swallowing the rest of the file.
 *
 * <p>Columns count UTF-16 chars, as {@link Diagnostic#render()} does when it places a caret.
 */
public final class Lexer {
    /** Strings inside interpolations inside strings... deeper than this is an error, not a stack overflow. */
    static final int MAX_INTERPOLATION_DEPTH = 16;

    /**
     * The big numbers of rare literals, in a class of their own: initialising BigDecimal takes
     * some 15 ms of a run's start-up, which a program without such a literal should not pay.
     */
    private static final class Big {
        static final BigInteger TWO_TO_63 = BigInteger.ONE.shiftLeft(63);
        static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);
    }

    private final Source source;
    private final String text;
    private final List<Diagnostic> errors;

    private int pos;
    private int line = 1;
    private int col = 1;
    private int interpolationDepth;

    public Lexer(Source source, List<Diagnostic> errors) {
        this.source = source;
        this.text = source.text();
        this.errors = errors;
        if (text.startsWith("\uFEFF")) {
            // a byte order mark is not part of the program; columns still count it, as Source.line() does
            pos = 1;
            col = 2;
        }
    }

    /** All tokens of the source, ending with one {@code EOF} token. */
    public List<Token> tokenize() {
        List<Token> tokens = new ArrayList<>();
        while (true) {
            Token token = next();
            tokens.add(token);
            if (token.kind() == TokenKind.EOF) {
                return tokens;
            }
        }
    }

    /** The next token; {@code EOF} at the end (and again on every later call). */
    public Token next() {
        skipTrivia(false);
        int start = pos;
        int startLine = line;
        int startCol = col;
        if (pos >= text.length()) {
            return new Token(TokenKind.EOF, "", null, line, col, 0, line, col);
        }
        char c = text.charAt(pos);
        if (isIdentStart(c)) {
            while (pos < text.length() && isIdentPart(text.charAt(pos))) {
                advance();
            }
            String word = text.substring(start, pos);
            TokenKind keyword = TokenKind.keyword(word);
            return make(keyword != null ? keyword : TokenKind.IDENT, start, startLine, startCol,
                    keyword != null ? null : word);
        }
        if (isDigit(c)) {
            return number(start, startLine, startCol);
        }
        if (c == '"') {
            return string(start, startLine, startCol);
        }
        advance();
        TokenKind kind = switch (c) {
            case '(' -> TokenKind.LPAREN;
            case ')' -> TokenKind.RPAREN;
            case '{' -> TokenKind.LBRACE;
            case '}' -> TokenKind.RBRACE;
            case '[' -> TokenKind.LBRACKET;
            case ']' -> TokenKind.RBRACKET;
            case ',' -> TokenKind.COMMA;
            case ';' -> TokenKind.SEMI;
            case ':' -> TokenKind.COLON;
            case '?' -> TokenKind.QUESTION;
            case '~' -> TokenKind.TILDE;
            case '^' -> TokenKind.CARET;
            case '.' -> match('.') ? (match('<') ? TokenKind.DOTDOTLT : TokenKind.DOTDOT) : TokenKind.DOT;
            case '+' -> match('=') ? TokenKind.PLUS_ASSIGN : TokenKind.PLUS;
            case '-' -> match('=') ? TokenKind.MINUS_ASSIGN : TokenKind.MINUS;
            case '*' -> match('*') ? TokenKind.STARSTAR : match('=') ? TokenKind.STAR_ASSIGN : TokenKind.STAR;
            case '/' -> match('=') ? TokenKind.SLASH_ASSIGN : TokenKind.SLASH;
            case '%' -> match('=') ? TokenKind.PERCENT_ASSIGN : TokenKind.PERCENT;
            case '=' -> match('=') ? TokenKind.EQ : TokenKind.ASSIGN;
            case '!' -> match('=') ? TokenKind.NE : TokenKind.BANG;
            case '<' -> match('=') ? TokenKind.LE : match('<') ? TokenKind.SHL : TokenKind.LT;
            case '>' -> match('=') ? TokenKind.GE : match('>') ? TokenKind.SHR : TokenKind.GT;
            case '|' -> match('|') ? TokenKind.PIPE_PIPE : TokenKind.PIPE;
            case '&' -> match('&') ? TokenKind.AMP_AMP : TokenKind.AMP;
            default -> null;
        };
        if (kind != null) {
            return make(kind, start, startLine, startCol, null);
        }
        if (Character.isHighSurrogate(c) && pos < text.length() && Character.isLowSurrogate(text.charAt(pos))) {
            advance();
        }
        String bad = text.substring(start, pos);
        error("unexpected character " + quoteChar(bad), new Span(startLine, startCol, pos - start));
        return make(TokenKind.ERROR, start, startLine, startCol, null);
    }

    // ---------------------------------------------------------------- trivia

    /** Skips blanks and comments; inside an interpolation it stops at a line break. */
    private void skipTrivia(boolean stopAtNewline) {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\n' && stopAtNewline) {
                return;
            }
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
                advance();
            } else if (c == '/' && peekAt(1) == '/') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    advance();
                }
            } else if (c == '/' && peekAt(1) == '*') {
                int startLine = line;
                int startCol = col;
                advance();
                advance();
                boolean closed = false;
                while (pos < text.length()) {
                    if (text.charAt(pos) == '*' && peekAt(1) == '/') {
                        advance();
                        advance();
                        closed = true;
                        break;
                    }
                    advance();
                }
                if (!closed) {
                    error("unterminated comment", new Span(startLine, startCol, 2));
                }
            } else {
                return;
            }
        }
    }

    // ---------------------------------------------------------------- numbers

    private Token number(int start, int startLine, int startCol) {
        int radix = 10;
        if (text.charAt(pos) == '0' && (peekAt(1) == 'x' || peekAt(1) == 'X')) {
            radix = 16;
        } else if (text.charAt(pos) == '0' && (peekAt(1) == 'b' || peekAt(1) == 'B')) {
            radix = 2;
        }
        if (radix != 10) {
            advance();
            advance();
            int digitsStart = pos;
            while (pos < text.length() && (isHexDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
                advance();
            }
            String raw = text.substring(digitsStart, pos);
            String digits = raw.replace("_", "");
            String prefix = text.substring(start, digitsStart);
            if (pos < text.length() && isIdentPart(text.charAt(pos))) {
                return badSuffix(start, startLine, startCol);
            }
            if (digits.isEmpty()) {
                error("expected digits after '" + prefix + "'", spanFrom(start, startLine, startCol));
                return make(TokenKind.INT, start, startLine, startCol, 0L);
            }
            if (raw.startsWith("_") || raw.endsWith("_")) {
                error("'_' in a number must stand between digits", spanFrom(start, startLine, startCol));
            }
            if (radix == 2) {
                for (int i = 0; i < digits.length(); i++) {
                    if (digits.charAt(i) != '0' && digits.charAt(i) != '1') {
                        error("invalid digit '" + digits.charAt(i) + "' in binary literal",
                                spanFrom(start, startLine, startCol));
                        return make(TokenKind.INT, start, startLine, startCol, 0L);
                    }
                }
            }
            return integer(digits, radix, start, startLine, startCol);
        }

        boolean isFloat = false;
        digitRun();
        if (pos < text.length() && text.charAt(pos) == '.' && isDigit(peekAt(1))) {
            isFloat = true;
            advance();
            digitRun();
        }
        if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')
                && (isDigit(peekAt(1)) || ((peekAt(1) == '+' || peekAt(1) == '-') && isDigit(peekAt(2))))) {
            isFloat = true;
            advance();
            if (text.charAt(pos) == '+' || text.charAt(pos) == '-') {
                advance();
            }
            digitRun();
        }
        String raw = text.substring(start, pos);
        if (raw.contains("_.") || raw.contains("._") || raw.endsWith("_")
                || raw.contains("_e") || raw.contains("_E")) {
            error("'_' in a number must stand between digits", spanFrom(start, startLine, startCol));
        }
        String digits = raw.replace("_", "");
        if (pos < text.length() && isIdentStart(text.charAt(pos))) {
            int suffixStart = pos;
            while (pos < text.length() && isIdentPart(text.charAt(pos))) {
                advance();
            }
            long unit = unitNanos(text.substring(suffixStart, pos));
            if (unit == 0) {
                return badSuffixAt(start, startLine, startCol, suffixStart);
            }
            return duration(digits, unit, start, startLine, startCol);
        }
        if (isFloat) {
            double value = Double.parseDouble(digits);
            if (Double.isInfinite(value)) {
                error("float literal does not fit in 64 bits", spanFrom(start, startLine, startCol));
                value = 0.0;
            }
            return make(TokenKind.FLOAT, start, startLine, startCol, value);
        }
        return integer(digits, 10, start, startLine, startCol);
    }

    private void digitRun() {
        while (pos < text.length() && (isDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
            advance();
        }
    }

    private Token integer(String digits, int radix, int start, int startLine, int startCol) {
        try {
            return make(TokenKind.INT, start, startLine, startCol, Long.parseLong(digits, radix));
        } catch (NumberFormatException tooBig) {
            if (radix == 10 && new BigInteger(digits).equals(Big.TWO_TO_63)) {
                // Only fits as the operand of a unary minus; the parser checks that.
                return make(TokenKind.INT, start, startLine, startCol, Big.TWO_TO_63);
            }
            error("integer literal does not fit in 64 bits", spanFrom(start, startLine, startCol));
            return make(TokenKind.INT, start, startLine, startCol, 0L);
        }
    }

    /** Nanoseconds per unit, or 0 when {@code suffix} is not a duration unit. */
    private static long unitNanos(String suffix) {
        return switch (suffix) {
            case "ns" -> 1L;
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> 0L;
        };
    }

    /**
     * A duration rounds to the nearest nanosecond (halves away from zero); one that does not
     * fit in a signed 64-bit count of nanoseconds (about 292 years) is an error.
     */
    private Token duration(String digits, long unit, int start, int startLine, int startCol) {
        if (isWholeNumber(digits)) {
            try {
                return make(TokenKind.DURATION, start, startLine, startCol, Math.multiplyExact(Long.parseLong(digits), unit));
            } catch (ArithmeticException | NumberFormatException tooBig) {
                // the exact path below reports it
            }
        }
        long nanos = 0;
        try {
            BigDecimal value = new BigDecimal(digits).multiply(BigDecimal.valueOf(unit));
            // Compare before rescaling: 1e999999999s would otherwise build a huge integer.
            if (value.compareTo(Big.LONG_MAX) > 0) {
                throw new ArithmeticException();
            }
            nanos = value.setScale(0, RoundingMode.HALF_UP).longValueExact();
        } catch (ArithmeticException | NumberFormatException outOfRange) {
            error("duration literal does not fit in 64 bits of nanoseconds", spanFrom(start, startLine, startCol));
        }
        return make(TokenKind.DURATION, start, startLine, startCol, nanos);
    }

    /** Whether {@code digits} is a plain run of decimal digits (no point, no exponent). */
    private static boolean isWholeNumber(String digits) {
        for (int i = 0; i < digits.length(); i++) {
            if (!isDigit(digits.charAt(i))) {
                return false;
            }
        }
        return !digits.isEmpty();
    }

    private Token badSuffix(int start, int startLine, int startCol) {
        return badSuffixAt(start, startLine, startCol, pos);
    }

    private Token badSuffixAt(int start, int startLine, int startCol, int suffixStart) {
        pos = suffixStart;
        // recompute the column: the suffix is on the same line as the number
        col = startCol + (suffixStart - start);
        while (pos < text.length() && isIdentPart(text.charAt(pos))) {
            advance();
        }
        String suffix = text.substring(suffixStart, pos);
        error("invalid suffix '" + suffix + "' on number (durations use ns us ms s m h)",
                spanFrom(start, startLine, startCol));
        return make(TokenKind.INT, start, startLine, startCol, 0L);
    }

    // ---------------------------------------------------------------- strings

    private Token string(int start, int startLine, int startCol) {
        advance(); // opening quote
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        while (true) {
            if (pos >= text.length() || text.charAt(pos) == '\n') {
                error("unterminated string", new Span(startLine, startCol, 1));
                break;
            }
            char c = text.charAt(pos);
            if (c == '"') {
                advance();
                break;
            }
            if (c == '\\') {
                escape(literal);
            } else if (c == '{') {
                if (!literal.isEmpty()) {
                    parts.add(literal.toString());
                    literal.setLength(0);
                }
                parts.add(interpolation());
            } else if (c == '}') {
                error("unmatched '}' in string (write \\} for a literal brace)", new Span(line, col, 1));
                literal.append(c);
                advance();
            } else {
                literal.append(c);
                advance();
            }
        }
        if (!literal.isEmpty() || parts.isEmpty()) {
            parts.add(literal.toString());
        }
        return make(TokenKind.STRING, start, startLine, startCol, List.copyOf(parts));
    }

    private void escape(StringBuilder literal) {
        int escLine = line;
        int escCol = col;
        int escStart = pos;
        advance(); // backslash
        if (pos >= text.length() || text.charAt(pos) == '\n') {
            return; // the caller reports the unterminated string
        }
        char c = text.charAt(pos);
        advance();
        switch (c) {
            case 'n' -> literal.append('\n');
            case 't' -> literal.append('\t');
            case 'r' -> literal.append('\r');
            case '0' -> literal.append('\0');
            case '\\' -> literal.append('\\');
            case '"' -> literal.append('"');
            case '{' -> literal.append('{');
            case '}' -> literal.append('}');
            case 'u' -> {
                int codePoint = -1;
                if (pos < text.length() && text.charAt(pos) == '{') {
                    advance();
                    int hexStart = pos;
                    while (pos < text.length() && isHexDigit(text.charAt(pos)) && pos - hexStart < 8) {
                        advance();
                    }
                    String hex = text.substring(hexStart, pos);
                    if (pos < text.length() && text.charAt(pos) == '}' && !hex.isEmpty() && hex.length() <= 6) {
                        advance();
                        codePoint = Integer.parseInt(hex, 16);
                        if (codePoint > Character.MAX_CODE_POINT
                                || (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE)) {
                            codePoint = -1;
                        }
                    }
                }
                if (codePoint < 0) {
                    if (pos < text.length() && text.charAt(pos) == '}') {
                        advance();
                    }
                    error("invalid unicode escape (write \\u{1F600}: 1 to 6 hex digits of a code point)",
                            new Span(escLine, escCol, pos - escStart));
                } else {
                    literal.appendCodePoint(codePoint);
                }
            }
            default -> {
                error("unknown escape '\\" + c + "'", new Span(escLine, escCol, 2));
                literal.append(c);
            }
        }
    }

    /** Lexes the tokens of one interpolated expression; the caller stands on its '{'. */
    private List<Token> interpolation() {
        int braceLine = line;
        int braceCol = col;
        advance(); // '{'
        List<Token> tokens = new ArrayList<>();
        if (interpolationDepth >= MAX_INTERPOLATION_DEPTH) {
            error("string interpolation nested too deep", new Span(braceLine, braceCol, 1));
            skipRawInterpolation();
            tokens.add(new Token(TokenKind.ERROR, "{", null, braceLine, braceCol, 1, braceLine, braceCol + 1));
            tokens.add(new Token(TokenKind.EOF, "", null, line, col, 0, line, col));
            return tokens;
        }
        interpolationDepth++;
        try {
            int depth = 0;
            while (true) {
                skipTrivia(true);
                if (pos >= text.length() || text.charAt(pos) == '\n') {
                    // The string loop reports the unterminated string.
                    tokens.add(new Token(TokenKind.EOF, "", null, line, col, 0, line, col));
                    return tokens;
                }
                if (text.charAt(pos) == '}' && depth == 0) {
                    tokens.add(new Token(TokenKind.EOF, "}", null, line, col, 1, line, col + 1));
                    advance();
                    return tokens;
                }
                Token token = next();
                if (token.kind() == TokenKind.LBRACE) {
                    depth++;
                } else if (token.kind() == TokenKind.RBRACE) {
                    depth--;
                }
                tokens.add(token);
            }
        } finally {
            interpolationDepth--;
        }
    }

    /** Past the matching '}' or to the end of the line, without lexing (used when nesting is too deep). */
    private void skipRawInterpolation() {
        int depth = 0;
        while (pos < text.length() && text.charAt(pos) != '\n') {
            char c = text.charAt(pos);
            advance();
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                if (depth == 0) {
                    return;
                }
                depth--;
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private Token make(TokenKind kind, int start, int startLine, int startCol, Object value) {
        String tokenText = text.substring(start, pos);
        int length = line == startLine ? pos - start : firstLineLength(start);
        return new Token(kind, tokenText, value, startLine, startCol, length, line, col);
    }

    private Span spanFrom(int start, int startLine, int startCol) {
        return new Span(startLine, startCol, line == startLine ? pos - start : firstLineLength(start));
    }

    private int firstLineLength(int start) {
        int end = text.indexOf('\n', start);
        return (end < 0 ? text.length() : end) - start;
    }

    private void advance() {
        if (text.charAt(pos) == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        pos++;
    }

    private boolean match(char expected) {
        if (pos < text.length() && text.charAt(pos) == expected) {
            advance();
            return true;
        }
        return false;
    }

    private char peekAt(int ahead) {
        int at = pos + ahead;
        return at < text.length() ? text.charAt(at) : '\0';
    }

    private void error(String message, Span span) {
        errors.add(new Diagnostic(null, message, source, span));
    }

    private static String quoteChar(String s) {
        int cp = s.codePointAt(0);
        if (cp < 0x20 || cp == 0x7f || Character.isWhitespace(cp) || Character.isISOControl(cp)
                || (s.length() == 1 && Character.isSurrogate(s.charAt(0)))) {
            return String.format("U+%04X", cp);
        }
        return "'" + s + "'";
    }

    static boolean isIdentStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    static boolean isIdentPart(char c) {
        return isIdentStart(c) || isDigit(c);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHexDigit(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
