package dev.limn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.limn.bench.TierBench.Sizes;
import dev.limn.bench.TierBench.Workload;

import org.junit.jupiter.api.Test;
import org.luaj.vm2.LuaValue;

/**
 * Every engine of {@link TierBench} sets up, checks and runs every workload at a small scale,
 * each benchmark method returning plain Java's result, so that a workload that one engine
 * computes differently fails the build, not the benchmark run; plain Java computes at full
 * scale what the whole-process peer programs print; and the checks reject a wrong result.
 */
class TierBenchTest {
    /** Small enough for the interpreters, big enough that B1's and B3's results are not trivial. */
    private static final Sizes SMALL = new Sizes(100_000, 15, 60, 40, 200, 10_000, 5_000);

    private final TierBench bench = new TierBench();

    @Test
    void plainJavaAtFullScaleComputesWhatThePeersPrint() {
        assertEquals(4_999_999_950_000_000L, Workload.B1.java(Sizes.FULL));
        assertEquals(2_178_309L, Workload.B2.java(Sizes.FULL));
        assertEquals(13_428_357L, Workload.B3.java(Sizes.FULL));
        assertEquals(40_000_001L, Workload.B6.java(Sizes.FULL)); // B6 over 20M, as ParallelBenchmarks
        assertEquals(125_375_000L, Workload.B8.java(Sizes.FULL)); // 1,000 times the sum of 0.25 j + 0.5 over j < 1,000
    }

    @Test
    void plainJava() {
        bench.sizes = SMALL;
        assertEquals(4_999_950_000L, check("java", Workload.B1, bench.b1_java()));
        assertEquals(610L, check("java", Workload.B2, bench.b2_java()));
        check("java", Workload.B3, bench.b3_java());
        check("java", Workload.B6, bench.b6_java());
        assertEquals(626_875L, check("java", Workload.B8, bench.b8_java()));
    }

    @Test
    void limnTierOff() {
        limn("off");
    }

    @Test
    void limnTierAuto() {
        limn("auto");
    }

    private void limn(String tier) {
        TierBench.LimnState limn = new TierBench.LimnState();
        limn.tier = tier;
        limn.load(SMALL, Workload.values());
        try {
            check("limn", Workload.B1, bench.b1_limn(limn));
            check("limn", Workload.B2, bench.b2_limn(limn));
            check("limn", Workload.B3, bench.b3_limn(limn));
            check("limn", Workload.B6, bench.b6_limn(limn));
            check("limn", Workload.B8, bench.b8_limn(limn));
        } finally {
            limn.close();
        }
    }

    @Test
    void nashorn() throws Exception {
        TierBench.Nashorn js = new TierBench.Nashorn();
        js.load(SMALL, Workload.values());
        check("nashorn", Workload.B1, bench.b1_nashorn(js));
        check("nashorn", Workload.B2, bench.b2_nashorn(js));
        check("nashorn", Workload.B3, bench.b3_nashorn(js));
        check("nashorn", Workload.B6, bench.b6_nashorn(js));
        check("nashorn", Workload.B8, bench.b8_nashorn(js));
    }

    @Test
    void rhinoCompiled() {
        TierBench.RhinoCompiled js = new TierBench.RhinoCompiled();
        js.load(SMALL, Workload.values());
        try {
            check("rhino", Workload.B1, bench.b1_rhinoCompiled(js));
            check("rhino", Workload.B2, bench.b2_rhinoCompiled(js));
            check("rhino", Workload.B3, bench.b3_rhinoCompiled(js));
            check("rhino", Workload.B6, bench.b6_rhinoCompiled(js));
            check("rhino", Workload.B8, bench.b8_rhinoCompiled(js));
        } finally {
            js.close();
        }
    }

    @Test
    void luajInterpreter() {
        TierBench.LuajInterpreted lua = new TierBench.LuajInterpreted();
        lua.load(SMALL, Workload.values());
        check("luaj", Workload.B1, bench.b1_luajInterp(lua));
        check("luaj", Workload.B2, bench.b2_luajInterp(lua));
        check("luaj", Workload.B3, bench.b3_luajInterp(lua));
        check("luaj", Workload.B6, bench.b6_luajInterp(lua));
        check("luaj", Workload.B8, bench.b8_luajInterp(lua));
    }

    @Test
    void luajCompiler() {
        TierBench.LuajCompiled lua = new TierBench.LuajCompiled();
        lua.load(SMALL, Workload.values());
        check("luajc", Workload.B1, bench.b1_luajLuajc(lua));
        check("luajc", Workload.B2, bench.b2_luajLuajc(lua));
        check("luajc", Workload.B3, bench.b3_luajLuajc(lua));
        check("luajc", Workload.B6, bench.b6_luajLuajc(lua));
        check("luajc", Workload.B8, bench.b8_luajLuajc(lua));
    }

    @Test
    void checkRejectsAWrongValueAndAnythingNotAnExactInteger() {
        assertEquals(610L, check("x", Workload.B2, 610.0));
        assertEquals(610L, check("x", Workload.B2, 610));
        assertEquals(610L, check("x", Workload.B2, LuaValue.valueOf(610)));
        IllegalStateException wrong = assertThrows(IllegalStateException.class, () -> check("Engine", Workload.B2, 611L));
        assertEquals("Engine: b2() returned 611 (java.lang.Long), plain Java computed 610", wrong.getMessage());
        assertThrows(IllegalStateException.class, () -> check("x", Workload.B2, 610.5));
        assertThrows(IllegalStateException.class, () -> check("x", Workload.B2, "610"));
        assertThrows(IllegalStateException.class, () -> check("x", Workload.B2, LuaValue.valueOf("610")));
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> check("x", Workload.B2, null));
        assertEquals("x: b2() returned null, plain Java computed 610", none.getMessage());
    }

    @Test
    void aBenchmarkNamesItsWorkload() {
        assertEquals(Workload.B6, Workload.of("dev.limn.bench.TierBench.b6_luajLuajc"));
        assertEquals(Workload.B1, Workload.of("dev.limn.bench.TierBench.b1_limn"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Workload.of("dev.limn.bench.TierBench.b4_limn"));
        assertEquals("benchmark dev.limn.bench.TierBench.b4_limn is not named bN_engine for a workload bN", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Workload.of("dev.limn.bench.TierBench.limn"));
    }

    @Test
    void aSourceNamesOnlySizesThatExist() {
        assertEquals("iter (i in 0..<100000) 15", SMALL.fill("iter (i in 0..<${loop}) ${fib}"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SMALL.fill("${steps}"));
        assertEquals("no size named steps in " + SMALL, e.getMessage());
    }

    private static long check(String engine, Workload workload, Object result) {
        return TierBench.check(engine, workload, SMALL, result);
    }
}
