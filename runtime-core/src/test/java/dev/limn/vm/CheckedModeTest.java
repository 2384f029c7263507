package dev.limn.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.offheap.CheckedMode;
import dev.limn.offheap.RegisterFile;
import dev.limn.offheap.SlabAllocator;
import dev.limn.text.Source;
import dev.limn.text.Span;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The checked VM mode turns what a compiler or VM defect would make a silent read or write
 * outside a frame, or a touch of a freed block, into an exception that names the place. The
 * defects are made by hand: a function's code is corrupted after {@link Proto}'s load-time
 * check passed (what a defect of that check, or of an opcode's register contract, would let
 * through). Unchecked, the same code would read or write another frame's registers.
 *
 * <p>Runs in the surefire execution that sets {@code -Dlimn.vm.checked=true} (see the pom).
 */
@EnabledIfSystemProperty(named = "limn.vm.checked", matches = "true")
class CheckedModeTest {
    private final Engine engine = Engine.builder().carriers(1).build();

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    /**
     * {@code fn bad}, two registers: {@code R0 := 7; R1 := R0; return R1}, on lines 1 to 3 of
     * {@code bad.lm}, with the instruction at {@code pc} then replaced by {@code corrupt}.
     */
    private static Proto bad(int pc, long corrupt) {
        Proto p = new Proto.Builder("bad")
                .source(new Source("bad.lm", "R0 := 7\nR1 := R0\nreturn R1\n"), new Span(1, 1, 1))
                .registers(2)
                .code(new long[] {
                    Instr.make(Opcode.LOADINT, 0, 0, 7),
                    Instr.make(Opcode.MOVE, 1, 0, 0),
                    Instr.make(Opcode.RETURN, 1, 0, 0)})
                .positions(new int[] {1, 2, 3}, new int[] {1, 1, 1}, new int[] {1, 1, 1})
                .build();
        if (pc >= 0) {
            p.code[pc] = corrupt;
        }
        return p;
    }

    private TaskContext task(Proto p) {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return new TaskContext(engine, new Closure(p, new Box[0]), out, 1000, 1, "main task");
    }

    @Test
    void theModeIsOnAndTurnsOnTheSlabChecks() {
        assertTrue(CheckedMode.ENABLED);
        assertTrue(SlabAllocator.debugMode());
    }

    @Test
    void correctCodeRunsAsUsual() {
        TaskContext t = task(bad(-1, 0));
        try {
            assertEquals(Interpreter.DONE, Interpreter.run(t));
            assertEquals(7L, t.result());
        } finally {
            t.close();
        }
    }

    @Test
    void aReadPastTheFrameFailsNamingFunctionPcAndRegister() {
        TaskContext t = task(bad(1, Instr.make(Opcode.MOVE, 1, 5, 0)));
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Interpreter.run(t));
            assertEquals("checked VM: fn bad pc 1 (bad.lm:2), main task: register 5 is outside its frame of 2 registers"
                    + " (absolute register 5, frame base 0)", e.getMessage());
        } finally {
            t.close();
        }
    }

    @Test
    void aWritePastTheFrameFailsBeforeItWrites() {
        TaskContext t = task(bad(0, Instr.make(Opcode.LOADINT, 9, 0, 42)));
        try {
            RegisterFile.sp(t.regs, 9, Tag.NIL, 0);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Interpreter.run(t));
            assertTrue(e.getMessage().startsWith("checked VM: fn bad pc 0 (bad.lm:1), main task: register 9 is outside"),
                    e.getMessage());
            assertEquals(Tag.NIL, RegisterFile.lpTag(t.regs, 9), "the register outside the frame is untouched");
        } finally {
            t.close();
        }
    }

    @Test
    void anOperandBelowTheFrameFailsToo() {
        // a callee's frame starts above its caller's: a negative offset would reach into the caller
        TaskContext t = task(bad(-1, 0));
        try {
            t.base = 1;
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.get(0));
            assertTrue(e.getMessage().contains("register -1 is outside its frame of 2 registers"), e.getMessage());
        } finally {
            t.close();
        }
    }

    @Test
    void anAddressOutsideTheTasksBlockFails() {
        // what a frame address left stale by a move to another block would reach
        TaskContext t = task(bad(-1, 0));
        MemorySegment other = engine.registers.allocateSmall();
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Registers.spAt(t, other.address(), Tag.INT, 1));
            assertTrue(e.getMessage().contains("is not a register of its register block"), e.getMessage());
            IllegalStateException misaligned = assertThrows(IllegalStateException.class,
                    () -> Registers.lpTagAt(t, t.frameAddress() + 8));
            assertTrue(misaligned.getMessage().contains("is not a register of its register block"), misaligned.getMessage());
        } finally {
            engine.registers.free(other);
            t.close();
        }
    }

    @Test
    void aRegisterAccessAfterTheTaskEndedFails() {
        TaskContext t = task(bad(-1, 0));
        long frame = t.frameAddress();
        t.close();
        IllegalStateException raw = assertThrows(IllegalStateException.class, () -> Registers.lpPayloadAt(t, frame));
        assertTrue(raw.getMessage().endsWith("a register access after the task returned its registers"), raw.getMessage());
        assertThrows(IllegalStateException.class, () -> t.get(0));
    }

    @Test
    void aDoubleFreeOfARegisterBlockFails() {
        MemorySegment block = engine.registers.allocateSmall();
        engine.registers.free(block);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> engine.registers.free(block));
        assertTrue(e.getMessage().contains("double free"), e.getMessage());
        assertEquals(0, engine.registers.live());
    }

    @Test
    void aFreedRegisterBlockCannotBeReadOrWritten() {
        MemorySegment block = engine.registers.allocateSmall();
        engine.registers.free(block);
        assertThrows(IllegalStateException.class, () -> RegisterFile.lpTag(block, 0));
        assertThrows(IllegalStateException.class, () -> RegisterFile.sp(block, 0, Tag.INT, 1));
    }
}
