package dev.limn.bench;

import dev.limn.api.Instance;
import dev.limn.api.LimnRuntime;
import dev.limn.api.Program;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.lib.jse.JsePlatform;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.StringReader;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongBinaryOperator;

/**
 * The cost of loading a small program into a warm runtime: {@code LimnRuntime.load(program,
 * Map.of())} of a program compiled once ({@link #limnLoad}), and {@code compile} then
 * {@code load} from source ({@link #limnCompileAndLoad}), beside LuaJ running an equivalent
 * chunk in a fresh environment table from a prototype compiled once ({@link #luajLoad}) and
 * from source ({@link #luajCompileAndLoad}), and a plain Java baseline that does what the top
 * level does ({@link #javaBaseline}). One operation is one load: the top level runs (a
 * variable, a ten-step loop, a function declared) and the new instance is handed to JMH.
 *
 * <p>What a load is. A Limn load makes a new instance whose top-level variables are its own,
 * isolated from every other instance on the runtime; the LuaJ twin gets the same isolation
 * from a new, empty environment table per load (the chunk uses no library). The interpreter
 * (not LuaJC) runs the chunk: LuaJC would define a Java class per compile.
 *
 * <p>What a load keeps. {@code Instance} has no close: an instance's run stays registered
 * with the runtime, and the atomic cells its top level keeps are released, until the runtime
 * closes. So that a long run measures loads into a warm runtime rather than into one holding
 * millions of instances, the Limn state closes its runtime and builds a new one around each
 * iteration (the JIT stays warm; the first loads of an iteration meet a fresh runtime).
 * Both modes run; sample mode gives the percentiles (see {@link CallLatencyPercentilesBench}
 * for how JMH samples). Run:
 * <pre>
 *   runtime-bench/run.sh LoadLatencyBench
 *   runtime-bench/run.sh LoadLatencyBench -f 1 -wi 3 -w 1s -i 5 -r 1s   (a quick look)
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LoadLatencyBench {
    /** The top level's {@code total} after a load; the sources below must agree with it. */
    static final long TOTAL = 45;
    static final String LIMN_SOURCE = """
            var total = 0;
            iter (i in 0..<10) total += i;
            fn add(a, b) { return a + b; }
            """;
    static final String LUA_SOURCE = """
            total = 0
            for i = 0, 9 do total = total + i end
            function add(a, b) return a + b end
            """;

    /** A non-final field, so that the JIT cannot fold the baseline's loop. */
    int steps = 10;

    /** The floor: an object holding the top level's two variables, the loop run into one of them. */
    @Benchmark
    public TopLevel javaBaseline() {
        long total = 0;
        for (int i = 0; i < steps; i++) {
            total += i;
        }
        return new TopLevel(total, Long::sum);
    }

    /** The baseline's "instance": the top level's variables. */
    record TopLevel(long total, LongBinaryOperator add) {
    }

    @Benchmark
    public Instance limnLoad(LimnState limn) {
        return limn.runtime.load(limn.program, Map.of());
    }

    @Benchmark
    public Instance limnCompileAndLoad(LimnState limn) {
        return limn.runtime.load(limn.runtime.compile("load.lm", LIMN_SOURCE), Map.of());
    }

    @Benchmark
    public LuaTable luajLoad(Luaj lua) {
        LuaTable env = new LuaTable();
        new LuaClosure(lua.prototype, env).call();
        return env;
    }

    @Benchmark
    public LuaTable luajCompileAndLoad(Luaj lua) {
        LuaTable env = new LuaTable();
        lua.globals.load(LUA_SOURCE, "load.lua", env).call();
        return env;
    }

    /**
     * A runtime with the program compiled once. The runtime is new for each iteration (see the
     * class comment); each setup checks one load.
     */
    @State(Scope.Thread)
    public static class LimnState {
        LimnRuntime runtime;
        Program program;

        @Setup(Level.Iteration)
        public void open() {
            runtime = LimnRuntime.builder().carriers(1).build();
            program = runtime.compile("load.lm", LIMN_SOURCE);
            check(runtime.load(program, Map.of()));
        }

        @TearDown(Level.Iteration)
        public void close() {
            runtime.close();
        }
    }

    /** LuaJ's interpreter, with the chunk compiled once to a prototype; setup checks one load. */
    @State(Scope.Thread)
    public static class Luaj {
        Globals globals;
        Prototype prototype;

        @Setup(Level.Trial)
        public void open() throws IOException {
            globals = JsePlatform.standardGlobals();
            prototype = globals.compilePrototype(new StringReader(LUA_SOURCE), "load.lua");
            LuaTable env = new LuaTable();
            new LuaClosure(prototype, env).call();
            check(env);
        }
    }

    /** A Limn load: {@code total} is 45 and {@code add(1, 2)} is 3, or the run fails. */
    static void check(Instance instance) {
        if (!Long.valueOf(TOTAL).equals(instance.get("total"))) {
            throw new IllegalStateException("load: total is " + instance.get("total") + ", expected " + TOTAL);
        }
        CallLatencyBench.check(instance.call("add", 1L, 2L));
    }

    /** A LuaJ load: the same two facts in its environment table. */
    static void check(LuaTable env) {
        LuaValue total = env.get("total");
        if (!total.isinttype() || total.tolong() != TOTAL) {
            throw new IllegalStateException("LuaJ load: total is " + total + ", expected " + TOTAL);
        }
        CallLatencyBench.check(env.get("add").call(LuaValue.valueOf(1), LuaValue.valueOf(2)));
    }

    /** The baseline's result: the same two facts. */
    static void check(TopLevel globals) {
        if (globals.total() != TOTAL) {
            throw new IllegalStateException("baseline: total is " + globals.total() + ", expected " + TOTAL);
        }
        CallLatencyBench.check(globals.add().applyAsLong(1, 2));
    }
}
