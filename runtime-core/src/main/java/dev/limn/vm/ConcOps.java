package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.c;
import static dev.limn.vm.Instr.k;
import static dev.limn.vm.Instr.sc;

import dev.limn.block.BlockRun;
import dev.limn.value.FutureValue;
import dev.limn.vm.Opcode.Op;

/**
 * Routes the concurrency opcodes to their classes: {@link Atomics}, {@link Captures},
 * {@link Channels}, {@link Futures}, {@link Units}, {@link ParallelOps}.
 */
final class ConcOps {
    private ConcOps() {}

    /** Executes one of the concurrency opcodes; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int base = t.base;
        int ra = base + a(i);
        switch (Instr.op(i)) {
            case Op.NEWATOMIC, Op.ALOAD, Op.AUPDATE, Op.ARELEASE -> {
                return Atomics.exec(t, i, pc);
            }
            case Op.UPSTORE, Op.UPCAS -> {
                return Captures.exec(t, i, pc);
            }
            case Op.SENDOUT -> {
                return Channels.exec(t, i, pc);
            }
            case Op.AWAIT -> {
                return Futures.exec(t, i, pc);
            }
            case Op.PARLOOP -> {
                Waiting.safepoint(t);
                ParallelOps.startLoop(t, (BlockRun) t.refs[ra], base + b(i), (String) t.closure.proto.kRef[c(i)], k(i) != 0);
            }
            case Op.TASKLOOP -> {
                Waiting.safepoint(t);
                int fnReg = base + b(i);
                boolean started = ParallelOps.startFamily(t, (BlockRun) t.refs[ra], fnReg, (String) t.closure.proto.kRef[c(i)]);
                t.set(fnReg + 2, started);
            }
            case Op.PARNEXT -> {
                if (!t.nextChunkElement(ra)) {
                    return pc + sc(i);
                }
            }
            default -> {
                return Units.exec(t, i, pc);
            }
        }
        return pc;
    }

    /** {@link Futures#callAsync}, under the name {@link TaskContext} calls it by. */
    static FutureValue callAsync(TaskContext t, Closure fn, int args, int argc) {
        return Futures.callAsync(t, fn, args, argc);
    }
}
