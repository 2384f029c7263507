package dev.limn.jsr223;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongBinaryOperator;

import javax.script.Bindings;
import javax.script.Compilable;
import javax.script.CompiledScript;
import javax.script.Invocable;
import javax.script.ScriptContext;
import javax.script.ScriptEngine;
import javax.script.ScriptEngineFactory;
import javax.script.ScriptEngineManager;
import javax.script.ScriptException;
import javax.script.SimpleScriptContext;

/** The Limn engine as a JSR-223 host sees it: through javax.script alone. */
class LimnScriptEngineTest {
    private final ScriptEngineManager manager = new ScriptEngineManager();
    private ScriptEngine engine;
    private final StringWriter out = new StringWriter();

    @BeforeEach
    void start() {
        engine = manager.getEngineByName("limn");
        assertNotNull(engine, "no engine named limn");
        engine.getContext().setWriter(out);
    }

    @AfterEach
    void stop() throws Exception {
        ((AutoCloseable) engine).close();
    }

    @Test
    void foundByNameExtensionAndMimeType() throws Exception {
        for (ScriptEngine e : List.of(manager.getEngineByName("Limn"), manager.getEngineByExtension("lm"),
                manager.getEngineByMimeType("application/x-limn"))) {
            assertNotNull(e);
            ScriptEngineFactory f = e.getFactory();
            assertEquals("Limn", f.getLanguageName());
            assertEquals("0.1.0", f.getLanguageVersion());
            assertEquals("0.1.0", f.getEngineVersion());
            assertEquals(List.of("limn", "Limn"), f.getNames());
            ((AutoCloseable) e).close();
        }
    }

    @Test
    void factoryParametersAndSyntax() {
        ScriptEngineFactory f = engine.getFactory();
        assertEquals("MULTITHREADED", f.getParameter("THREADING"));
        assertEquals("limn", f.getParameter(ScriptEngine.NAME));
        assertEquals("Limn", f.getParameter(ScriptEngine.ENGINE));
        assertEquals("0.1.0", f.getParameter(ScriptEngine.ENGINE_VERSION));
        assertEquals("Limn", f.getParameter(ScriptEngine.LANGUAGE));
        assertEquals("0.1.0", f.getParameter(ScriptEngine.LANGUAGE_VERSION));
        assertNull(f.getParameter("no.such.key"));
        assertEquals("add(a, b)", f.getMethodCallSyntax(null, "add", "a", "b"));
        assertEquals("print(\"hi\")", f.getOutputStatement("\"hi\""));
        assertEquals("var x = 1;\nprint(x);\n", f.getProgram("var x = 1", "print(x)"));
    }

    @Test
    void factoryProgramRuns() throws Exception {
        ScriptEngineFactory f = engine.getFactory();
        engine.eval(f.getProgram("var s = " + f.getMethodCallSyntax(null, "str", "42"), f.getOutputStatement("s")));
        assertEquals("42\n", out.toString());
    }

    @Test
    void printGoesToTheContextWriter() throws Exception {
        assertNull(engine.eval("print(\"hé\", 1 + 2);\n"));
        assertEquals("hé 3\n", out.toString());
        StringWriter other = new StringWriter();
        ScriptContext ctx = new SimpleScriptContext();
        ctx.setWriter(other);
        engine.eval("print(\"elsewhere\");\n", ctx);
        assertEquals("elsewhere\n", other.toString());
        assertEquals("hé 3\n", out.toString());
    }

    @Test
    void bindingsAreGlobals() throws Exception {
        engine.put("threshold", 3L);
        engine.put("names", List.of("a", "b"));
        engine.put("not.an.identifier", 1L);
        engine.put("opaque", new Object());
        engine.put(ScriptEngine.FILENAME, "g.lm");
        engine.eval("""
                var doubled = threshold * 2;
                print(doubled, len(names));
                fn above(x) { return x > threshold; }
                """);
        assertEquals("6 2\n", out.toString());
        Invocable inv = (Invocable) engine;
        assertEquals(true, inv.invokeFunction("above", 4L));
        assertEquals(false, inv.invokeFunction("above", 3));
        ScriptException hidden = assertThrows(ScriptException.class, () -> engine.eval("print(opaque);\n"));
        assertTrue(hidden.getMessage().contains("opaque"), hidden.getMessage());
    }

    @Test
    void invokeFunctionAndGlobalsPersist() throws Exception {
        engine.eval("""
                var calls = 0;
                fn bump(n) { calls += n; return calls; }
                fn greet(who) { print("hello " + who); }
                """);
        Invocable inv = (Invocable) engine;
        assertEquals(2L, inv.invokeFunction("bump", 2L));
        assertEquals(5L, inv.invokeFunction("bump", 3));
        assertNull(inv.invokeFunction("greet", "you"));
        assertEquals("hello you\n", out.toString());
        assertThrows(NoSuchMethodException.class, () -> inv.invokeFunction("nope"));
        assertThrows(NoSuchMethodException.class, () -> inv.invokeFunction("calls"));
        assertThrows(IllegalArgumentException.class, () -> inv.invokeMethod("x", "bump", 1L));
        ScriptException arity = assertThrows(ScriptException.class, () -> inv.invokeFunction("bump"));
        assertTrue(arity.getMessage().contains("ArityMismatch"), arity.getMessage());
    }

