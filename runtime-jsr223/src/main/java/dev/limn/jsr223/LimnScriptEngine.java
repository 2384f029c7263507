package dev.limn.jsr223;

import dev.limn.api.Instance;
import dev.limn.api.LimnChannel;
import dev.limn.api.LimnCompileException;
import dev.limn.api.LimnException;
import dev.limn.api.LimnFunction;
import dev.limn.api.LimnRuntime;
import dev.limn.api.Program;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.lang.ref.Cleaner;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.lang.reflect.UndeclaredThrowableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

import javax.script.AbstractScriptEngine;
import javax.script.Bindings;
import javax.script.Compilable;
import javax.script.CompiledScript;
import javax.script.Invocable;
import javax.script.ScriptContext;
import javax.script.ScriptEngine;
import javax.script.ScriptEngineFactory;
import javax.script.ScriptException;
import javax.script.SimpleBindings;

/**
 * A JSR-223 engine for Limn, on the embedding API ({@link LimnRuntime}, {@link Program},
 * {@link Instance}). Get one with {@code new ScriptEngineManager().getEngineByName("limn")}.
 *
 * <h2>What maps to what</h2>
 * <ul>
 *   <li>The engine owns one {@link LimnRuntime} (default carriers: one per processor), built at
 *       its first use and closed by {@link #close()} (or, failing that, when the engine becomes
 *       unreachable). A closed engine throws IllegalStateException.</li>
 *   <li>{@link #eval(String, ScriptContext)} compiles the script and loads it: its top level
 *       runs. The context's ENGINE_SCOPE bindings are the script's host globals, as copies
 *       (a script may assign them; the bindings do not change): every entry whose key is a Limn identifier (not a keyword) and whose value Limn can
 *       take (the table in {@link Instance}: Long/Integer/Short/Byte, Double/Float, Boolean,
 *       String, null, java.time.Duration, List and Map of those, LimnChannel, LimnFunction).
 *       Other entries (such as {@code javax.script.filename}, or a value of another type) are
 *       skipped: the script does not see them. A binding named like a builtin ({@code print},
 *       {@code len}, ...) hides the builtin from the script. The script's own variables are not written back
 *       to the bindings. GLOBAL_SCOPE bindings are not used.</li>
 *   <li>eval returns null: Limn's top level has no value.</li>
 *   <li>{@code print} writes to the context's writer (warnings to its error writer), the one of
 *       the context that the running eval or call was given; for invocations, the engine's
 *       context.</li>
 *   <li>After a successful eval, that script's instance is the engine's current one:
 *       {@link #invokeFunction} and {@link #getInterface(Class)} call its top-level functions,
 *       whose writes to top-level variables persist between calls. Only the last script's
 *       instance is kept: a later successful eval replaces it (functions of an earlier script
 *       are then gone). A failed eval leaves the previous one in place.</li>
 *   <li>A compile error is a ScriptException with the file name, line and column of the first
 *       error (the {@link LimnCompileException}, with every error, is its cause). A Limn error
 *       is a ScriptException with the line and column where it was raised and the
 *       {@link LimnException} as cause. A binding or argument Limn cannot take in an
 *       invocation is a ScriptException too.</li>
 *   <li>{@link #compile(String)} compiles once against the keys of the engine's ENGINE_SCOPE
 *       bindings at that moment (filtered as above); each {@link CompiledScript#eval} loads it
 *       anew and needs those same keys, with values Limn can take, in its context's
 *       ENGINE_SCOPE (any other keys are ignored).</li>
 *   <li>Limn has no objects: {@link #invokeMethod} and {@link #getInterface(Object, Class)}
 *       throw IllegalArgumentException.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * The engine may be used from several threads. Executions of one engine (eval, compiled eval,
 * invokeFunction, calls through getInterface proxies) run one at a time, in arrival order, on
 * the engine's fair lock; see {@link LimnScriptEngineFactory} for the THREADING parameter.
 */
public final class LimnScriptEngine extends AbstractScriptEngine implements Compilable, Invocable, AutoCloseable {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> KEYWORDS = Set.of("var", "fn", "async", "await", "return", "if", "elif",
            "else", "while", "for", "iter", "in", "from", "break", "continue", "true", "false", "nil",
            "concurrent", "parallel", "task", "worker", "attempt", "handle", "and", "or", "not");
    private static final String DEFAULT_FILE = "<eval>";
    private static final Cleaner CLEANER = Cleaner.create();

