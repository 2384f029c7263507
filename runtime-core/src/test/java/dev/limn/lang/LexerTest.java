package dev.limn.lang;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.text.Diagnostic;
import dev.limn.text.Source;
import dev.limn.text.Span;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

class LexerTest {

    private final List<Diagnostic> errors = new ArrayList<>();

    private List<Token> lex(String text) {
        return new Lexer(new Source("t.lm", text), errors).tokenize();
    }

    private List<TokenKind> kinds(String text) {
        return lex(text).stream().map(Token::kind).collect(Collectors.toList());
    }

    private Token single(String text) {
        List<Token> tokens = lex(text);
        assertEquals(2, tokens.size(), tokens.toString());
        return tokens.getFirst();
    }

    private List<String> errorList() {
        return errors.stream().map(d -> d.span() + "+" + d.span().length() + " " + d.message()).collect(Collectors.toList());
    }

    @Test
    void everyKeywordLexesAsItself() {
        for (TokenKind kind : TokenKind.values()) {
            if (kind.keyword) {
                assertEquals(kind, single(kind.display).kind());
            }
        }
        assertEquals(TokenKind.IDENT, single("variable").kind());
        assertEquals("_x9", single("_x9").value());
        assertEquals(List.of(), errors);
    }

    @Test
    void everyPunctuationAndOperator() {
        String text = "( ) { } [ ] , ; : . .. ..< ? + - * / % ** = += -= *= /= %= == != < <= > >= ! ~ | ^ & || && << >>";
        List<TokenKind> expected = List.of(TokenKind.LPAREN, TokenKind.RPAREN, TokenKind.LBRACE, TokenKind.RBRACE,
                TokenKind.LBRACKET, TokenKind.RBRACKET, TokenKind.COMMA, TokenKind.SEMI, TokenKind.COLON,
                TokenKind.DOT, TokenKind.DOTDOT, TokenKind.DOTDOTLT, TokenKind.QUESTION, TokenKind.PLUS,
                TokenKind.MINUS, TokenKind.STAR, TokenKind.SLASH, TokenKind.PERCENT, TokenKind.STARSTAR,
                TokenKind.ASSIGN, TokenKind.PLUS_ASSIGN, TokenKind.MINUS_ASSIGN, TokenKind.STAR_ASSIGN,
                TokenKind.SLASH_ASSIGN, TokenKind.PERCENT_ASSIGN, TokenKind.EQ, TokenKind.NE, TokenKind.LT,
                TokenKind.LE, TokenKind.GT, TokenKind.GE, TokenKind.BANG, TokenKind.TILDE, TokenKind.PIPE,
                TokenKind.CARET, TokenKind.AMP, TokenKind.PIPE_PIPE, TokenKind.AMP_AMP, TokenKind.SHL,
                TokenKind.SHR, TokenKind.EOF);
        assertEquals(expected, kinds(text));
        for (Token token : lex(text)) {
            if (token.kind() != TokenKind.EOF) {
                assertEquals(token.kind().display, token.text());
            }
        }
        assertEquals(List.of(), errors);
    }

    @Test
    void positionsAreOneBasedAndCountComments() {
        List<Token> tokens = lex("var x // note\n  /* a\n b */ = 42;");
        assertEquals("VAR@1:1", tokens.get(0).toString());
        assertEquals(new Span(1, 5, 1), tokens.get(1).span());
        assertEquals(new Span(3, 7, 1), tokens.get(2).span());
        assertEquals(new Span(3, 9, 2), tokens.get(3).span());
        assertEquals(3, tokens.get(3).endLine());
        assertEquals(11, tokens.get(3).endCol());
        assertEquals(List.of(), errors);
    }

    @ParameterizedTest
    @CsvSource({
        "42, 42", "1_000_000, 1000000", "0xff, 255", "0XFF, 255", "0b1010, 10", "0, 0", "007, 7",
        "9223372036854775807, 9223372036854775807", "0x7fff_ffff_ffff_ffff, 9223372036854775807",
    })
    void integers(String text, long value) {
        Token token = single(text);
        assertEquals(TokenKind.INT, token.kind());
        assertEquals(value, token.value());
        assertEquals(List.of(), errors);
    }

    @Test
    void integerRange() {
        assertEquals(BigInteger.ONE.shiftLeft(63), single("9223372036854775808").value());
        assertEquals(List.of(), errors);
        single("9223372036854775809");
        single("0x8000000000000000");
        single("0b" + "1".repeat(65));
        assertEquals(List.of("1:1+19 integer literal does not fit in 64 bits",
                "1:1+18 integer literal does not fit in 64 bits",
                "1:1+67 integer literal does not fit in 64 bits"), errorList());
    }

    @ParameterizedTest
    @CsvSource({"3.14, 3.14", "1e9, 1e9", "2.5e-3, 2.5e-3", "1E+2, 100", "0.5, 0.5", "1_000.5, 1000.5"})
    void floats(String text, double value) {
        Token token = single(text);
        assertEquals(TokenKind.FLOAT, token.kind());
        assertEquals(value, token.value());
        assertEquals(List.of(), errors);
    }

    @ParameterizedTest
    @CsvSource({
        "500ms, 500000000", "1.5s, 1500000000", "2m, 120000000000", "1h, 3600000000000", "3ns, 3",
        "7us, 7000", "0.0015ns, 0", "0.5ns, 1", "2.5ns, 3", "1e3ms, 1000000000", "1_000ms, 1000000000",
        "9223372036854775807ns, 9223372036854775807",
    })
    void durations(String text, long nanos) {
        Token token = single(text);
        assertEquals(TokenKind.DURATION, token.kind());
        assertEquals(nanos, token.value());
        assertEquals(List.of(), errors);
    }

