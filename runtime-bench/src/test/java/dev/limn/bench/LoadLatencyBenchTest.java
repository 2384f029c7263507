package dev.limn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.limn.api.Instance;

import org.junit.jupiter.api.Test;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * Each benchmark of {@link LoadLatencyBench} sets up and makes one load whose top level ran
 * (total is 45, add(1, 2) is 3); and the checks the benchmarks rely on reject a wrong load.
 */
class LoadLatencyBenchTest {
    private final LoadLatencyBench bench = new LoadLatencyBench();

    @Test
    void javaBaseline() {
        LoadLatencyBench.check(bench.javaBaseline());
    }

    @Test
    void limnLoadAndCompileAndLoad() {
        LoadLatencyBench.LimnState limn = new LoadLatencyBench.LimnState();
        limn.open();
        try {
            Instance first = bench.limnLoad(limn);
            LoadLatencyBench.check(first);
            Instance second = bench.limnCompileAndLoad(limn);
            LoadLatencyBench.check(second);
            assertNotSame(first, second);
            Instance wrong = limn.runtime.load(limn.runtime.compile("wrong.lm", "var total = 44;\n"));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> LoadLatencyBench.check(wrong));
            assertEquals("load: total is 44, expected 45", e.getMessage());
        } finally {
            limn.close();
        }
    }

    @Test
    void luaj() throws Exception {
        LoadLatencyBench.Luaj lua = new LoadLatencyBench.Luaj();
        lua.open();
        LoadLatencyBench.check(bench.luajLoad(lua));
        LoadLatencyBench.check(bench.luajCompileAndLoad(lua));
    }

    @Test
    void checksRejectAWrongLoad() {
        LuaTable env = new LuaTable();
        env.set("total", LuaValue.valueOf(44));
        IllegalStateException lua = assertThrows(IllegalStateException.class, () -> LoadLatencyBench.check(env));
        assertEquals("LuaJ load: total is 44, expected 45", lua.getMessage());
        IllegalStateException java = assertThrows(IllegalStateException.class,
                () -> LoadLatencyBench.check(new LoadLatencyBench.TopLevel(44, Long::sum)));
        assertEquals("baseline: total is 44, expected 45", java.getMessage());
        IllegalStateException add = assertThrows(IllegalStateException.class,
                () -> LoadLatencyBench.check(new LoadLatencyBench.TopLevel(45, Long::max)));
        assertEquals("add(1, 2) returned 2, expected 3", add.getMessage());
    }
}