    private final ScriptEngineFactory factory;
    /** What the runtime's threads may reach: never the engine, so that an unreachable engine is cleaned. */
    private final Shared shared = new Shared();
    private final Cleaner.Cleanable cleanable;
    /** The instance of the last script evaluated successfully. */
    private volatile Instance last;

    public LimnScriptEngine() {
        this(new LimnScriptEngineFactory());
    }

    LimnScriptEngine(ScriptEngineFactory factory) {
        this.factory = factory;
        shared.defaultContext = context;
        cleanable = CLEANER.register(this, shared);
    }

    /** The runtime, its lock and where print goes now. */
    private static final class Shared implements Runnable {
        final ReentrantLock lock = new ReentrantLock(true);
        volatile ScriptContext defaultContext;
        volatile ScriptContext active;
        private LimnRuntime runtime;
        private boolean closed;

        synchronized LimnRuntime runtime() {
            if (closed) {
                throw new IllegalStateException("the Limn script engine is closed");
            }
            if (runtime == null) {
                runtime = LimnRuntime.builder()
                        .out(new PrintStream(new WriterOutputStream(() -> writer(false)), true, StandardCharsets.UTF_8))
                        .err(new PrintStream(new WriterOutputStream(() -> writer(true)), true, StandardCharsets.UTF_8))
                        .build();
            }
            return runtime;
        }

        private Writer writer(boolean error) {
            ScriptContext c = active;
            if (c == null) {
                c = defaultContext;
            }
            return c == null ? null : error ? c.getErrorWriter() : c.getWriter();
        }

        /** Closes the runtime (the engine's close, or the cleaner's). */
        @Override
        public void run() {
            LimnRuntime rt;
            synchronized (this) {
                closed = true;
                rt = runtime;
                runtime = null;
            }
            if (rt != null) {
                rt.close();
            }
        }
    }

    @FunctionalInterface
    private interface Body<T> {
        T run() throws ScriptException;
    }

    /** Runs {@code body} as the engine's next execution, printing to {@code ctx}'s writers. */
    private <T> T execute(ScriptContext ctx, Body<T> body) throws ScriptException {
        shared.lock.lock();
        ScriptContext before = shared.active;
        shared.active = ctx;
        try {
            return body.run();
        } catch (LimnException e) {
            throw scriptException(e);
        } catch (IllegalArgumentException e) {
            throw withCause(new ScriptException(e.getMessage()), e);
        } finally {
            shared.active = before;
            shared.lock.unlock();
        }
    }

    private static ScriptException withCause(ScriptException se, Throwable cause) {
        se.initCause(cause);
        return se;
    }

    private static ScriptException scriptException(LimnException e) {
        return withCause(new ScriptException(e.kind() + ": " + e.detail(), e.file(),
                e.line() > 0 ? e.line() : -1, e.column() > 0 ? e.column() : -1), e);
    }

    private static ScriptException scriptException(LimnCompileException e) {
        List<LimnCompileException.Diagnostic> ds = e.diagnostics();
        if (ds.isEmpty()) {
            return withCause(new ScriptException(e.getMessage()), e);
        }
        LimnCompileException.Diagnostic first = ds.getFirst();
        StringBuilder message = new StringBuilder(first.message());
        if (ds.size() > 1) {
            message.append(" (and ").append(ds.size() - 1).append(" more:");
            for (LimnCompileException.Diagnostic d : ds.subList(1, ds.size())) {
                message.append(' ').append(d.file()).append(':').append(d.line()).append(':').append(d.column())
                        .append(": ").append(d.message()).append(';');
            }
            message.setLength(message.length() - 1);
            message.append(')');
        }
        return withCause(new ScriptException(message.toString(), first.file(),
                first.line() > 0 ? first.line() : -1, first.column() > 0 ? first.column() : -1), e);
    }

    // ------------------------------------------------------------------ eval

    @Override
    public Object eval(String script, ScriptContext ctx) throws ScriptException {
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(ctx, "context");
        Map<String, Object> globals = hostGlobals(ctx.getBindings(ScriptContext.ENGINE_SCOPE));
        Program program = compile(fileName(ctx), script, globals.keySet());
        return load(program, globals, ctx);
    }

    @Override
    public Object eval(Reader reader, ScriptContext ctx) throws ScriptException {
        return eval(read(reader), ctx);
    }

