package dev.limn.jsr223;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.script.ScriptEngine;
import javax.script.ScriptEngineFactory;

/**
 * The JSR-223 factory of Limn script engines, found by {@link javax.script.ScriptEngineManager}
 * through {@code META-INF/services/javax.script.ScriptEngineFactory}: by the names
 * {@code limn} and {@code Limn}, the extension {@code lm} and the MIME type
 * {@code application/x-limn}.
 *
 * <h2>THREADING</h2>
 * {@link #getParameter getParameter("THREADING")} answers {@code "MULTITHREADED"}: an engine
 * may be used from several threads at once. Its runtime is thread-safe, and every execution of
 * an engine (an {@code eval}, a compiled script's {@code eval}, an {@code invokeFunction}, a call
 * through {@code getInterface}) takes the engine's fair lock, so that each runs with its own
 * {@link javax.script.ScriptContext}'s writer and executions of one engine run one at a time,
 * in arrival order. Their effects are shared, as MULTITHREADED allows: the top-level variables
 * of the last evaluated script persist between invocations and one thread's writes are seen by
 * the next. It is not {@code "THREAD-ISOLATED"} (there is one set of script globals per engine,
 * not one per thread) nor {@code "STATELESS"}. The {@link javax.script.Bindings} themselves
 * ({@link javax.script.SimpleBindings}, a HashMap) are the host's to guard if it changes them
 * from several threads while scripts run.
 */
public final class LimnScriptEngineFactory implements ScriptEngineFactory {
    static final String ENGINE_NAME = "Limn";
    static final String VERSION = "0.1.0";
    static final String LANGUAGE = "Limn";
    static final String THREADING = "MULTITHREADED";

    private static final List<String> NAMES = List.of("limn", "Limn");
    private static final List<String> EXTENSIONS = List.of("lm");
    private static final List<String> MIME_TYPES = List.of("application/x-limn");

    @Override
    public String getEngineName() {
        return ENGINE_NAME;
    }

    @Override
    public String getEngineVersion() {
        return VERSION;
    }

    @Override
    public List<String> getExtensions() {
        return EXTENSIONS;
    }

    @Override
    public List<String> getMimeTypes() {
        return MIME_TYPES;
    }

    @Override
    public List<String> getNames() {
        return NAMES;
    }

    @Override
    public String getLanguageName() {
        return LANGUAGE;
    }

    @Override
    public String getLanguageVersion() {
        return VERSION;
    }

    @Override
    public Object getParameter(String key) {
        return switch (key) {
            case ScriptEngine.NAME -> NAMES.getFirst();
            case ScriptEngine.ENGINE -> ENGINE_NAME;
            case ScriptEngine.ENGINE_VERSION -> VERSION;
            case ScriptEngine.LANGUAGE -> LANGUAGE;
            case ScriptEngine.LANGUAGE_VERSION -> VERSION;
            case "THREADING" -> THREADING;
            default -> null;
        };
    }

    /** {@code name(a, b)}: Limn has no objects, so {@code obj} must be null or empty, else IllegalArgumentException. */
    @Override
    public String getMethodCallSyntax(String obj, String m, String... args) {
        if (obj != null && !obj.isEmpty()) {
            throw new IllegalArgumentException("Limn has no objects or methods; call the top-level function " + m + " directly");
        }
        return m + "(" + String.join(", ", args) + ")";
    }

    /** {@code print(toDisplay)}; {@code toDisplay} is an expression, so a literal string must come quoted. */
    @Override
    public String getOutputStatement(String toDisplay) {
        return "print(" + toDisplay + ")";
    }

    /** The statements, each ended by a semicolon, one per line. */
    @Override
    public String getProgram(String... statements) {
        return Stream.of(statements).map(s -> s.endsWith(";") ? s : s + ";").collect(Collectors.joining("\n")) + "\n";
    }

    @Override
    public ScriptEngine getScriptEngine() {
        return new LimnScriptEngine(this);
    }
}
