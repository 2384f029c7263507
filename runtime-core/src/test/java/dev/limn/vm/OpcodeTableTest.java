package dev.limn.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

import org.junit.jupiter.api.Test;

/** The interpreter's case labels, the instruction layout and the disassembler agree with {@link Opcode}. */
class OpcodeTableTest {
    @Test
    void caseLabelsMatchTheEnumOrder() throws IllegalAccessException {
        int constants = 0;
        for (Field f : Opcode.Op.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                assertEquals(Opcode.valueOf(f.getName()).ordinal(), f.getInt(null), f.getName());
                constants++;
            }
        }
        assertEquals(Opcode.values().length, constants, "every opcode has a case-label constant");
        assertFalse(Opcode.values().length > 256, "the opcode field has 8 bits");
    }

    @Test
    void instructionFieldsRoundTrip() {
        long i = Instr.make(Opcode.LTK, Instr.MAX_A, Instr.MAX_B, -5, true);
        assertEquals(Opcode.LTK.ordinal(), Instr.op(i));
        assertEquals(Instr.MAX_A, Instr.a(i));
        assertEquals(Instr.MAX_B, Instr.b(i));
        assertEquals(-5, Instr.sc(i));
        assertEquals(1, Instr.k(i));
        assertEquals(Instr.MAX_SC, Instr.sc(Instr.withC(i, Instr.MAX_SC)));
        assertEquals(Instr.MIN_SC, Instr.sc(Instr.withC(i, Instr.MIN_SC)));
        assertEquals(Instr.MAX_C, Instr.c(Instr.make(Opcode.LOADK, 0, 0, Instr.MAX_C)));
    }

    @Test
    void disassemblerPrintsEveryOpcode() {
        Proto p = new Proto.Builder("t").registers(4).code(new long[Opcode.values().length])
                .constants(new long[] {1}, new byte[] {Tag.INT}, new Object[] {"kind"}).protos(new Proto[] {null}).build();
        Proto nested = new Proto.Builder("inner").registers(1).build();
        p.protos[0] = nested;
        for (Opcode op : Opcode.values()) {
            int c = switch (op.format) {
                case ABUILTIN -> 0;
                default -> 0;
            };
            p.code[op.ordinal()] = Instr.make(op, 1, 0, c);
        }
        for (Opcode op : Opcode.values()) {
            String line = Disassembler.line(p, op.ordinal());
            assertEquals(op.name(), line.substring(13).split(" +")[0], line);
        }
    }
}