    private Program compile(String file, String script, Set<String> globals) throws ScriptException {
        LimnRuntime rt = shared.runtime();
        try {
            return rt.compile(file, script, globals);
        } catch (LimnCompileException e) {
            throw scriptException(e);
        } catch (IllegalArgumentException e) {
            throw withCause(new ScriptException(e.getMessage()), e);
        }
    }

    private Object load(Program program, Map<String, Object> globals, ScriptContext ctx) throws ScriptException {
        LimnRuntime rt = shared.runtime();
        return execute(ctx, () -> {
            last = rt.load(program, globals);
            return null;
        });
    }

    private static String fileName(ScriptContext ctx) {
        return ctx.getAttribute(ScriptEngine.FILENAME) instanceof String s && !s.isEmpty() ? s : DEFAULT_FILE;
    }

    private static String read(Reader reader) throws ScriptException {
        Objects.requireNonNull(reader, "reader");
        StringWriter w = new StringWriter();
        try {
            reader.transferTo(w);
        } catch (IOException e) {
            throw withCause(new ScriptException("cannot read the script: " + e), e);
        }
        return w.toString();
    }

    /** The bindings Limn can take as host globals: identifier keys, convertible values. */
    private static Map<String, Object> hostGlobals(Bindings bindings) {
        Map<String, Object> globals = new LinkedHashMap<>();
        if (bindings != null) {
            for (Map.Entry<String, Object> e : bindings.entrySet()) {
                if (isGlobalName(e.getKey()) && convertible(e.getValue())) {
                    globals.put(e.getKey(), e.getValue());
                }
            }
        }
        return globals;
    }

    private static boolean isGlobalName(String key) {
        return key != null && NAME.matcher(key).matches() && !KEYWORDS.contains(key);
    }

    /** Whether Limn can take {@code v} (the table in {@link Instance}'s documentation). */
    static boolean convertible(Object v) {
        return convertible(v, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private static boolean convertible(Object v, Set<Object> seen) {
        return switch (v) {
            case null -> true;
            case Long l -> true;
            case Integer i -> true;
            case Short s -> true;
            case Byte b -> true;
            case Double d -> true;
            case Float f -> true;
            case Boolean b -> true;
            case String s -> true;
            case Duration d -> true;
            case LimnChannel c -> true;
            case LimnFunction f -> true;
            case List<?> list -> {
                if (!seen.add(list)) {
                    yield true;
                }
                for (Object item : list) {
                    if (!convertible(item, seen)) {
                        yield false;
                    }
                }
                yield true;
            }
            case Map<?, ?> map -> {
                if (!seen.add(map)) {
                    yield true;
                }
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!convertible(e.getKey(), seen) || !convertible(e.getValue(), seen)) {
                        yield false;
                    }
                }
                yield true;
            }
            default -> false;
        };
    }

    @Override
    public Bindings createBindings() {
        return new SimpleBindings();
    }

    @Override
    public ScriptEngineFactory getFactory() {
        return factory;
    }

    @Override
    public void setContext(ScriptContext ctx) {
        super.setContext(ctx);
        shared.defaultContext = ctx;
    }

    /** Closes the engine's runtime: running scripts and calls are cancelled; later use throws IllegalStateException. Idempotent. */
    @Override
    public void close() {
        last = null;
        cleanable.clean();
    }

    // ------------------------------------------------------------------ Compilable

    @Override
    public CompiledScript compile(String script) throws ScriptException {
        Objects.requireNonNull(script, "script");
        ScriptContext ctx = getContext();
        Map<String, Object> globals = hostGlobals(ctx.getBindings(ScriptContext.ENGINE_SCOPE));
        return new Compiled(compile(fileName(ctx), script, globals.keySet()));
    }

    @Override
    public CompiledScript compile(Reader script) throws ScriptException {
        return compile(read(script));
    }

    /** A compiled Limn script: each eval loads the same Program anew. */
    private final class Compiled extends CompiledScript {
        private final Program program;

        Compiled(Program program) {
            this.program = program;
        }

