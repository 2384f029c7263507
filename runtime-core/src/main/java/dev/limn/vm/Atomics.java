package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.c;

import dev.limn.value.LimnError;
import dev.limn.vm.Opcode.Op;

/**
 * Atomic variables in the VM (SPEC §6.1): serves NEWATOMIC ALOAD ARELEASE and the slow path
 * of AUPDATE (the interpreter adds an int to an int cell inline). The cells themselves (off
 * the heap, or on it for a variable a function captures), and the methods
 * {@code add cas swap load store} that {@link Methods} calls, are {@link AtomicValue}'s.
 */
final class Atomics {
    private Atomics() {}

    /** Executes one of this class's opcodes; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int base = t.base;
        int ra = base + a(i);
        switch (Instr.op(i)) {
            case Op.NEWATOMIC -> {
                if (Instr.k(i) != 0) {
                    t.set(ra, AtomicValue.onHeap(t.get(base + b(i))));
                } else {
                    OffHeapAtomic cell = AtomicValue.offHeap(t.engine.cells, t.get(base + b(i)));
                    t.hold(cell);
                    t.set(ra, cell);
                }
            }
            case Op.ALOAD -> {
                Object v = t.get(base + b(i));
                t.set(ra, v instanceof AtomicValue cell ? cell.load() : v);
            }
            case Op.ARELEASE -> {
                if (t.get(ra) instanceof OffHeapAtomic cell) {
                    t.releaseHeld(cell);
                }
            }
            default -> throw new IllegalStateException("no handler for opcode " + Opcode.of(Instr.op(i)));
        }
        return pc;
    }

    /** The slow path of AUPDATE: atomic cell R[A] op= R[B], op C: 0 add, 1 subtract, 2 multiply, 3 store. */
    static void update(TaskContext t, long i) {
        int base = t.base;
        int ra = base + a(i);
        if (!(t.get(ra) instanceof AtomicValue cell)) {
            throw LimnError.typeMismatch("not an atomic: " + Values.typeName(t.get(ra)));
        }
        int rb = base + b(i);
        int op = c(i);
        if (op <= 1 && cell.holdsInt() && Registers.lpTag(t, rb) == Tag.INT) {
            // the common shared counter: an int added to an int cell, unboxed
            long d = Registers.lpPayload(t, rb);
            if (op == 0) {
                cell.addInt(d);
                return;
            }
            if (d != Long.MIN_VALUE) {
                cell.addInt(-d);
                return;
            }
        }
        Object v = t.get(rb);
        switch (op) {
            case 0 -> cell.add(v);
            case 1 -> cell.add(Arith.neg(v));
            case 2 -> cell.multiply(v);
            default -> cell.store(v);
        }
    }
}
