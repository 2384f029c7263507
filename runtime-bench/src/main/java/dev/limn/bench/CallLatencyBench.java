package dev.limn.bench;

import dev.limn.api.Instance;
import dev.limn.api.LimnFunction;
import dev.limn.api.LimnRuntime;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;
import org.luaj.vm2.luajc.LuaJC;
import org.mozilla.javascript.Context;
import org.mozilla.javascript.ContextFactory;
import org.mozilla.javascript.Function;
import org.mozilla.javascript.Scriptable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.nashorn.api.scripting.NashornScriptEngineFactory;
import org.openjdk.nashorn.api.scripting.ScriptObjectMirror;

import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import javax.script.Invocable;
import javax.script.ScriptEngine;
import javax.script.ScriptEngineManager;
import javax.script.ScriptException;

/**
 * The latency of one call from Java into a script function, {@code add(a, b) { return a + b }}
 * with the integers 1 and 2, through the embedding API of each peer runtime, beside a plain
 * Java lambda called with boxed {@code Long}s ({@link #javaLambda}). One operation is one
 * call: arguments converted to the peer's values, the call, the result handed back to Java
 * (and consumed by JMH). The function is defined once per trial, in setup.
 *
 * <p>Peers and the path measured:
 * <ul>
 *   <li>LuaJ: {@code LuaValue.call(LuaValue, LuaValue)} on the global {@code add}, with the
 *       interpreter ({@link #luajInterp}) and with the LuaJC bytecode compiler
 *       ({@link #luajLuajc});</li>
 *   <li>Rhino: {@code Function.call} in a {@link Context} entered on the benchmark thread for
 *       the whole trial, compiled to JVM classes ({@link #rhinoCompiled}) and interpreted
 *       ({@link #rhinoInterpreted}); and {@code Invocable.invokeFunction} on the
 *       {@code javax.script} engine "rhino" ({@link #rhinoJsr223}), which enters and exits a
 *       context on every call;</li>
 *   <li>Nashorn: {@code Invocable.invokeFunction} ({@link #nashornJsr223}), and
 *       {@code ScriptObjectMirror.call} on the function fetched once ({@link #nashornMirror});</li>
 *   <li>Limn: {@code LimnFunction.call} on the handle fetched once ({@link #limnFunction}), and
 *       {@code Instance.call} by name ({@link #limnCallByName}).</li>
 * </ul>
 * Every peer's setup makes one call and fails the trial unless it returns 3; each state is
 * set up only in the forks of the benchmarks that use it. The smoke test
 * {@code CallLatencyBenchTest} runs the same setups and one call of each benchmark.
 *
 * <p>Run (average time, ns/op, with B/op from the GC profiler):
 * <pre>
 *   runtime-bench/run.sh CallLatencyBench -f 1 -wi 3 -w 1s -i 5 -r 1s
 * </pre>
 * For percentiles (p50, p90, p99, p99.9...), the same with sample mode:
 * <pre>
 *   runtime-bench/run.sh CallLatencyBench -bm sample -tu ns -f 1 -wi 3 -w 1s -i 5 -r 1s
 * </pre>
 * Sample mode times each call with {@code System.nanoTime}, whose own cost (some 20 ns) and
 * granularity are in every sample: its low percentiles are coarse and shifted up, and are read
 * beside the lambda's; the high ones (p99.9 and above: GC, deoptimization) are the point.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CallLatencyBench {
    static final long EXPECTED = 3;
    static final String LUA_SOURCE = "function add(a,b) return a+b end";
    static final String JS_SOURCE = "function add(a,b){return a+b;}";

    // Arguments and the baseline lambda live in non-final fields so that the JIT cannot
    // constant-fold a call away.
    int a = 1;
    int b = 2;
    BiFunction<Long, Long, Long> add = (x, y) -> x + y;

    @Benchmark
    public Long javaLambda() {
        return add.apply((long) a, (long) b);
    }

    @Benchmark
    public LuaValue luajInterp(LuajInterpreted lua) {
        return lua.add.call(LuaValue.valueOf(a), LuaValue.valueOf(b));
    }

    @Benchmark
    public LuaValue luajLuajc(LuajCompiled lua) {
        return lua.add.call(LuaValue.valueOf(a), LuaValue.valueOf(b));
    }

    @Benchmark
    public Object rhinoCompiled(RhinoCompiled rhino) {
        return rhino.add.call(rhino.cx, rhino.scope, rhino.scope, new Object[] {(long) a, (long) b});
    }

    @Benchmark
    public Object rhinoInterpreted(RhinoInterpreted rhino) {
        return rhino.add.call(rhino.cx, rhino.scope, rhino.scope, new Object[] {(long) a, (long) b});
    }

    @Benchmark
    public Object rhinoJsr223(RhinoEngine rhino) throws ScriptException, NoSuchMethodException {
        return rhino.invocable.invokeFunction("add", (long) a, (long) b);
    }

    @Benchmark
    public Object nashornJsr223(Nashorn nashorn) throws ScriptException, NoSuchMethodException {
        return nashorn.invocable.invokeFunction("add", a, b);
    }

    @Benchmark
    public Object nashornMirror(Nashorn nashorn) {
        return nashorn.add.call(null, a, b);
    }

    @State(Scope.Thread)
    public static class LuajInterpreted {
        LuaValue add;

        @Setup(Level.Trial)
        public void open() {
            add = luajAdd(JsePlatform.standardGlobals());
            if (!(add instanceof LuaClosure)) {
                throw new IllegalStateException("LuaJ interpreter: add is a " + add.getClass());
            }
        }
    }

    /** LuaJC compiles each chunk to a Java class (with BCEL); add is then not an interpreted closure. */
    @State(Scope.Thread)
    public static class LuajCompiled {
        LuaValue add;

        @Setup(Level.Trial)
        public void open() {
            Globals globals = JsePlatform.standardGlobals();
            LuaJC.install(globals);
            add = luajAdd(globals);
            if (add instanceof LuaClosure) {
                throw new IllegalStateException("LuaJC: add was not compiled to bytecode");
            }
        }
    }

    static LuaValue luajAdd(Globals globals) {
        globals.load(LUA_SOURCE, "add.lua").call();
        LuaValue add = globals.get("add");
        check(add.call(LuaValue.valueOf(1), LuaValue.valueOf(2)));
        return add;
    }

    /**
     * A Rhino context with {@code add} compiled in it, in the mode a subclass gives. A Rhino
     * context belongs to one thread: it is entered in setup and exited in teardown, both on
     * the benchmark thread.
     */
    abstract static class RhinoState {
        Context cx;
        Scriptable scope;
        Function add;

        abstract boolean interpreted();

        @Setup(Level.Trial)
        public void open() {
            cx = new ContextFactory().enterContext();
            cx.setInterpretedMode(interpreted());
            scope = cx.initStandardObjects();
            add = rhinoAdd(cx, scope);
        }

        @TearDown(Level.Trial)
        public void close() {
            Context.exit();
        }
    }

    /** Rhino compiling scripts to JVM classes (the old optimization levels 0-9, which Rhino 1.8 no longer tells apart). */
    @State(Scope.Thread)
    public static class RhinoCompiled extends RhinoState {
        @Override
        boolean interpreted() {
            return false;
        }
    }

    /** As {@link RhinoCompiled}, in interpreted mode (the old optimization level -1). */
    @State(Scope.Thread)
    public static class RhinoInterpreted extends RhinoState {
        @Override
        boolean interpreted() {
            return true;
        }
    }

    /** Compiled mode defines a class for add in its own class loader; interpreted mode does not. */
    static Function rhinoAdd(Context cx, Scriptable scope) {
        Function add = cx.compileFunction(scope, JS_SOURCE, "add.js", 1, null);
        boolean compiled = add.getClass().getClassLoader() != Context.class.getClassLoader();
        if (compiled == cx.isInterpretedMode()) {
            throw new IllegalStateException("Rhino: add is a " + add.getClass().getName()
                    + " in " + (cx.isInterpretedMode() ? "interpreted" : "compiled") + " mode");
        }
        check(add.call(cx, scope, scope, new Object[] {1L, 2L}));
        return add;
    }

    /** Rhino through javax.script, found by name as an embedder would (rhino-engine's factory). */
    @State(Scope.Thread)
    public static class RhinoEngine {
        Invocable invocable;

        @Setup(Level.Trial)
        public void open() throws ScriptException, NoSuchMethodException {
            ScriptEngine engine = new ScriptEngineManager().getEngineByName("rhino");
            if (engine == null) {
                throw new IllegalStateException("no javax.script engine named rhino on the class path");
            }
            engine.eval(JS_SOURCE);
            invocable = (Invocable) engine;
            check(invocable.invokeFunction("add", 1L, 2L));
        }
    }

    @State(Scope.Thread)
    public static class Nashorn {
        Invocable invocable;
        ScriptObjectMirror add;

        @Setup(Level.Trial)
        public void open() throws ScriptException, NoSuchMethodException {
            ScriptEngine engine = new NashornScriptEngineFactory().getScriptEngine();
            engine.eval(JS_SOURCE);
            invocable = (Invocable) engine;
            add = (ScriptObjectMirror) engine.get("add");
            check(invocable.invokeFunction("add", 1, 2));
            check(add.call(null, 1, 2));
        }
    }

    /**
     * The integer 3 as a Java number or a LuaJ value, whatever the number's type (the
     * JavaScript peers may return it as a {@code Double}); anything else is an error.
     */
    static long check(Object result) {
        long value;
        if (result instanceof LuaValue lua && lua.isinttype()) {
            value = lua.tolong();
        } else if (result instanceof Number number && number.doubleValue() == number.longValue()) {
            value = number.longValue();
        } else {
            throw new IllegalStateException("add(1, 2) returned " + result
                    + (result == null ? "" : " (" + result.getClass().getName() + ")"));
        }
        if (value != EXPECTED) {
            throw new IllegalStateException("add(1, 2) returned " + value + ", expected " + EXPECTED);
        }
        return value;
    }

    @Benchmark
    public Object limnFunction(LimnState limn) {
        return limn.add.call((long) a, (long) b);
    }

    @Benchmark
    public Object limnCallByName(LimnState limn) {
        return limn.instance.call("add", (long) a, (long) b);
    }

    /** Limn: {@code LimnFunction.call} on a handle fetched once, and {@code Instance.call} by name. */
    @State(Scope.Thread)
    public static class LimnState {
        LimnRuntime runtime;
        Instance instance;
        LimnFunction add;

        @Setup(Level.Trial)
        public void open() {
            runtime = LimnRuntime.builder().carriers(1).build();
            instance = runtime.load(runtime.compile("add.lm", "fn add(a, b) { return a + b; }\n"));
            add = instance.function("add");
            check(add.call(1L, 2L));
            check(instance.call("add", 1L, 2L));
        }

        @TearDown(Level.Trial)
        public void close() {
            runtime.close();
        }
    }
}
