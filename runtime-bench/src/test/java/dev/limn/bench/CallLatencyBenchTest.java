package dev.limn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Each peer of {@link CallLatencyBench} sets up and answers one call of its benchmark method
 * with 3, so that a peer broken by a dependency update or a JDK fails the build, not the
 * benchmark run.
 */
class CallLatencyBenchTest {
    private final CallLatencyBench bench = new CallLatencyBench();

    @Test
    void javaLambda() {
        assertEquals(3L, CallLatencyBench.check(bench.javaLambda()));
    }

    @Test
    void luajInterpreter() {
        CallLatencyBench.LuajInterpreted lua = new CallLatencyBench.LuajInterpreted();
        lua.open();
        assertEquals(3L, CallLatencyBench.check(bench.luajInterp(lua)));
    }

    @Test
    void luajCompiler() {
        CallLatencyBench.LuajCompiled lua = new CallLatencyBench.LuajCompiled();
        lua.open();
        assertEquals(3L, CallLatencyBench.check(bench.luajLuajc(lua)));
    }

    @Test
    void rhinoCompiled() {
        CallLatencyBench.RhinoCompiled rhino = new CallLatencyBench.RhinoCompiled();
        rhino.open();
        try {
            assertEquals(3L, CallLatencyBench.check(bench.rhinoCompiled(rhino)));
        } finally {
            rhino.close();
        }
    }

    @Test
    void rhinoInterpreted() {
        CallLatencyBench.RhinoInterpreted rhino = new CallLatencyBench.RhinoInterpreted();
        rhino.open();
        try {
            assertEquals(3L, CallLatencyBench.check(bench.rhinoInterpreted(rhino)));
        } finally {
            rhino.close();
        }
    }

    @Test
    void rhinoJsr223() throws Exception {
        CallLatencyBench.RhinoEngine rhino = new CallLatencyBench.RhinoEngine();
        rhino.open();
        assertEquals(3L, CallLatencyBench.check(bench.rhinoJsr223(rhino)));
    }

    @Test
    void nashornJsr223AndMirror() throws Exception {
        CallLatencyBench.Nashorn nashorn = new CallLatencyBench.Nashorn();
        nashorn.open();
        assertEquals(3L, CallLatencyBench.check(bench.nashornJsr223(nashorn)));
        assertEquals(3L, CallLatencyBench.check(bench.nashornMirror(nashorn)));
    }

    @Test
    void limn() {
        CallLatencyBench.LimnState limn = new CallLatencyBench.LimnState();
        limn.open();
        try {
            CallLatencyBench.check(bench.limnFunction(limn));
            CallLatencyBench.check(bench.limnCallByName(limn));
        } finally {
            limn.close();
        }
    }
}
