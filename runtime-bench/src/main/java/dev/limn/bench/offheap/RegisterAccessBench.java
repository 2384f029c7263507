package dev.limn.bench.offheap;

import dev.limn.offheap.RegisterFile;
import dev.limn.offheap.SlabAllocator;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The register traffic of a tagged register machine: {@value #STEPS} steps of
 * {@code R[a] := R[b] + R[c]} (check both tags are INT, add payloads, store tag + payload),
 * with a, b, c decoded from an int code array each step as the interpreter does, so the JIT
 * cannot keep registers in CPU registers. The same loop runs over registers in a slab block
 * through FFM VarHandles ({@link RegisterFile}, the chosen path), through Agrona's
 * {@code UnsafeBuffer} over the same memory (bounds checks on, and off in a fork with
 * {@code -Dagrona.disable.bounds.checks=true}), and over plain {@code long[]} + {@code byte[]}.
 * Results are per step (one instruction). Every invocation checks its result.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class RegisterAccessBench {
    static final int STEPS = 1024;
    static final int REGISTERS = 8;
    static final byte INT = 1;
    /** Instructions as (a, b, c) triples; STEPS is a multiple of the program length. */
    static final int[] CODE = {
        2, 0, 1,  3, 2, 1,  4, 3, 2,  5, 4, 0,  6, 5, 3,  7, 6, 4,  0, 7, 5,  1, 0, 6,
    };

    SlabAllocator slab;
    MemorySegment block;
    UnsafeBuffer buffer;
    long[] payloads;
    byte[] tags;
    long expected;

    @Setup(Level.Trial)
    public void open() {
        slab = new SlabAllocator((int) RegisterFile.REGISTER_BYTES * 32, 16);
        block = slab.allocate();
        buffer = new UnsafeBuffer(block.address(), (int) block.byteSize());
        payloads = new long[REGISTERS];
        tags = new byte[REGISTERS];
        expected = baselineHeapArrays();
        if (expected == 0) {
            throw new IllegalStateException("register program computed nothing");
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        slab.free(block);
        slab.close();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long varHandleSegment() {
        MemorySegment block = this.block;
        int[] code = CODE;
        for (int r = 0; r < REGISTERS; r++) {
            RegisterFile.sp(block, r, INT, r + 1);
        }
        int pc = 0;
        for (int step = 0; step < STEPS; step++) {
            int a = code[pc];
            int b = code[pc + 1];
            int c = code[pc + 2];
            if (RegisterFile.lpTag(block, b) != INT || RegisterFile.lpTag(block, c) != INT) {
                throw new IllegalStateException("type mismatch");
            }
            RegisterFile.sp(block, a, INT, RegisterFile.lpPayload(block, b) + RegisterFile.lpPayload(block, c));
            pc += 3;
            if (pc == code.length) {
                pc = 0;
            }
        }
        return check(RegisterFile.lpPayload(block, 0));
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long agronaUnsafeBuffer() {
        return agronaLoop();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    @Fork(jvmArgsAppend = "-Dagrona.disable.bounds.checks=true")
    public long agronaUnsafeBufferNoBoundsChecks() {
        return agronaLoop();
    }

    private long agronaLoop() {
        UnsafeBuffer buffer = this.buffer;
        int[] code = CODE;
        int size = (int) RegisterFile.REGISTER_BYTES;
        int tag = (int) RegisterFile.TAG_OFFSET;
        for (int r = 0; r < REGISTERS; r++) {
            buffer.putLong(r * size, r + 1);
            buffer.putByte(r * size + tag, INT);
        }
        int pc = 0;
        for (int step = 0; step < STEPS; step++) {
            int a = code[pc];
            int b = code[pc + 1];
            int c = code[pc + 2];
            if (buffer.getByte(b * size + tag) != INT || buffer.getByte(c * size + tag) != INT) {
                throw new IllegalStateException("type mismatch");
            }
            buffer.putLong(a * size, buffer.getLong(b * size) + buffer.getLong(c * size));
            buffer.putByte(a * size + tag, INT);
            pc += 3;
            if (pc == code.length) {
                pc = 0;
            }
        }
        return check(buffer.getLong(0));
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long baselineHeapArrays() {
        long[] payloads = this.payloads;
        byte[] tags = this.tags;
        int[] code = CODE;
        for (int r = 0; r < REGISTERS; r++) {
            payloads[r] = r + 1;
            tags[r] = INT;
        }
        int pc = 0;
        for (int step = 0; step < STEPS; step++) {
            int a = code[pc];
            int b = code[pc + 1];
            int c = code[pc + 2];
            if (tags[b] != INT || tags[c] != INT) {
                throw new IllegalStateException("type mismatch");
            }
            payloads[a] = payloads[b] + payloads[c];
            tags[a] = INT;
            pc += 3;
            if (pc == code.length) {
                pc = 0;
            }
        }
        return expected == 0 ? payloads[0] : check(payloads[0]);
    }

    private long check(long result) {
        if (result != expected) {
            throw new IllegalStateException("register program computed " + result + ", expected " + expected);
        }
        return result;
    }
}
