package dev.limn.lang;

import dev.limn.block.BlockConfig;
import dev.limn.text.Diagnostic;
import dev.limn.text.Source;
import dev.limn.text.Span;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks the parameters of a {@code concurrent(...)} or {@code parallel(...)} block (SPEC §5.1)
 * and builds its {@link BlockConfig}: every invalid name or value is a compile error that lists
 * the valid choices.
 */
final class BlockParameters {
    private BlockParameters() {}

    private static final List<String> CONCURRENT_PARAMS = List.of(
            "ch", "input", "mode", "handle", "cores", "on_error", "retries", "backoff", "errors",
            "timeout", "grace", "on_timeout");
    private static final List<String> PARALLEL_PARAMS = List.of(
            "ch", "cores", "on_error", "retries", "backoff", "errors", "timeout", "grace", "on_timeout", "pin");

    /**
     * Validates {@code block}'s parameters, adding a diagnostic to {@code errors} for each
     * invalid one; returns the configuration (with defaults for what was invalid or absent).
     */
    static BlockConfig of(Ast.BlockStmt block, Source source, List<Diagnostic> errors) {
        boolean parallel = block.kind() == Ast.BlockKind.PARALLEL;
        List<String> valid = parallel ? PARALLEL_PARAMS : CONCURRENT_PARAMS;
        String blockName = parallel ? "parallel" : "concurrent";
        String output = null;
        String input = null;
        String handle = null;
        BlockConfig.Mode mode = BlockConfig.Mode.BATCH;
        int cores = 0;
        boolean pin = false;
        BlockConfig.OnError onError = BlockConfig.OnError.STOP;
        int retries = BlockConfig.DEFAULT_RETRIES;
        long backoff = BlockConfig.DEFAULT_BACKOFF_NANOS;
        String errorsName = null;
        Ast.BlockParam retriesParam = null;
        Ast.BlockParam backoffParam = null;
        Ast.BlockParam errorsParam = null;
        long timeout = 0;
        long grace = BlockConfig.DEFAULT_GRACE_NANOS;
        BlockConfig.OnTimeout onTimeout = BlockConfig.OnTimeout.PARTIAL;
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
                        mode = BlockConfig.Mode.valueOf(m.toUpperCase(java.util.Locale.ROOT));
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
                        onError = BlockConfig.OnError.valueOf(strategy.toUpperCase(java.util.Locale.ROOT));
                    }
                }
                case "retries" -> {
                    retriesParam = param;
                    if (value instanceof Ast.IntLit i && i.value() >= 0 && i.value() <= BlockConfig.MAX_RETRIES) {
                        retries = (int) i.value();
                    } else {
                        errors.add(error(source, value.span(), "invalid value for 'retries'; valid values are an int from 0 to " + BlockConfig.MAX_RETRIES));
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
                            onTimeout = BlockConfig.OnTimeout.valueOf(t.toUpperCase(java.util.Locale.ROOT));
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
        if (onError != BlockConfig.OnError.RETRY) {
            for (Ast.BlockParam p : new Ast.BlockParam[] {retriesParam, backoffParam}) {
                if (p != null) {
                    errors.add(error(source, p.span(), "'" + p.name() + "' applies only with on_error=Retry"));
                }
            }
        }
        if (errorsParam != null && onError != BlockConfig.OnError.AUTO) {
            errors.add(error(source, errorsParam.span(), "'errors' applies only with on_error=Auto"));
            errorsName = null;
        }
        if (input != null && output != null && input.equals(output)) {
            errors.add(error(source, block.span(), "'input' and 'ch' name the same channel '" + input + "'"));
        }
        return new BlockConfig(parallel, output, input, mode, handle, cores, pin, onError, retries, backoff,
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
