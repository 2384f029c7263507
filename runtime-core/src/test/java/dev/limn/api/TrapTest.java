package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.limn.run.Limn;
import dev.limn.run.LimnProgram;
import dev.limn.vm.Box;
import dev.limn.vm.Closure;
import dev.limn.vm.Engine;
import dev.limn.vm.Interpreter;
import dev.limn.vm.TaskContext;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The trap word stops loops at back-edges: yield suspends, cancel raises Cancelled, terminate ends the task. */
class TrapTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Engine engine = Engine.builder().carriers(1).build();

    @org.junit.jupiter.api.AfterEach
    void closeEngine() {
        engine.close();
    }

    private TaskContext task(String text) throws Exception {
        LimnProgram p = (LimnProgram) Limn.compile("trap.lm", text);
        return new TaskContext(engine, new Closure(p.main(), new Box[0]), new PrintStream(out, true, StandardCharsets.UTF_8), 1000, 1, "main task");
    }

    @Test
    void cancelRaisesCancelledThatHandlersSee() throws Exception {
        TaskContext t = task("""
                var n = 0;
                attempt { while (true) { n += 1; } } handle Cancelled(e) { print("cancelled", e.kind); }
                """);
        try {
            t.orTrap(TaskContext.TRAP_CANCEL);
            assertEquals(Interpreter.DONE, Interpreter.run(t));
            assertEquals("cancelled Cancelled\n", out.toString(StandardCharsets.UTF_8));
        } finally {
            t.close();
        }
    }

    @Test
    void yieldSuspendsAndResumes() throws Exception {
        TaskContext t = task("var s = 0; iter (i in 0..<1000) { s += i; } print(s);");
        try {
            t.orTrap(TaskContext.TRAP_TIME_SLICE);
            assertEquals(Interpreter.SUSPENDED, Interpreter.run(t));
            assertEquals("", out.toString(StandardCharsets.UTF_8));
            assertEquals(Interpreter.DONE, Interpreter.run(t));
            assertEquals("499500\n", out.toString(StandardCharsets.UTF_8));
        } finally {
            t.close();
        }
    }

    @Test
    void terminateStopsWithoutRunningHandlers() throws Exception {
        TaskContext t = task("attempt { while (true) { } } handle (e) { print(\"handled\"); }");
        try {
            t.orTrap(TaskContext.TRAP_TERMINATE);
            assertEquals(Interpreter.TERMINATED, Interpreter.run(t));
            assertEquals("", out.toString(StandardCharsets.UTF_8));
        } finally {
            t.close();
        }
    }
}
