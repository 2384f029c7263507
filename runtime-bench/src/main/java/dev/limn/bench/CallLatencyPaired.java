package dev.limn.bench;

import dev.limn.api.Instance;
import dev.limn.api.LimnFunction;
import dev.limn.api.LimnRuntime;

import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;
import org.openjdk.nashorn.api.scripting.NashornScriptEngineFactory;
import org.openjdk.nashorn.api.scripting.ScriptObjectMirror;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import javax.script.ScriptEngine;

/**
 * {@link CallLatencyBench}'s calls of {@code add(1, 2)} (Limn's {@code LimnFunction.call},
 * Nashorn's {@code ScriptObjectMirror.call}, LuaJ's interpreted {@code LuaValue.call}), timed
 * in alternating rounds in one JVM. On a shared machine whose speed
 * drifts by half between minutes, JMH's benchmarks, run one after another, can land in
 * different phases; rounds that alternate put each engine in the same ones, so the ratios
 * between engines hold even when the absolute figures move. Reports each engine's minimum,
 * lower quartile and median over the rounds (after the first quarter, taken as warm-up), by
 * the thread's CPU time and by wall-clock time.
 *
 * <pre>
 *   java $(cat runtime-bench/target/jvm.flags) -cp runtime-bench/target/benchmarks.jar \
 *       dev.limn.bench.CallLatencyPaired [rounds] [calls per round]
 * </pre>
 */
public final class CallLatencyPaired {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private CallLatencyPaired() {
    }

    static final String[] NAMES = {"limn LimnFunction.call", "nashorn mirror call", "luaj interpreter call"};

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 24;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 3_000_000;
        double[][][] times = measure(rounds, calls);
        int warm = rounds / 4;
        System.out.printf("%d rounds of %d calls each, the first %d as warm-up; ns per call%n", rounds, calls, warm);
        report("thread CPU time", NAMES, times[0], warm);
        report("wall-clock time", NAMES, times[1], warm);
    }

    /**
     * Runs {@code rounds} rounds of {@code calls} calls of each engine in turn; returns the ns
     * per call of each engine ({@link #NAMES}) and round, by thread CPU time ({@code [0]}) and by
     * wall-clock time ({@code [1]}). Fails unless every call returned 3.
     */
    static double[][][] measure(int rounds, int calls) throws Exception {
        try (LimnRuntime runtime = LimnRuntime.builder().carriers(1).pin(false).build()) {
            Instance instance = runtime.load(runtime.compile("add.lm", "fn add(a, b) { return a + b; }\n"));
            LimnFunction limn = instance.function("add");
            CallLatencyBench.check(limn.call(1L, 2L));
            ScriptEngine js = new NashornScriptEngineFactory().getScriptEngine();
            js.eval(CallLatencyBench.JS_SOURCE);
            ScriptObjectMirror nashorn = (ScriptObjectMirror) js.get("add");
            CallLatencyBench.check(nashorn.call(null, 1L, 2L));
            LuaValue lua = CallLatencyBench.luajAdd(JsePlatform.standardGlobals());

            double[][] ns = new double[NAMES.length][rounds];
            double[][] wall = new double[NAMES.length][rounds];
            long a = 1;
            long b = 2;
            long sink = 0;
            for (int r = 0; r < rounds; r++) {
                long w0 = System.nanoTime();
                long t0 = cpu();
                sink += limnRound(limn, calls, a, b);
                long t1 = cpu();
                long w1 = System.nanoTime();
                sink += nashornRound(nashorn, calls, a, b);
                long t2 = cpu();
                long w2 = System.nanoTime();
                sink += luajRound(lua, calls, a, b);
                long t3 = cpu();
                long w3 = System.nanoTime();
                ns[0][r] = (t1 - t0) / (double) calls;
                ns[1][r] = (t2 - t1) / (double) calls;
                ns[2][r] = (t3 - t2) / (double) calls;
                wall[0][r] = (w1 - w0) / (double) calls;
                wall[1][r] = (w2 - w1) / (double) calls;
                wall[2][r] = (w3 - w2) / (double) calls;
            }
            if (sink != 3L * calls * rounds * NAMES.length) {
                throw new IllegalStateException("a call returned something other than 3");
            }
            return new double[][][] {ns, wall};
        }
    }

    // One method per engine, as JMH has one per benchmark: each loop is compiled on its own,
    // not as one of three loops of main whose on-stack replacements inline differently per run.

    private static long limnRound(LimnFunction f, int calls, long a, long b) {
        long sink = 0;
        for (int i = 0; i < calls; i++) {
            sink += (Long) f.call(a, b);
        }
        return sink;
    }

    private static long nashornRound(ScriptObjectMirror f, int calls, long a, long b) {
        long sink = 0;
        for (int i = 0; i < calls; i++) {
            sink += ((Number) f.call(null, a, b)).longValue();
        }
        return sink;
    }

    private static long luajRound(LuaValue f, int calls, long a, long b) {
        long sink = 0;
        for (int i = 0; i < calls; i++) {
            sink += f.call(LuaValue.valueOf(a), LuaValue.valueOf(b)).tolong();
        }
        return sink;
    }

    private static void report(String clock, String[] names, double[][] ns, int warm) {
        System.out.println(clock + ":");
        for (int k = 0; k < names.length; k++) {
            double[] s = Arrays.copyOfRange(ns[k], warm, ns[k].length);
            Arrays.sort(s);
            System.out.printf("  %-24s min %6.1f   p25 %6.1f   median %6.1f%n",
                    names[k], s[0], s[s.length / 4], s[s.length / 2]);
        }
        System.out.printf("  limn / nashorn, round by round: median %.2f%n", medianRatio(ns[0], ns[1], warm));
        System.out.printf("  limn / luaj,    round by round: median %.2f%n", medianRatio(ns[0], ns[2], warm));
    }

    private static double medianRatio(double[] x, double[] y, int from) {
        double[] r = new double[x.length - from];
        for (int i = from; i < x.length; i++) {
            r[i - from] = x[i] / y[i];
        }
        Arrays.sort(r);
        return r[r.length / 2];
    }

    private static long cpu() {
        return THREADS.getCurrentThreadCpuTime();
    }
}
