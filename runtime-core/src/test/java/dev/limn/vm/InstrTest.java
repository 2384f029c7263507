package dev.limn.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.limn.offheap.RegisterFile;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class InstrTest {
    @Test
    void registerOffsetsAreTheFieldsTimesTheRegisterSize() {
        assertEquals(16, RegisterFile.REGISTER_BYTES, "Instr's offset accessors shift by 4");
        SplittableRandom random = new SplittableRandom(7);
        for (int n = 0; n < 10_000; n++) {
            int a = random.nextInt(Instr.MAX_A + 1);
            int b = random.nextInt(Instr.MAX_B + 1);
            int c = random.nextInt(Instr.MAX_C + 1);
            long i = Instr.make(Opcode.ADD, a, b, c, random.nextBoolean());
            assertEquals(a * RegisterFile.REGISTER_BYTES, Instr.aOffset(i));
            assertEquals(b * RegisterFile.REGISTER_BYTES, Instr.bOffset(i));
            assertEquals(c * RegisterFile.REGISTER_BYTES, Instr.cOffset(i));
        }
        long all = Instr.make(Opcode.ADD, Instr.MAX_A, Instr.MAX_B, Instr.MAX_C, true);
        assertEquals(Instr.MAX_A * 16L, Instr.aOffset(all));
        assertEquals(Instr.MAX_B * 16L, Instr.bOffset(all));
        assertEquals(Instr.MAX_C * 16L, Instr.cOffset(all));
    }
}
