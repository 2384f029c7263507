package dev.limn.block;

import dev.limn.lang.Ast;
import dev.limn.lang.Diagnostic;
import dev.limn.lang.Source;
import dev.limn.lang.Span;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The validated parameters of one {@code concurrent(...)} or {@code parallel(...)} block
 * (SPEC §5.1). {@link #of} checks every parameter name and value at compile time and reports
 * each invalid one with the valid choices; parameters whose semantics belong to a later
 * capability are accepted by the parser and rejected here with "not supported yet".
 *
 * @param output  the {@code ch} name, or null
 * @param input   the {@code input} name, or null
 * @param handle  the {@code handle} name (a future for the block's completion), or null
 * @param cores   at most this many tasks at once / worker instances / pool threads; 0 = Auto
 * @param onError      SPEC §6.2 {@code on_error}
 * @param retries      {@code on_error=Retry}: how many more times a failed unit runs
 * @param backoffNanos {@code on_error=Retry}: the wait before the first rerun, doubled for each next one
 * @param errors       {@code on_error=Auto}: the name of the channel each error is sent to, or null
 * @param timeoutNanos SPEC §6.3 {@code timeout}, counted from the block's start; 0 = none
 * @param graceNanos   how long cancelled units may take to finish before they are terminated
 * @param onTimeout    what an expired timeout makes of the block
 */
public record BlockConfig(Ast.BlockKind kind, String output, String input, Mode mode, String handle,
                          int cores, boolean pin, OnError onError, int retries, long backoffNanos, String errors,
                          long timeoutNanos, long graceNanos, OnTimeout onTimeout, Span span) {

    /** SPEC §6.2 {@code on_error}. */
    public enum OnError { STOP, AUTO, RETRY }

    /** SPEC §6.2: the default {@code retries} and {@code backoff}. */
    public static final int DEFAULT_RETRIES = 3;
    public static final long DEFAULT_BACKOFF_NANOS = 10_000_000L;
    /** The largest {@code retries} accepted. */
    public static final int MAX_RETRIES = 1_000;

    /** SPEC §5.1 {@code mode}. */
    public enum Mode { BATCH, STREAM, ASYNC }

    /** SPEC §6.3 {@code on_timeout}: complete normally with what was produced, or raise Timeout. */
    public enum OnTimeout { PARTIAL, ERROR }

    /** The parameters of a block written without any: also the program's scope for async calls (SPEC §7). */
    public static BlockConfig defaults(Span span) {
        return new BlockConfig(Ast.BlockKind.CONCURRENT, null, null, Mode.BATCH, null, 0, false, OnError.STOP,
                DEFAULT_RETRIES, DEFAULT_BACKOFF_NANOS, null, 0, DEFAULT_GRACE_NANOS, OnTimeout.PARTIAL, span);
    }

    /** SPEC §6.3: the default {@code grace}. */
    public static final long DEFAULT_GRACE_NANOS = 500_000_000L;

    private static final List<String> CONCURRENT_PARAMS = List.of(
            "ch", "input", "mode", "handle", "cores", "on_error", "retries", "backoff", "errors",
            "timeout", "grace", "on_timeout");
    private static final List<String> PARALLEL_PARAMS = List.of(
            "ch", "cores", "on_error", "retries", "backoff", "errors", "timeout", "grace", "on_timeout", "pin");

    /**
     * Validates {@code block}'s parameters, adding a diagnostic to {@code errors} for each
     * invalid one; returns the configuration (with defaults for what was invalid or absent).
     */
    public static BlockConfig of(Ast.BlockStmt block, Source source, List<Diagnostic> errors) {
        boolean parallel = block.kind() == Ast.BlockKind.PARALLEL;
        List<String> valid = parallel ? PARALLEL_PARAMS : CONCURRENT_PARAMS;
        String blockName = parallel ? "parallel" : "concurrent";
        String output = null;
        String input = null;
        String handle = null;
        Mode mode = Mode.BATCH;
        int cores = 0;
        boolean pin = false;
        OnError onError = OnError.STOP;
        int retries = DEFAULT_RETRIES;
        long backoff = DEFAULT_BACKOFF_NANOS;
        String errorsName = null;
        Ast.BlockParam retriesParam = null;
        Ast.BlockParam backoffParam = null;
        Ast.BlockParam errorsParam = null;
        long timeout = 0;
        long grace = DEFAULT_GRACE_NANOS;
        OnTimeout onTimeout = OnTimeout.PARTIAL;
        Set<String> seen = new HashSet<>();
        for (Ast.BlockParam param : block.params()) {
            String name = param.name();
            Ast.Expr value = param.value();
            if (!valid.contains(name)) {
                errors.add(error(source, param.span(), "unknown " + blockName + " parameter '" + name
                        + "'; valid parameters are " + String.join(", ", valid)));
                continue;
            }
            if (!seen.add(name)) {
                errors.add(error(source, param.span(), "parameter '" + name + "' is given twice"));
                continue;
            }
            switch (name) {
                case "ch" -> output = nameValue(param, source, errors, "a channel name");
                case "input" -> input = nameValue(param, source, errors, "a channel name");
                case "handle" -> handle = nameValue(param, source, errors, "a variable name");
                case "mode" -> {
                    String m = choice(param, source, errors, List.of("batch", "stream", "async"));
                    if (m != null) {
                        mode = Mode.valueOf(m.toUpperCase(java.util.Locale.ROOT));
                    }
                }
                case "cores" -> {
                    if (value instanceof Ast.Name n && n.name().equals("Auto")) {
                        cores = 0;
                    } else if (value instanceof Ast.IntLit i && i.value() >= 1 && i.value() <= 4096) {
                        cores = (int) i.value();
                    } else {
                        errors.add(error(source, value.span(), "invalid value for 'cores'; valid values are Auto or an int from 1 to 4096"));
                    }
                }
                case "pin" -> {
                    if (value instanceof Ast.BoolLit b) {
                        pin = b.value();
                    } else {
                        errors.add(error(source, value.span(), "invalid value for 'pin'; valid values are false, true"));
                    }
                }
                case "on_error" -> {
                    String strategy = choice(param, source, errors, List.of("Stop", "Auto", "Retry"));
                    if (strategy != null) {
                        onError = OnError.valueOf(strategy.toUpperCase(java.util.Locale.ROOT));
                    }
                }
                case "retries" -> {
                    retriesParam = param;
                    if (value instanceof Ast.IntLit i && i.value() >= 0 && i.value() <= MAX_RETRIES) {
                        retries = (int) i.value();
                    } else {
                        errors.add(error(source, value.span(), "invalid value for 'retries'; valid values are an int from 0 to " + MAX_RETRIES));
                    }
                }
                case "backoff" -> {
                    backoffParam = param;
                    if (value instanceof Ast.DurationLit d) {
                        backoff = d.nanos();
                    } else {
                        errors.add(error(source, value.span(), "invalid value for 'backoff'; valid values are a duration such as 10ms"));
                    }
                }
                case "errors" -> {
                    errorsParam = param;
                    errorsName = nameValue(param, source, errors, "a channel name");
                }
                case "timeout", "grace", "on_timeout" -> {
                    if (name.equals("on_timeout")) {
                        String t = choice(param, source, errors, List.of("partial", "error"));
                        if (t != null) {
                            onTimeout = OnTimeout.valueOf(t.toUpperCase(java.util.Locale.ROOT));
                        }
                    } else if (value instanceof Ast.DurationLit d && (d.nanos() > 0 || name.equals("grace"))) {
                        if (name.equals("timeout")) {
                            timeout = d.nanos();
                        } else {
                            grace = d.nanos();
                        }
                    } else {
                        errors.add(error(source, value.span(), "invalid value for '" + name + "'; valid values are "
                                + (name.equals("timeout") ? "a positive duration" : "a duration") + " such as 2s or 500ms"));
                    }
                }
                default -> throw new IllegalStateException("parameter list and switch disagree on " + name);
            }
        }
        if (onError != OnError.RETRY) {
            for (Ast.BlockParam p : new Ast.BlockParam[] {retriesParam, backoffParam}) {
                if (p != null) {
                    errors.add(error(source, p.span(), "'" + p.name() + "' applies only with on_error=Retry"));
                }
            }
        }
        if (errorsParam != null && onError != OnError.AUTO) {
            errors.add(error(source, errorsParam.span(), "'errors' applies only with on_error=Auto"));
            errorsName = null;
        }
        if (input != null && output != null && input.equals(output)) {
            errors.add(error(source, block.span(), "'input' and 'ch' name the same channel '" + input + "'"));
        }
        return new BlockConfig(block.kind(), output, input, mode, handle, cores, pin, onError, retries, backoff,
                errorsName, timeout, grace, onTimeout, block.span());
    }

    private static String nameValue(Ast.BlockParam param, Source source, List<Diagnostic> errors, String what) {
        if (param.value() instanceof Ast.Name n) {
            return n.name();
        }
        errors.add(error(source, param.value().span(), "'" + param.name() + "' must be " + what));
        return null;
    }

    private static String choice(Ast.BlockParam param, Source source, List<Diagnostic> errors, List<String> choices) {
        if (param.value() instanceof Ast.Name n && choices.contains(n.name())) {
            return n.name();
        }
        errors.add(error(source, param.value().span(), "invalid value for '" + param.name()
                + "'; valid values are " + String.join(", ", choices)));
        return null;
    }

    private static Diagnostic error(Source source, Span span, String message) {
        return new Diagnostic(null, message, source, span);
    }
}