    @Test
    void badNumbers() {
        lex("9223372036854775808ns 3000000h 1e999999999s 1e999 12abc 0x 0b102 1_ 0xffms");
        assertEquals(List.of(
                "1:1+21 duration literal does not fit in 64 bits of nanoseconds",
                "1:23+8 duration literal does not fit in 64 bits of nanoseconds",
                "1:32+12 duration literal does not fit in 64 bits of nanoseconds",
                "1:45+5 float literal does not fit in 64 bits",
                "1:51+5 invalid suffix 'abc' on number (durations use ns us ms s m h)",
                "1:57+2 expected digits after '0x'",
                "1:60+5 invalid digit '2' in binary literal",
                "1:66+2 '_' in a number must stand between digits",
                "1:69+6 invalid suffix 'ms' on number (durations use ns us ms s m h)"), errorList());
    }

    @Test
    void rangesAreNotFloats() {
        assertEquals(List.of(TokenKind.INT, TokenKind.DOTDOT, TokenKind.INT, TokenKind.EOF), kinds("1..10"));
        assertEquals(List.of(TokenKind.INT, TokenKind.DOTDOTLT, TokenKind.IDENT, TokenKind.EOF), kinds("0..<n"));
        assertEquals(List.of(TokenKind.INT, TokenKind.DOT, TokenKind.IDENT, TokenKind.EOF), kinds("1.abs"));
        assertEquals(List.of(TokenKind.INT, TokenKind.IDENT, TokenKind.EOF).size(), 3);
    }

    @Test
    void stringEscapes() {
        Token token = single("\"a\\nb\\tc\\rd\\0e\\\\f\\\"g\\{h\\}i\\u{1F600}j\\u{41}\"");
        assertEquals(TokenKind.STRING, token.kind());
        assertEquals(List.of("a\nb\tc\rd\0e\\f\"g{h}i\uD83D\uDE00jA"), token.value());
        assertTrue(token.isPlainString());
        assertEquals(List.of(""), single("\"\"").value());
        assertEquals(List.of(), errors);
    }

    @Test
    void badStrings() {
        lex("\"a\\q\" \"\\u{110000}\" \"\\u{}\" \"x}\" \"open\nnext");
        assertEquals(List.of(
                "1:3+2 unknown escape '\\q'",
                "1:8+10 invalid unicode escape (write \\u{1F600}: 1 to 6 hex digits of a code point)",
                "1:21+4 invalid unicode escape (write \\u{1F600}: 1 to 6 hex digits of a code point)",
                "1:29+1 unmatched '}' in string (write \\} for a literal brace)",
                "1:32+1 unterminated string"), errorList());
    }

    @Test
    void interpolationKeepsTokensWithRealPositions() {
        Token token = single("\"sum={a + b}!\"");
        List<?> parts = (List<?>) token.value();
        assertEquals(3, parts.size());
        assertEquals("sum=", parts.get(0));
        @SuppressWarnings("unchecked")
        List<Token> embedded = (List<Token>) parts.get(1);
        assertEquals("[IDENT(a)@1:7, PLUS(+)@1:9, IDENT(b)@1:11, EOF@1:12]", embedded.toString());
        assertEquals("!", parts.get(2));
        assertTrue(!token.isPlainString());
        assertEquals(List.of(), errors);
    }

    @Test
    void nestedInterpolation() {
        Token token = single("\"a{ f(\"b{c}\", {1: 2}) }d\"");
        List<?> parts = (List<?>) token.value();
        assertEquals(3, parts.size());
        @SuppressWarnings("unchecked")
        List<Token> embedded = (List<Token>) parts.get(1);
        assertEquals(TokenKind.STRING, embedded.get(2).kind());
        assertEquals(TokenKind.LBRACE, embedded.get(4).kind());
        assertEquals(List.of(), errors);
    }

    @Test
    void interpolationEndsAtTheLine() {
        List<Token> tokens = lex("x = \"a{b\n var y = 1;");
        assertEquals(List.of("1:5+1 unterminated string"), errorList());
        assertEquals(TokenKind.VAR, tokens.get(3).kind());
    }

    @Test
    void interpolationDepthIsBounded() {
        String text = "\"{".repeat(40) + "1" + "}\"".repeat(40);
        lex(text);
        assertTrue(errorList().stream().anyMatch(e -> e.contains("nested too deep")), errorList().toString());
    }

    @Test
    void commentsAndStrayCharacters() {
        assertEquals(List.of(TokenKind.IDENT, TokenKind.EOF), kinds("x /* never closed"));
        assertEquals(List.of(TokenKind.ERROR, TokenKind.ERROR, TokenKind.IDENT, TokenKind.ERROR, TokenKind.EOF),
                kinds("@ #y\u0001"));
        assertEquals(List.of("1:3+2 unterminated comment", "1:1+1 unexpected character '@'",
                "1:3+1 unexpected character '#'", "1:5+1 unexpected character U+0001"), errorList());
    }

    @Test
    void byteOrderMarkIsSkipped() {
        assertEquals(List.of(TokenKind.VAR, TokenKind.EOF), kinds("\uFEFFvar"));
        assertEquals(List.of(), errors);
    }

    @Test
    void lexingPastTheEndKeepsReturningEof() {
        Lexer lexer = new Lexer(new Source("t", ""), errors);
        assertEquals(TokenKind.EOF, lexer.next().kind());
        assertEquals(TokenKind.EOF, lexer.next().kind());
    }
}
