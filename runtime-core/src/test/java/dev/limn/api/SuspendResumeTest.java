package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A task suspended inside nested script calls resumes on another thread with its whole state intact. */
class SuspendResumeTest {
    @Test
    void suspendsOnOneThreadAndResumesOnAnother() throws Exception {
        String text = """
                fn inner(x) { var local = x * 2; __suspend(); return local; }
                fn outer(x) { var y = inner(x) + 1; __suspend(); return y; }
                var total = 0;
                iter (i in 1..3) { total += outer(i * 10); }
                print(total);
                """;
        LimnProgram program = (LimnProgram) Limn.compile("suspend.lm", text, true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        Engine engine = Engine.builder().carriers(1).build();
        TaskContext task = new TaskContext(engine, new Closure(program.main(), new Box[0]), print, 1000, 1, "main task");
        ExecutorService first = Executors.newSingleThreadExecutor();
        ExecutorService second = Executors.newSingleThreadExecutor();
        try {
            int suspensions = 0;
            int status = Interpreter.SUSPENDED;
            Thread lastThread = null;
            while (status == Interpreter.SUSPENDED) {
                ExecutorService on = suspensions % 2 == 0 ? first : second;
                Thread[] ran = new Thread[1];
                status = on.submit(() -> {
                    ran[0] = Thread.currentThread();
                    return Interpreter.run(task);
                }).get();
                if (lastThread != null) {
                    assertNotEquals(lastThread, ran[0]);
                }
                lastThread = ran[0];
                suspensions++;
            }
            assertEquals(Interpreter.DONE, status);
            assertEquals(7, suspensions, "two suspension points per call, three calls, then the end");
            assertEquals("123\n", out.toString(StandardCharsets.UTF_8));
        } finally {
            task.close();
            first.shutdown();
            second.shutdown();
        }
        assertEquals(0L, engine.liveCounts().get("slab.blocks.live"));
        engine.close();
    }
}