    @Test
    void invokeFunctionBeforeAnyEval() {
        assertThrows(NoSuchMethodException.class, () -> ((Invocable) engine).invokeFunction("f"));
    }

    @Test
    void compileOnceEvalTwice() throws Exception {
        engine.put("n", 2L);
        CompiledScript cs = ((Compilable) engine).compile("""
                var runs = n * 10;
                print(runs);
                fn get() { return runs; }
                """);
        cs.eval();
        engine.put("n", 3L);
        cs.eval();
        assertEquals("20\n30\n", out.toString());
        assertEquals(30L, ((Invocable) engine).invokeFunction("get"));
        Bindings fresh = engine.createBindings();
        ScriptException missing = assertThrows(ScriptException.class, () -> cs.eval(fresh));
        assertTrue(missing.getMessage().contains("n"), missing.getMessage());
        fresh.put("n", 4L);
        fresh.put("unrelated", new Object());
        cs.eval(fresh);
        assertEquals("20\n30\n40\n", out.toString());
        assertEquals(engine, cs.getEngine());
    }

    @Test
    void compileErrorHasLineAndColumn() {
        engine.put(ScriptEngine.FILENAME, "bad.lm");
        ScriptException e = assertThrows(ScriptException.class, () -> engine.eval("var ok = 1;\nvar x = ;\n"));
        assertEquals("bad.lm", e.getFileName());
        assertEquals(2, e.getLineNumber());
        assertTrue(e.getColumnNumber() > 0, "column " + e.getColumnNumber());
        ScriptException c = assertThrows(ScriptException.class, () -> ((Compilable) engine).compile("print(y);\n"));
        assertEquals(1, c.getLineNumber());
        assertTrue(c.getMessage().contains("'y'"), c.getMessage());
    }

    @Test
    void runtimeErrorHasItsPlace() throws Exception {
        ScriptException e = assertThrows(ScriptException.class, () -> engine.eval("var a = 1;\nprint(a / 0);\n"));
        assertTrue(e.getMessage().startsWith("DivisionByZero"), e.getMessage());
        assertEquals(2, e.getLineNumber());
        assertTrue(e.getColumnNumber() > 0);
        assertNotNull(e.getCause());
        engine.eval("fn div(a, b) {\n  return a / b;\n}\n");
        ScriptException call = assertThrows(ScriptException.class, () -> ((Invocable) engine).invokeFunction("div", 1L, 0L));
        assertEquals(2, call.getLineNumber());
    }

    @Test
    void failedEvalKeepsThePreviousScript() throws Exception {
        engine.eval("fn one() { return 1; }\n");
        assertThrows(ScriptException.class, () -> engine.eval("fn two() { return 2; }\nprint([][1]);\n"));
        assertEquals(1L, ((Invocable) engine).invokeFunction("one"));
        engine.eval("fn two() { return 2; }\n");
        assertThrows(NoSuchMethodException.class, () -> ((Invocable) engine).invokeFunction("one"));
    }

    /** An interface the script implements. */
    public interface Pricing {
        long add(long a, long b);

        double scale(double x);

        void log(String message);

        default long twice(long a) {
            return add(a, a);
        }
    }

    @Test
    void getInterfaceMapsMethodsToFunctions() throws Exception {
        engine.eval("""
                fn add(a, b) { return a + b; }
                fn scale(x) { return x * 2; }
                fn log(m) { print(m); }
                fn applyAsLong(a, b) { return a * b; }
                """);
        Invocable inv = (Invocable) engine;
        Pricing p = inv.getInterface(Pricing.class);
        assertNotNull(p);
        assertEquals(5L, p.add(2, 3));
        assertEquals(3.0, p.scale(1.5));
        assertEquals(8L, p.twice(4));
        p.log("logged");
        assertEquals("logged\n", out.toString());
        assertEquals(12L, inv.getInterface(LongBinaryOperator.class).applyAsLong(3, 4));
        assertNull(inv.getInterface(Runnable.class));
        assertThrows(IllegalArgumentException.class, () -> inv.getInterface(p, Pricing.class));
        assertTrue(p.toString().contains("Pricing"));
    }

    @Test
    void threadsShareTheScriptsGlobals() throws Exception {
        engine.eval("""
                var count = 0;
                fn bump() { var c = count; count = c + 1; return count; }
                fn total() { return count; }
                """);
        Invocable inv = (Invocable) engine;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 200; i++) {
                        inv.invokeFunction("bump");
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(), failures);
        assertEquals(800L, inv.invokeFunction("total"));
    }

    @Test
    void closedEngineRefusesWork() throws Exception {
        engine.eval("print(1);\n");
        ((AutoCloseable) engine).close();
        assertThrows(IllegalStateException.class, () -> engine.eval("print(2);\n"));
        assertThrows(NoSuchMethodException.class, () -> ((Invocable) engine).invokeFunction("f"));
        ScriptEngine again = manager.getEngineByName("limn");
        assertInstanceOf(AutoCloseable.class, again);
        ((AutoCloseable) again).close();
    }
}
