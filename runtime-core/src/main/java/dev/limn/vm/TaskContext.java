package dev.limn.vm;

import static dev.limn.offheap.RegisterFile.REGISTER_BYTES;
import static dev.limn.offheap.RegisterFile.lpPayload;
import static dev.limn.offheap.RegisterFile.lpPayloadAt;
import static dev.limn.offheap.RegisterFile.lpTag;
import static dev.limn.offheap.RegisterFile.lpTagAt;
import static dev.limn.offheap.RegisterFile.sp;
import static dev.limn.offheap.RegisterFile.spAt;

import dev.limn.offheap.RegisterFile;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.SplittableRandom;

/**
 * The whole execution state of one task, so that the interpreter can leave it at any
 * suspension point and any thread can resume it.
 *
 * <ul>
 *   <li>Registers: off-heap blocks from {@link RegisterBlocks}; references of a register
 *       live in the on-heap shadow array of its block at the same index. A frame's window
 *       lies inside one block; a call whose window would not fit moves on to the next
 *       block (allocated once, kept until the task ends), copying its arguments.</li>
 *   <li>Frames: parallel arrays (return pc, caller base, caller block, caller closure,
 *       result register), grown by doubling; a script call pushes a record and slides the
 *       window, it never recurses on the Java stack.</li>
 *   <li>{@code trap}: set by other threads (cancellation, time-slice, termination), read
 *       with acquire at back-edges and calls.</li>
 * </ul>
 * The interpreter caches the frame's address ({@link #frameAddress}) in a local; it changes
 * only in {@link #call}, {@link #ret} and {@link #unwind}, after which it reloads it.
 * {@link #call} and {@link #ret} are the hot halves of a script call and stay small enough
 * for C2 to inline them into the dispatch loop (FreqInlineSize, 325 bytes of bytecode);
 * everything unusual goes to {@link #callSlow}.
 */
public final class TaskContext {
    public static final int TRAP_YIELD = 1;
    public static final int TRAP_CANCEL = 2;
    public static final int TRAP_TERMINATE = 4;

    private static final VarHandle TRAP;

