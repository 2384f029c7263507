package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.run.Limn;
import dev.limn.run.LimnProgram;
import dev.limn.run.RunOptions;
import dev.limn.vm.Engine;
import dev.limn.vm.Instr;
import dev.limn.vm.Opcode;
import dev.limn.vm.Proto;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A defect that the checked VM mode catches ends a program run the way any runtime defect
 * does: exit status 1, one {@code InternalError} diagnostic that says where, no Java stack
 * trace, every register block and task returned. Runs in the surefire execution that sets
 * {@code -Dlimn.vm.checked=true} (see the pom).
 */
@EnabledIfSystemProperty(named = "limn.vm.checked", matches = "true")
class CheckedRunTest {

    @Test
    void aRegisterPastTheFrameInATaskEndsTheRunWithAnInternalError() throws Exception {
        LimnProgram program = (LimnProgram) Limn.compile("bad.lm", """
                fn f(x) { var y = x + 1; return y; }
                concurrent { task { print(f(1)); } }
                print("after");
                """);
        Proto f = program.main().protos[0];
        assertEquals("f", f.name);
        // the compiler defect: f's first instruction reads a register far past f's frame
        f.code[0] = Instr.make(Opcode.MOVE, 1, 200, 0);
        RunOptions options = RunOptions.defaults().withSeed(42L).withCores(2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (Engine engine = Limn.engine(options)) {
            status = Limn.run(engine, program, options,
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            for (var e : engine.liveCounts().entrySet()) {
                assertEquals(0L, e.getValue(), e.getKey() + " still live after the run");
            }
        }
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, status, stderr);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertTrue(stderr.startsWith("error[InternalError]"), stderr);
        assertTrue(stderr.contains("checked VM: fn f pc 0 (bad.lm:1)"), stderr);
        assertTrue(stderr.contains("register 200 is outside its frame of " + f.maxRegs + " registers"), stderr);
        assertTrue(!stderr.contains("\tat "), "no Java stack trace: " + stderr);
    }
}
