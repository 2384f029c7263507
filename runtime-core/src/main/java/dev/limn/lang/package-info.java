/**
 * The Limn language front end and compiler: source text to AST to bytecode.
 *
 * <h2>Lexer</h2>
 * {@link dev.limn.lang.Lexer} turns a {@link dev.limn.text.Source} into {@link dev.limn.lang.Token}s
 * ({@link dev.limn.lang.TokenKind}). It applies string escapes, turns number literals into their
 * values (durations into nanoseconds, rounded) and lexes the expressions inside string
 * interpolation into nested token lists with their real positions. It reports problems as
 * {@link dev.limn.text.Diagnostic}s and never throws; a character that starts no token becomes
 * an {@code ERROR} token, which the parser skips without reporting it again.
 *
 * <h2>Parser</h2>
 * {@link dev.limn.lang.Parser#parse(Source, java.util.List)} builds an {@link dev.limn.lang.Ast.Program}:
 * recursive descent for statements, precedence climbing for the operators of SPEC §1.
 * Invariants:
 * <ul>
 *   <li>It never throws for any input. Errors are collected in source order; after an error the
 *       parser skips to a statement boundary (panic mode), so each bad statement is reported once.
 *   <li>A missing {@code ;} is reported just after the previous token.
 *   <li>Nesting deeper than {@code Parser.MAX_DEPTH} (blocks, statements and expressions together)
 *       is a "nesting too deep" error rather than a Java stack overflow.
 *   <li>At the start of a statement {@code {} opens a block; elsewhere it is a dict literal, except
 *       after {@code ?else}, where it is the fallback block.
 *   <li>Every node's {@link dev.limn.text.Span} starts at its first token; spans of expressions
 *       inside string interpolation point into the string in the real source.
 * </ul>
 *
 * <h2>Resolver and compiler</h2>
 * {@link dev.limn.lang.Resolver} binds every name to a {@link dev.limn.lang.LocalVar} (scopes,
 * hoisted functions, implicit declaration by assignment, captures) and reports compile errors
 * (undefined variables, misplaced break/continue/return, duplicate parameters, builtin arity,
 * unknown types, constructs that are not supported yet); it feeds
 * {@code ChannelDirections} the writes and directional uses of variables, which reports a
 * {@code send} on a variable that only ever holds a subscription, or a receive on one that
 * only ever holds a publication. The compiler turns the resolved tree
 * into {@link dev.limn.vm.Proto}s with Lua-style register allocation, in four classes:
 * <ul>
 *   <li>{@link dev.limn.lang.Compiler} — the entry point: scopes (boxes for captured variables,
 *       hoisted functions), statements and functions. It keeps the function being compiled
 *       and calls the other three.
 *   <li>{@code ExpressionCompiler} — expressions, calls, and conditions as fused
 *       compare-and-branch jumps.
 *   <li>{@code BlockLowering} — concurrent and parallel blocks: block statements, the unit
 *       functions of task and worker statements, parallel loops, shared writes.
 *   <li>{@code FunctionBuilder} — one function's code, as Lua's {@code lcode.c}: emission
 *       with the source position of each instruction, jump patching, constants, registers,
 *       the exception table, captured boxes and nested functions, handed to a
 *       {@link dev.limn.vm.Proto.Builder}; and the loads and stores of variables.
 * </ul>
 *
 * <h2>Diagnostics</h2>
 * {@link dev.limn.text.Diagnostic} renders one message in the format of SPEC §9;
 * {@link dev.limn.lang.CompileException} carries all compile errors of a file.
 */
package dev.limn.lang;