    static {
        try {
            TRAP = MethodHandles.lookup().findVarHandle(TaskContext.class, "trap", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    MemorySegment regs;
    /** The raw address of register 0 of {@link #regs}; changes with it. */
    long regsAddress;
    Object[] refs;
    int base;
    int pc;
    Closure closure;

    private MemorySegment[] blocks = new MemorySegment[2];
    private Object[][] shadows = new Object[2][];
    private int block;

    int depth;
    private int[] fPc = new int[16];
    private int[] fBase = new int[16];
    private int[] fBlock = new int[16];
    private int[] fRet = new int[16];
    private Closure[] fClosure = new Closure[16];
    /** min(maxDepth, frame array length): one compare on the fast call path covers both. */
    private int frameLimit;

    @SuppressWarnings("unused")
    private int trap;

    final int maxDepth;
    final PrintStream out;
    final SplittableRandom random;
    final String description;
    ErrorValue error;
    private boolean closed;

    public TaskContext(Closure main, PrintStream out, int maxDepth, long seed, String description) {
        this.out = out;
        this.maxDepth = maxDepth;
        this.random = new SplittableRandom(seed);
        this.description = description;
        blocks[0] = RegisterBlocks.allocate();
        shadows[0] = new Object[RegisterFile.capacity(blocks[0])];
        regs = blocks[0];
        regsAddress = regs.address();
        refs = shadows[0];
        closure = main;
        frameLimit = Math.min(maxDepth, fPc.length);
        if (main.proto.maxRegs > RegisterFile.capacity(regs)) {
            throw new LimnError("StackOverflow", "function " + main.proto.displayName() + " needs too many registers");
        }
    }

    /** The error that ended the task (status {@link Interpreter#FAILED}), else null. */
    public ErrorValue error() {
        return error;
    }

    public String description() {
        return description;
    }

    public int laTrap() {
        return (int) TRAP.getAcquire(this);
    }

    /** Sets trap bits from any thread. */
    public void orTrap(int bits) {
        TRAP.getAndBitwiseOrRelease(this, bits);
    }

    void clearTrap(int bits) {
        TRAP.getAndBitwiseAndRelease(this, ~bits);
    }

    /** Returns every register block; idempotent. The task must not run afterwards. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < blocks.length; i++) {
            if (blocks[i] != null) {
                RegisterBlocks.free(blocks[i]);
                blocks[i] = null;
                shadows[i] = null;
            }
        }
        regs = null;
        regsAddress = 0;
        refs = null;
    }

    // ------------------------------------------------------------------ values

    /** Register {@code abs} (an absolute index in the current block) in object form. */
    public Object get(int abs) {
        return Values.box(lpTag(regs, abs), lpPayload(regs, abs), refs[abs]);
    }

    public void set(int abs, Object v) {
        byte tag = Values.tagOf(v);
        sp(regs, abs, tag, Values.payloadOf(v));
        refs[abs] = tag == Tag.REF ? v : null;
    }

    // ------------------------------------------------------------------ calls

    /** The raw address of the current frame's first register. */
    long frameAddress() {
        return regsAddress + base * REGISTER_BYTES;
    }

    /**
     * Calls the value in register {@code base + a} with the {@code argc} arguments after it.
     * A closure gets a new frame whose window starts at the first argument; a builtin runs
     * at once. Raises before changing any state, so the error belongs to the caller's pc.
     * This is the fast path: a closure given all its parameters, with room for its frame
     * record and its window in the current block.
     *
     * @return the pc to continue at
     */
    int call(int a, int argc, int retPc) {
        int fn = base + a;
        Object callee = refs[fn];
        int d = depth;
        // R[fn] lies inside the caller's window, which was checked when the caller was entered
        if (lpTagAt(regsAddress + fn * REGISTER_BYTES) == Tag.REF && callee instanceof Closure c
                && argc == c.proto.numParams && d < frameLimit && fn + 1 + c.proto.maxRegs <= refs.length) {
            fPc[d] = retPc;
            fBase[d] = base;
            fBlock[d] = block;
            fRet[d] = fn;
            fClosure[d] = closure;
            depth = d + 1;
            base = fn + 1;
            closure = c;
            return 0;
        }
        return callSlow(fn, argc, retPc);
    }

    /** {@link #call} for builtins, errors, missing arguments, frame growth and block changes. */
    private int callSlow(int fn, int argc, int retPc) {
        Object callee = lpTag(regs, fn) == Tag.REF ? refs[fn] : null;
        if (!(callee instanceof Closure c)) {
            if (callee instanceof Builtin bi) {
                bi.checkArity(argc);
                set(fn, bi.invoke(this, fn + 1, argc));
                return retPc;
            }
            throw LimnError.typeMismatch("cannot call " + Values.typeNameOfTag(lpTag(regs, fn), callee));
        }
        Proto p = c.proto;
        if (argc < p.minArgs || argc > p.numParams) {
            throw new LimnError("ArityMismatch", "fn " + p.displayName() + " expects " + p.numParams
                    + (p.numParams == 1 ? " argument" : " arguments") + ", got " + argc);
        }
        if (depth >= maxDepth) {
            throw new LimnError("StackOverflow", "call depth exceeded " + maxDepth);
        }
        if (depth == fPc.length) {
            growFrames();
        }
        int d = depth;
        fPc[d] = retPc;
        fBase[d] = base;
        fBlock[d] = block;
        fRet[d] = fn;
        fClosure[d] = closure;
        depth = d + 1;
        int nb = fn + 1;
        if (nb + p.maxRegs > refs.length) {
            nb = nextBlock(nb, argc);
        }
        for (int i = argc; i < p.numParams; i++) {
            sp(regs, nb + i, Tag.ABSENT, 0);
        }
        base = nb;
        closure = c;
        return 0;
    }

    /** Moves to the next block (allocating it the first time), copying the arguments to its start. */
    private int nextBlock(int from, int argc) {
        MemorySegment old = regs;
        Object[] oldRefs = refs;
        block++;
        if (block == blocks.length) {
            blocks = java.util.Arrays.copyOf(blocks, block * 2);
            shadows = java.util.Arrays.copyOf(shadows, block * 2);
        }
        if (blocks[block] == null) {
            blocks[block] = RegisterBlocks.allocate();
            shadows[block] = new Object[RegisterFile.capacity(blocks[block])];
        }
        regs = blocks[block];
        regsAddress = regs.address();
        refs = shadows[block];
        for (int i = 0; i < argc; i++) {
            sp(regs, i, lpTag(old, from + i), lpPayload(old, from + i));
            refs[i] = oldRefs[from + i];
        }
        return 0;
    }

    private void growFrames() {
        int n = fPc.length * 2;
        fPc = java.util.Arrays.copyOf(fPc, n);
        fBase = java.util.Arrays.copyOf(fBase, n);
        fBlock = java.util.Arrays.copyOf(fBlock, n);
        fRet = java.util.Arrays.copyOf(fRet, n);
        fClosure = java.util.Arrays.copyOf(fClosure, n);
        frameLimit = Math.min(maxDepth, n);
    }

    /**
     * Returns the value of register {@code src} (absolute, or -1 for nil) to the caller.
     *
     * @return the caller's pc, or -1 when the task's outermost frame returned
     */
    int ret(int src) {
        int d = depth - 1;
        if (d < 0) {
            return -1;
        }
        byte tag = Tag.NIL;
        long pay = 0;
        Object ref = null;
        if (src >= 0) {
            // src lies inside the returning frame's window, dst inside the caller's
            long r = regsAddress + src * REGISTER_BYTES;
            tag = lpTagAt(r);
            pay = lpPayloadAt(r);
            if (tag == Tag.REF) {
                ref = refs[src];
            }
        }
        depth = d;
        int b = fBlock[d];
        if (b != block) {
            block = b;
            regs = blocks[b];
            regsAddress = regs.address();
            refs = shadows[b];
        }
        int dst = fRet[d];
        spAt(regsAddress + dst * REGISTER_BYTES, tag, pay);
        if (tag == Tag.REF) {
            refs[dst] = ref;
        }
        base = fBase[d];
        closure = fClosure[d];
        fClosure[d] = null;
        return fPc[d];
    }

    /**
     * Finds the handler of a raise at {@code faultPc}, walking frames outward; stores the
     * error in the handler's register.
     *
     * @return the handler pc, or -1 when no frame handles it (the task fails)
     */
    int unwind(ErrorValue err, int faultPc) {
        err.placeIfAbsent(closure.proto.source, closure.proto.spanAt(faultPc));
        if (err.task == null) {
            err.task = description;
        }
        int[] reg = new int[1];
        int at = faultPc;
        for (;;) {
            int h = closure.proto.handlerFor(at, reg);
            if (h >= 0) {
                set(base + reg[0], err);
                return h;
            }
            if (depth == 0) {
                error = err;
                return -1;
            }
            at = ret(-1) - 1;
        }
    }

    /** Acts on the trap bits; returns the interpreter status to leave with, or -1 to go on. Saves nothing: the caller saved pc. */
    int onTrap() {
        int bits = laTrap();
        if ((bits & TRAP_TERMINATE) != 0) {
            return Interpreter.TERMINATED;
        }
        if ((bits & TRAP_CANCEL) != 0) {
            clearTrap(TRAP_CANCEL);
            throw new LimnError("Cancelled", "the task was cancelled");
        }
        if ((bits & TRAP_YIELD) != 0) {
            clearTrap(TRAP_YIELD);
            return Interpreter.SUSPENDED;
        }
        return -1;
    }
}
