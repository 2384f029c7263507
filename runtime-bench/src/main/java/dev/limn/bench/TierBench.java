package dev.limn.bench;

import dev.limn.api.Instance;
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
import org.mozilla.javascript.ScriptableObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.nashorn.api.scripting.NashornScriptEngineFactory;
import org.openjdk.nashorn.api.scripting.ScriptObjectMirror;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.script.ScriptEngine;
import javax.script.ScriptException;

/**
 * The compiled tier in steady state: five sequential workloads as Limn functions called from
 * Java, with the tier off and on ({@code @Param tier}: {@code off}, {@code auto}), beside the
 * same algorithm in plain Java and in the peers embedded in the same JVM. One operation is one
 * call of the workload's function; it returns the workload's result, which JMH consumes.
 *
 * <p>Workloads ({@link Workload}; B1–B6 the algorithms of the whole-process peer programs B1, B2, B3
 * and B6, one function each):
 * <ul>
 *   <li>B1: the sum of {@code i} over {@code [0, 100M)} with {@code iter (i in 0..<N) { s += i; }};</li>
 *   <li>B2: naive recursive {@code fib(32)};</li>
 *   <li>B3: a 600×400 Mandelbrot, x in [-2, 1), y in [-1, 1), at most 200 iterations a point;
 *       the total of the iterations;</li>
 *   <li>B6: the sequential kernel of the parallel sum, {@code s += (i * i) % 7} over
 *       {@code [0, 20M)} as one {@code while} loop in one task (no parallel block). The peer
 *       programs run it over 200M; here it is scaled down to 20M for every engine alike, because
 *       one interpreted run over 200M took about 4.6 s ({@code limn run --tier off}, whole
 *       process), which would leave one or two operations an iteration.</li>
 *   <li>B8: code as programs are written rather than a kernel: a list grown to 1M floats, each
 *       from a small function called with an int and a float ({@code x * k + 0.5}), then summed
 *       by index; the sum truncated to an int (exact: every term is a multiple of 0.25).</li>
 * </ul>
 *
 * <p>Engines and the path measured (each set up once per trial, in the forks of its benchmarks only):
 * <ul>
 *   <li>Limn ({@code bN_limn}): a {@link LimnRuntime} with one carrier and the tier of the
 *       parameter, the program with every workload as a top-level {@code fn bN()} loaded once,
 *       and {@link Instance#call} by name on the benchmark thread;</li>
 *   <li>plain Java ({@code bN_java}): the same algorithm as a user would write it, with
 *       {@code long} arithmetic and no overflow checks;</li>
 *   <li>Nashorn ({@code bN_nashorn}): {@code ScriptObjectMirror.call} on the function fetched
 *       once, the faster of the two paths of {@link CallLatencyBench};</li>
 *   <li>Rhino compiling to JVM classes ({@code bN_rhinoCompiled}): {@code Function.call} in a
 *       context entered on the benchmark thread for the trial. Rhino 1.8 has one compiled mode:
 *       its {@code setOptimizationLevel(9)} is {@code setInterpretedMode(false)}, which this uses;</li>
 *   <li>LuaJ ({@code bN_luajInterp}, {@code bN_luajLuajc}): {@code LuaValue.call} on the global
 *       function, with the interpreter and with the LuaJC bytecode compiler.</li>
 * </ul>
 * JavaScript and LuaJ compute with doubles. Every B1–B3 value is an integer below 2^53, so
 * their results are exact; B6's {@code i * i} is not (it passes 2^53 past i ≈ 9.5 × 10^7), so
 * their B6 computes each term as {@code ((i % 7) * (i % 7)) % 7}, equal and one modulo more per
 * term, as the whole-process JavaScript peer does.
 *
 * <p>Every engine's setup runs its benchmark's workload once and fails the trial unless the
 * result equals plain Java's ({@link #check}); {@code TierBenchTest} runs every engine on every
 * workload at a small scale, and plain Java at full scale against the peers' printed results.
 *
 * <p>Run (average time, ms/op, with B/op from the GC profiler; the defaults below):
 * <pre>
 *   runtime-bench/run.sh TierBench -f 1 -wi 3 -w 2s -i 5 -r 2s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TierBench {
    /** The scale of each workload; the sources of every language are filled in from one. */
    record Sizes(long loop, int fib, int width, int height, int maxIterations, long kernel, int mixed) {
        /** The scale measured. */
        static final Sizes FULL = new Sizes(100_000_000, 32, 600, 400, 200, 20_000_000, 1_000_000);

        private static final Pattern SLOT = Pattern.compile("\\$\\{(\\w+)}");

        /** {@code template} with each {@code ${name}} replaced by this scale's component of that name. */
        String fill(String template) {
            Map<String, Object> values = Map.of("loop", loop, "fib", fib, "width", width, "height", height,
                    "maxIterations", maxIterations, "kernel", kernel, "mixed", mixed);
            Matcher m = SLOT.matcher(template);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                Object value = values.get(m.group(1));
                if (value == null) {
                    throw new IllegalArgumentException("no size named " + m.group(1) + " in " + this);
                }
                m.appendReplacement(out, value.toString());
            }
            return m.appendTail(out).toString();
        }
    }

    /**
     * The workloads, each with its plain-Java result and its function in Limn, JavaScript and
     * Lua: the four versions of one workload sit together and must change together.
     */
    enum Workload {
        B1 {
            @Override
            long java(Sizes s) {
                return loop(s.loop());
            }

            @Override
            String limn() {
                return """
                        fn b1() {
                            var s = 0;
                            iter (i in 0..<${loop}) { s += i; }
                            return s;
                        }
                        """;
            }

            @Override
            String js() {
                return """
                        function b1() {
                          var s = 0;
                          for (var i = 0; i < ${loop}; i++) {
                            s += i;
                          }
                          return s;
                        }
                        """;
            }

            @Override
            String lua() {
                return """
                        function b1()
                          local s = 0
                          for i = 0, ${loop} - 1 do
                            s = s + i
                          end
                          return s
                        end
                        """;
            }
        },
        B2 {
            @Override
            long java(Sizes s) {
                return fib(s.fib());
            }

            @Override
            String limn() {
                return """
                        fn fib(n) {
                            if (n < 2) { return n; }
                            return fib(n - 1) + fib(n - 2);
                        }
                        fn b2() { return fib(${fib}); }
                        """;
            }

            @Override
            String js() {
                return """
                        function fib(n) {
                          if (n < 2) return n;
                          return fib(n - 1) + fib(n - 2);
                        }
                        function b2() { return fib(${fib}); }
                        """;
            }

            @Override
            String lua() {
                return """
                        local function fib(n)
                          if n < 2 then return n end
                          return fib(n - 1) + fib(n - 2)
                        end
                        function b2() return fib(${fib}) end
                        """;
            }
        },
        B3 {
            @Override
            long java(Sizes s) {
                return mandelbrot(s.width(), s.height(), s.maxIterations());
            }

            @Override
            String limn() {
                return """
                        fn b3() {
                            var total = 0;
                            iter (py in 0..<${height}) {
                                var ci = -1.0 + py * (2.0 / ${height}.0);
                                iter (px in 0..<${width}) {
                                    var cr = -2.0 + px * (3.0 / ${width}.0);
                                    var zr = 0.0;
                                    var zi = 0.0;
                                    var n = 0;
                                    while (n < ${maxIterations}) {
                                        var zr2 = zr * zr;
                                        var zi2 = zi * zi;
                                        if (zr2 + zi2 > 4.0) { break; }
                                        zi = 2.0 * zr * zi + ci;
                                        zr = zr2 - zi2 + cr;
                                        n += 1;
                                    }
                                    total += n;
                                }
                            }
                            return total;
                        }
                        """;
            }

            @Override
            String js() {
                return """
                        function b3() {
                          var w = ${width}, h = ${height}, maxit = ${maxIterations};
                          var total = 0;
                          for (var py = 0; py < h; py++) {
                            var ci = -1.0 + py * (2.0 / ${height}.0);
                            for (var px = 0; px < w; px++) {
                              var cr = -2.0 + px * (3.0 / ${width}.0);
                              var zr = 0.0, zi = 0.0;
                              var i = 0;
                              while (i < maxit) {
                                var zr2 = zr * zr, zi2 = zi * zi;
                                if (zr2 + zi2 > 4.0) break;
                                zi = 2.0 * zr * zi + ci;
                                zr = zr2 - zi2 + cr;
                                i++;
                              }
                              total += i;
                            }
                          }
                          return total;
                        }
                        """;
            }

            @Override
            String lua() {
                return """
                        function b3()
                          local w, h, maxit = ${width}, ${height}, ${maxIterations}
                          local total = 0
                          for py = 0, h - 1 do
                            local ci = -1.0 + py * (2.0 / ${height}.0)
                            for px = 0, w - 1 do
                              local cr = -2.0 + px * (3.0 / ${width}.0)
                              local zr, zi = 0.0, 0.0
                              local i = 0
                              while i < maxit do
                                local zr2, zi2 = zr * zr, zi * zi
                                if zr2 + zi2 > 4.0 then break end
                                zi = 2.0 * zr * zi + ci
                                zr = zr2 - zi2 + cr
                                i = i + 1
                              end
                              total = total + i
                            end
                          end
                          return total
                        end
                        """;
            }
        },
        B6 {
            @Override
            long java(Sizes s) {
                return kernel(s.kernel());
            }

            @Override
            String limn() {
                return """
                        fn b6() {
                            var s = 0;
                            var i = 0;
                            while (i < ${kernel}) { s += (i * i) % 7; i += 1; }
                            return s;
                        }
                        """;
            }

            @Override
            String js() {
                return """
                        function b6() {
                          var s = 0;
                          for (var i = 0; i < ${kernel}; i++) {
                            var r = i % 7;
                            s += (r * r) % 7;
                          }
                          return s;
                        }
                        """;
            }

            @Override
            String lua() {
                return """
                        function b6()
                          local s = 0
                          for i = 0, ${kernel} - 1 do
                            local r = i % 7
                            s = s + (r * r) % 7
                          end
                          return s
                        end
                        """;
            }
        },
        B8 {
            @Override
            long java(Sizes s) {
                return mixed(s.mixed());
            }

            @Override
            String limn() {
                return """
                        fn scale(x, k) { return x * k + 0.5; }
                        fn b8() {
                            var xs = [];
                            iter (i in 0..<${mixed}) { xs.push(scale(i % 1000, 0.25)); }
                            var s = 0.0;
                            iter (i in 0..<len(xs)) { s += xs[i]; }
                            return int(s);
                        }
                        """;
            }

            @Override
            String js() {
                return """
                        function scale(x, k) { return x * k + 0.5; }
                        function b8() {
                          var xs = [];
                          for (var i = 0; i < ${mixed}; i++) { xs.push(scale(i % 1000, 0.25)); }
                          var s = 0.0;
                          for (var j = 0; j < xs.length; j++) { s += xs[j]; }
                          return Math.floor(s);
                        }
                        """;
            }

            @Override
            String lua() {
                return """
                        local function scale(x, k) return x * k + 0.5 end
                        function b8()
                          local xs = {}
                          for i = 0, ${mixed} - 1 do xs[#xs + 1] = scale(i % 1000, 0.25) end
                          local s = 0.0
                          for i = 1, #xs do s = s + xs[i] end
                          return math.floor(s)
                        end
                        """;
            }
        };

        /** Plain Java's result at scale {@code s}: the result every engine must return. */
        abstract long java(Sizes s);

        abstract String limn();

        abstract String js();

        abstract String lua();

        /** The name of the workload's function in every language. */
        String function() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The workload of a benchmark named {@code ...TierBench.bN_engine}. */
        static Workload of(String benchmark) {
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            int end = method.indexOf('_');
            for (Workload w : values()) {
                if (end > 0 && w.function().equals(method.substring(0, end))) {
                    return w;
                }
            }
            throw new IllegalArgumentException("benchmark " + benchmark + " is not named bN_engine for a workload bN");
        }

        static Workload of(BenchmarkParams params) {
            return of(params.getBenchmark());
        }

        /** One program with every workload's function, in the language {@code source} picks. */
        static String program(Sizes sizes, java.util.function.Function<Workload, String> source) {
            return sizes.fill(Arrays.stream(values()).map(source).collect(Collectors.joining("\n")));
        }
    }

    /** The scale of the plain-Java benchmarks (a field, as each engine's scale is in its source). */
    Sizes sizes = Sizes.FULL;

    // ---- plain Java --------------------------------------------------------------------------------

    static long loop(long n) {
        long s = 0;
        for (long i = 0; i < n; i++) {
            s += i;
        }
        return s;
    }

    static long fib(long n) {
        if (n < 2) {
            return n;
        }
        return fib(n - 1) + fib(n - 2);
    }

    static long mandelbrot(int w, int h, int maxit) {
        long total = 0;
        for (int py = 0; py < h; py++) {
            double ci = -1.0 + py * (2.0 / h);
            for (int px = 0; px < w; px++) {
                double cr = -2.0 + px * (3.0 / w);
                double zr = 0.0;
                double zi = 0.0;
                int i = 0;
                while (i < maxit) {
                    double zr2 = zr * zr;
                    double zi2 = zi * zi;
                    if (zr2 + zi2 > 4.0) {
                        break;
                    }
                    zi = 2.0 * zr * zi + ci;
                    zr = zr2 - zi2 + cr;
                    i++;
                }
                total += i;
            }
        }
        return total;
    }

    static long kernel(long n) {
        long s = 0;
        for (long i = 0; i < n; i++) {
            s += (i * i) % 7;
        }
        return s;
    }

    static double scale(long x, double k) {
        return x * k + 0.5;
    }

    static long mixed(int n) {
        ArrayList<Double> xs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            xs.add(scale(i % 1000, 0.25));
        }
        double s = 0.0;
        for (int i = 0; i < xs.size(); i++) {
            s += xs.get(i);
        }
        return (long) s;
    }

    @Benchmark
    public long b1_java() {
        return loop(sizes.loop());
    }

    @Benchmark
    public long b2_java() {
        return fib(sizes.fib());
    }

    @Benchmark
    public long b3_java() {
        return mandelbrot(sizes.width(), sizes.height(), sizes.maxIterations());
    }

    @Benchmark
    public long b6_java() {
        return kernel(sizes.kernel());
    }

    @Benchmark
    public long b8_java() {
        return mixed(sizes.mixed());
    }

    // ---- Limn --------------------------------------------------------------------------------------

    @Benchmark
    public Object b1_limn(LimnState limn) {
        return limn.instance.call("b1");
    }

    @Benchmark
    public Object b2_limn(LimnState limn) {
        return limn.instance.call("b2");
    }

    @Benchmark
    public Object b3_limn(LimnState limn) {
        return limn.instance.call("b3");
    }

    @Benchmark
    public Object b6_limn(LimnState limn) {
        return limn.instance.call("b6");
    }

    @Benchmark
    public Object b8_limn(LimnState limn) {
        return limn.instance.call("b8");
    }

    /** A runtime with one carrier and the tier of the parameter, and the program loaded once. */
    @State(Scope.Thread)
    public static class LimnState {
        @Param({"off", "auto"})
        public String tier;

        LimnRuntime runtime;
        Instance instance;

        @Setup(Level.Trial)
        public void open(BenchmarkParams params) {
            load(Sizes.FULL, Workload.of(params));
        }

        /** Builds the runtime, loads the program at {@code sizes} and checks the workloads given. */
        void load(Sizes sizes, Workload... checked) {
            runtime = LimnRuntime.builder().carriers(1).tier(tier).build();
            instance = runtime.load(runtime.compile("tier.lm", Workload.program(sizes, Workload::limn)));
            for (Workload w : checked) {
                check("Limn, tier " + tier, w, sizes, instance.call(w.function()));
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            runtime.close();
        }
    }

    // ---- Nashorn -----------------------------------------------------------------------------------

    @Benchmark
    public Object b1_nashorn(Nashorn js) {
        return js.b1.call(null);
    }

    @Benchmark
    public Object b2_nashorn(Nashorn js) {
        return js.b2.call(null);
    }

    @Benchmark
    public Object b3_nashorn(Nashorn js) {
        return js.b3.call(null);
    }

    @Benchmark
    public Object b6_nashorn(Nashorn js) {
        return js.b6.call(null);
    }

    @Benchmark
    public Object b8_nashorn(Nashorn js) {
        return js.b8.call(null);
    }

    /** The functions fetched once from a Nashorn engine, called through their mirrors. */
    @State(Scope.Thread)
    public static class Nashorn {
        ScriptObjectMirror b1;
        ScriptObjectMirror b2;
        ScriptObjectMirror b3;
        ScriptObjectMirror b6;
        ScriptObjectMirror b8;

        @Setup(Level.Trial)
        public void open(BenchmarkParams params) throws ScriptException {
            load(Sizes.FULL, Workload.of(params));
        }

        void load(Sizes sizes, Workload... checked) throws ScriptException {
            ScriptEngine engine = new NashornScriptEngineFactory().getScriptEngine();
            engine.eval(Workload.program(sizes, Workload::js));
            b1 = (ScriptObjectMirror) engine.get("b1");
            b2 = (ScriptObjectMirror) engine.get("b2");
            b3 = (ScriptObjectMirror) engine.get("b3");
            b6 = (ScriptObjectMirror) engine.get("b6");
            b8 = (ScriptObjectMirror) engine.get("b8");
            for (Workload w : checked) {
                check("Nashorn", w, sizes, ((ScriptObjectMirror) engine.get(w.function())).call(null));
            }
        }
    }

    // ---- Rhino -------------------------------------------------------------------------------------

    @Benchmark
    public Object b1_rhinoCompiled(RhinoCompiled js) {
        return js.b1.call(js.cx, js.scope, js.scope, Context.emptyArgs);
    }

    @Benchmark
    public Object b2_rhinoCompiled(RhinoCompiled js) {
        return js.b2.call(js.cx, js.scope, js.scope, Context.emptyArgs);
    }

    @Benchmark
    public Object b3_rhinoCompiled(RhinoCompiled js) {
        return js.b3.call(js.cx, js.scope, js.scope, Context.emptyArgs);
    }

    @Benchmark
    public Object b6_rhinoCompiled(RhinoCompiled js) {
        return js.b6.call(js.cx, js.scope, js.scope, Context.emptyArgs);
    }

    @Benchmark
    public Object b8_rhinoCompiled(RhinoCompiled js) {
        return js.b8.call(js.cx, js.scope, js.scope, Context.emptyArgs);
    }

    /**
     * Rhino compiling the program to JVM classes. A Rhino context belongs to one thread: it is
     * entered in setup and exited in teardown, both on the benchmark thread.
     */
    @State(Scope.Thread)
    public static class RhinoCompiled {
        Context cx;
        Scriptable scope;
        Function b1;
        Function b2;
        Function b3;
        Function b6;
        Function b8;

        @Setup(Level.Trial)
        public void open(BenchmarkParams params) {
            load(Sizes.FULL, Workload.of(params));
        }

        void load(Sizes sizes, Workload... checked) {
            cx = new ContextFactory().enterContext();
            cx.setInterpretedMode(false);
            scope = cx.initStandardObjects();
            cx.evaluateString(scope, Workload.program(sizes, Workload::js), "tier.js", 1, null);
            b1 = function("b1");
            b2 = function("b2");
            b3 = function("b3");
            b6 = function("b6");
            b8 = function("b8");
            for (Workload w : checked) {
                check("Rhino compiled", w, sizes, function(w.function()).call(cx, scope, scope, Context.emptyArgs));
            }
        }

        /** Compiled mode defines the script's classes in a class loader of their own; interpreted mode does not. */
        private Function function(String name) {
            Function f = (Function) ScriptableObject.getProperty(scope, name);
            if (f.getClass().getClassLoader() == Context.class.getClassLoader()) {
                throw new IllegalStateException("Rhino: " + name + " is a " + f.getClass().getName() + ", not compiled");
            }
            return f;
        }

        @TearDown(Level.Trial)
        public void close() {
            Context.exit();
        }
    }

    // ---- LuaJ --------------------------------------------------------------------------------------

    @Benchmark
    public LuaValue b1_luajInterp(LuajInterpreted lua) {
        return lua.b1.call();
    }

    @Benchmark
    public LuaValue b2_luajInterp(LuajInterpreted lua) {
        return lua.b2.call();
    }

    @Benchmark
    public LuaValue b3_luajInterp(LuajInterpreted lua) {
        return lua.b3.call();
    }

    @Benchmark
    public LuaValue b6_luajInterp(LuajInterpreted lua) {
        return lua.b6.call();
    }

    @Benchmark
    public LuaValue b8_luajInterp(LuajInterpreted lua) {
        return lua.b8.call();
    }

    @Benchmark
    public LuaValue b1_luajLuajc(LuajCompiled lua) {
        return lua.b1.call();
    }

    @Benchmark
    public LuaValue b2_luajLuajc(LuajCompiled lua) {
        return lua.b2.call();
    }

    @Benchmark
    public LuaValue b3_luajLuajc(LuajCompiled lua) {
        return lua.b3.call();
    }

    @Benchmark
    public LuaValue b6_luajLuajc(LuajCompiled lua) {
        return lua.b6.call();
    }

    @Benchmark
    public LuaValue b8_luajLuajc(LuajCompiled lua) {
        return lua.b8.call();
    }

    /** The program's global functions in LuaJ globals, interpreted or compiled as a subclass says. */
    abstract static class LuajState {
        LuaValue b1;
        LuaValue b2;
        LuaValue b3;
        LuaValue b6;
        LuaValue b8;

        /** Whether the functions are to be LuaJC's classes rather than interpreted closures. */
        abstract boolean compiled();

        @Setup(Level.Trial)
        public void open(BenchmarkParams params) {
            load(Sizes.FULL, Workload.of(params));
        }

        void load(Sizes sizes, Workload... checked) {
            Globals globals = JsePlatform.standardGlobals();
            if (compiled()) {
                LuaJC.install(globals);
            }
            globals.load(Workload.program(sizes, Workload::lua), "tier.lua").call();
            b1 = function(globals, "b1");
            b2 = function(globals, "b2");
            b3 = function(globals, "b3");
            b6 = function(globals, "b6");
            b8 = function(globals, "b8");
            String engine = compiled() ? "LuaJ luajc" : "LuaJ interpreter";
            for (Workload w : checked) {
                check(engine, w, sizes, function(globals, w.function()).call());
            }
        }

        private LuaValue function(Globals globals, String name) {
            LuaValue f = globals.get(name);
            if ((f instanceof LuaClosure) == compiled()) {
                throw new IllegalStateException("LuaJ: " + name + " is a " + f.getClass().getName()
                        + (compiled() ? ", not compiled by LuaJC" : ", not an interpreted closure"));
            }
            return f;
        }
    }

    @State(Scope.Thread)
    public static class LuajInterpreted extends LuajState {
        @Override
        boolean compiled() {
            return false;
        }
    }

    /** LuaJC compiles each chunk to Java classes (with BCEL). */
    @State(Scope.Thread)
    public static class LuajCompiled extends LuajState {
        @Override
        boolean compiled() {
            return true;
        }
    }

    // ---- checks ------------------------------------------------------------------------------------

    /**
     * {@code result}, an integer as a Java number or a LuaJ value whatever the number's type
     * (the JavaScript and Lua peers may return a {@code Double}), if it equals plain Java's
     * result of {@code workload} at {@code sizes}; anything else is an error naming the engine.
     */
    static long check(String engine, Workload workload, Sizes sizes, Object result) {
        long expected = workload.java(sizes);
        Object value = result instanceof LuaValue lua && lua.type() == LuaValue.TNUMBER ? (Object) lua.todouble() : result;
        boolean integral = value instanceof Long || value instanceof Integer
                || value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p53;
        if (!integral || ((Number) value).longValue() != expected) {
            throw new IllegalStateException(engine + ": " + workload.function() + "() returned " + result
                    + (result == null ? "" : " (" + result.getClass().getName() + ")")
                    + ", plain Java computed " + expected);
        }
        return expected;
    }
}