        @Override
        public Object eval(ScriptContext ctx) throws ScriptException {
            Objects.requireNonNull(ctx, "context");
            Bindings bindings = ctx.getBindings(ScriptContext.ENGINE_SCOPE);
            Map<String, Object> globals = new LinkedHashMap<>();
            List<String> missing = new ArrayList<>();
            List<String> unfit = new ArrayList<>();
            for (String g : program.hostGlobals()) {
                if (bindings == null || !bindings.containsKey(g)) {
                    missing.add(g);
                } else if (!convertible(bindings.get(g))) {
                    unfit.add(g + " (" + bindings.get(g).getClass().getName() + ")");
                } else {
                    globals.put(g, bindings.get(g));
                }
            }
            if (!missing.isEmpty() || !unfit.isEmpty()) {
                throw new ScriptException(program.name() + " was compiled with the ENGINE_SCOPE bindings "
                        + program.hostGlobals() + " as its globals; "
                        + (missing.isEmpty() ? "" : "missing now: " + missing)
                        + (!missing.isEmpty() && !unfit.isEmpty() ? "; " : "")
                        + (unfit.isEmpty() ? "" : "values Limn cannot take: " + unfit));
            }
            return load(program, globals, ctx);
        }

        @Override
        public ScriptEngine getEngine() {
            return LimnScriptEngine.this;
        }
    }

    // ------------------------------------------------------------------ Invocable

    /**
     * Calls top-level function {@code name} of the last script evaluated, printing to the
     * engine's context.
     *
     * @throws NoSuchMethodException if no script has been evaluated, or it has no top-level function of that name
     * @throws ScriptException       for a Limn error, or an argument Limn cannot take
     */
    @Override
    public Object invokeFunction(String name, Object... args) throws ScriptException, NoSuchMethodException {
        Objects.requireNonNull(name, "name");
        LimnFunction fn = function(last, name);
        Object[] a = args == null ? new Object[0] : args;
        return execute(getContext(), () -> fn.call(a));
    }

    private static LimnFunction function(Instance instance, String name) throws NoSuchMethodException {
        if (instance == null) {
            throw new NoSuchMethodException("no Limn script has been evaluated: no function '" + name + "'");
        }
        try {
            return instance.function(name);
        } catch (IllegalArgumentException e) {
            throw (NoSuchMethodException) new NoSuchMethodException(e.getMessage()).initCause(e);
        }
    }

    /** Limn has no objects: always IllegalArgumentException. */
    @Override
    public Object invokeMethod(Object thiz, String name, Object... args) {
        throw new IllegalArgumentException("Limn has no objects or methods; use invokeFunction(\"" + name + "\", ...)");
    }

    /**
     * A proxy whose abstract methods call the top-level functions of the same name of the last
     * script evaluated (that instance, even after a later eval); null if one is missing. int,
     * long, short, byte, float and double results are converted from Limn's int and float. A
     * Limn error reaches the caller as a ScriptException if the method declares one, else as
     * the LimnException.
     */
    @Override
    public <T> T getInterface(Class<T> type) {
        if (type == null || !type.isInterface()) {
            throw new IllegalArgumentException("not an interface: " + type);
        }
        Instance instance = last;
        Map<Method, LimnFunction> fns = new LinkedHashMap<>();
        for (Method m : type.getMethods()) {
            if (m.isDefault() || Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            try {
                fns.put(m, function(instance, m.getName()));
            } catch (NoSuchMethodException missing) {
                return null;
            }
        }
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> "Limn " + type.getName() + "@" + Integer.toHexString(System.identityHashCode(proxy));
                };
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            LimnFunction fn = fns.get(method);
            Object[] a = args == null ? new Object[0] : args;
            try {
                return coerce(execute(getContext(), () -> fn.call(a)), method.getReturnType());
            } catch (ScriptException e) {
                for (Class<?> declared : method.getExceptionTypes()) {
                    if (declared.isInstance(e)) {
                        throw e;
                    }
                }
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new UndeclaredThrowableException(e);
            }
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    /** Limn's Long and Double as the numeric type a method returns; anything else as it is. */
    private static Object coerce(Object v, Class<?> type) {
        if (type == void.class) {
            return null;
        }
        if (v instanceof Number n) {
            if (type == int.class || type == Integer.class) {
                return n.intValue();
            } else if (type == long.class || type == Long.class) {
                return n.longValue();
            } else if (type == double.class || type == Double.class) {
                return n.doubleValue();
            } else if (type == float.class || type == Float.class) {
                return n.floatValue();
            } else if (type == short.class || type == Short.class) {
                return n.shortValue();
            } else if (type == byte.class || type == Byte.class) {
                return n.byteValue();
            }
        }
        return v;
    }

    /** Limn has no objects: always IllegalArgumentException. */
    @Override
    public <T> T getInterface(Object thiz, Class<T> type) {
        throw new IllegalArgumentException("Limn has no objects; use getInterface(Class)");
    }
}
