package dev.limn.lang;

import dev.limn.lang.BlockLowering.OpenBlock;
import dev.limn.text.Diagnostic;
import dev.limn.text.Source;
import dev.limn.text.Span;
import dev.limn.value.DurationValue;
import dev.limn.vm.Instr;
import dev.limn.vm.Opcode;
import dev.limn.vm.Proto;
import dev.limn.vm.Tag;
import dev.limn.vm.Types;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One function while it is compiled, kept apart from the compiling of statements and
 * expressions as Lua keeps {@code lcode.c} apart from {@code lparser.c}: its instructions with
 * the source position of each, its constants, register allocation, jump patching, its
 * exception table, the boxes it captures (added along the chain of enclosing functions) and
 * its nested functions. {@link #proto} hands them to a {@link Proto.Builder}. It also emits
 * the reads and writes of variables, which depend only on where a variable lives: a
 * register, a box in a register, or a box captured from an enclosing function.
 *
 * <p>The {@link Compiler} makes one per function and keeps the one being compiled current.
 * Besides the code, this holds the statement compiler's state that starts afresh in each
 * function (its open loops and concurrent blocks, its live atomic variables, the register
 * floor of the current statement): a {@code break} in a nested function belongs to no loop of
 * the enclosing one.
 */
final class FunctionBuilder {
    /** A loop being compiled: the jumps its {@code break} and {@code continue} statements leave to patch. */
    static final class Loop {
        final List<Integer> breaks = new ArrayList<>();
        final List<Integer> continues = new ArrayList<>();
        /** Where {@code continue} jumps, when known before the body; else -1 and the jumps wait in {@link #continues}. */
        int continueTarget = -1;
        /** Blocks open in the function when the loop began: break and continue end the ones opened since. */
        final int blockDepth;

        private Loop(int blockDepth) {
            this.blockDepth = blockDepth;
        }
    }

    /** An exception table entry (see {@link #addHandler}). */
    private record Handler(int start, int end, int target, int register) {}

    private final Source source;
    private final List<Diagnostic> diagnostics;
    /** The function this one is nested in; null for the program's main function. */
    final FunctionBuilder parent;
    /** The node the function is compiled from: the owner that {@link LocalVar#fn} names. */
    final Object key;
    private final String name;
    private final Span span;
    private long[] code = new long[64];
    private int[] lines = new int[64];
    private int[] cols = new int[64];
    private int[] lens = new int[64];
    private int pc;
    private final List<Long> kPay = new ArrayList<>();
    private final List<Byte> kTag = new ArrayList<>();
    private final List<Object> kRef = new ArrayList<>();
    private final Map<List<Object>, Integer> kIndex = new HashMap<>();
    private final List<Proto> protos = new ArrayList<>();
    private final List<LocalVar> upVars = new ArrayList<>();
    private final List<Boolean> upFromLocal = new ArrayList<>();
    private final List<Integer> upIndex = new ArrayList<>();
    private final List<Handler> handlers = new ArrayList<>();
    /** The lowest free register: registers below it are in use; lowering it releases the ones above. */
    int freeReg;
    private int maxRegs;
    /** An operand did not fit its field: the function is reported too large once. */
    private boolean tooLarge;

    /** The loops whose body is being compiled, innermost first. */
    final Deque<Loop> loops = new ArrayDeque<>();
    /** The concurrent blocks whose body is being compiled, outermost first. */
    final List<OpenBlock> openBlocks = new ArrayList<>();
    /** A shared read-modify-write being compiled: reads of this variable read rmwReg instead. */
    LocalVar rmwVar;
    int rmwReg;
    /** Off-heap atomics of the open scopes, in declaration order: released when their scope ends or the function returns. */
    final List<LocalVar> liveAtomics = new ArrayList<>();
    /** A worker body or a parallel loop's: the pc of its loop's top, where return goes after sending. */
    int unitLoopTop = -1;
    /** A parallel loop's body, compiled as its chunk's own loop. */
    boolean parallelLoop;
    /**
     * freeReg when the current statement began: registers at or above it are temporaries (or a
     * variable this statement declares, not yet visible).
     */
    int stmtBase;

    /** A function with no enclosing one: the program's main function. */
    FunctionBuilder(Object key, String name, Span span, Source source, List<Diagnostic> diagnostics) {
        this(null, key, name, span, source, diagnostics);
    }

    private FunctionBuilder(FunctionBuilder parent, Object key, String name, Span span, Source source,
                            List<Diagnostic> diagnostics) {
        this.parent = parent;
        this.key = key;
        this.name = name;
        this.span = span;
        this.source = source;
        this.diagnostics = diagnostics;
    }

    /**
     * The upvalue through which this function's body reads its own declaration's variable, when
     * nothing assigns that variable: from the declaration on it holds this function's closure,
     * the one whose body reads it (its box is made afresh each time the declaration runs), so
     * a call through it is a self call ({@code Proto.selfUpval}). -1 otherwise.
     */
    private int selfUpval() {
        for (int i = 0; i < upVars.size(); i++) {
            LocalVar v = upVars.get(i);
            if (v.declaredBy == key && !v.assigned) {
                return i;
            }
        }
        return -1;
    }

    /** A function nested in this one, compiled from {@code key}. */
    FunctionBuilder nested(Object key, String name, Span span) {
        return new FunctionBuilder(this, key, name, span, source, diagnostics);
    }

    /**
     * This function's parts; the caller adds its parameters (none unless set) and whether it
     * is async. Called once the code is complete.
     */
    Proto.Builder proto() {
        if (tooLarge) {
            // the program does not compile (the error is reported); its operands do not fit an
            // instruction, so no function is built from them
            return new Proto.Builder(name).source(source, span).registers(1);
        }
        int n = kPay.size();
        long[] kp = new long[n];
        byte[] kt = new byte[n];
        for (int i = 0; i < n; i++) {
            kp[i] = kPay.get(i);
            kt[i] = kTag.get(i);
        }
        boolean[] fromLocal = new boolean[upVars.size()];
        int[] index = new int[upVars.size()];
        String[] names = new String[upVars.size()];
        for (int i = 0; i < fromLocal.length; i++) {
            fromLocal[i] = upFromLocal.get(i);
            index[i] = upIndex.get(i);
            names[i] = upVars.get(i).name;
        }
        int h = handlers.size();
        int[] start = new int[h];
        int[] end = new int[h];
        int[] target = new int[h];
        int[] reg = new int[h];
        for (int i = 0; i < h; i++) {
            start[i] = handlers.get(i).start();
            end[i] = handlers.get(i).end();
            target[i] = handlers.get(i).target();
            reg[i] = handlers.get(i).register();
        }
        return new Proto.Builder(name).source(source, span).registers(Math.max(1, maxRegs))
                .code(Arrays.copyOf(code, pc))
                .positions(Arrays.copyOf(lines, pc), Arrays.copyOf(cols, pc), Arrays.copyOf(lens, pc))
                .constants(kp, kt, kRef.toArray()).protos(protos.toArray(new Proto[0]))
                .upvalues(fromLocal, index, names).selfUpval(selfUpval()).handlers(start, end, target, reg);
    }

    // ------------------------------------------------------------------ code

    private void error(String message, Span at) {
        diagnostics.add(new Diagnostic(null, message, source, at));
    }

    /** Appends an instruction, underlining {@code at} (null: no position) in diagnostics; returns its pc. */
    int emit(Opcode op, int a, int b, int c, boolean k, Span at) {
        if ((a > Instr.MAX_A || b > Instr.MAX_B) && !tooLarge) {
            tooLarge = true;
            error("function " + (parent == null ? "at the top level" : "'" + name + "'")
                    + " too large: it needs more than " + (Instr.MAX_A + 1)
                    + " registers (variables and values in use at once); split it into smaller functions", at);
        }
        if (pc == code.length) {
            int n = pc * 2;
            code = Arrays.copyOf(code, n);
            lines = Arrays.copyOf(lines, n);
            cols = Arrays.copyOf(cols, n);
            lens = Arrays.copyOf(lens, n);
        }
        Span position = at == null ? Span.NONE : at;
        code[pc] = Instr.make(op, a, b, c, k);
        lines[pc] = position.line();
        cols[pc] = position.col();
        lens[pc] = position.length();
        return pc++;
    }

    /** The pc the next instruction will have. */
    int pc() {
        return pc;
    }

    /** Points the jump at {@code at} to {@code target}. */
    void patch(int at, int target) {
        int off = target - (at + 1);
        if (off < Instr.MIN_SC || off > Instr.MAX_SC) {
            error("function too large: jump out of range", Span.NONE);
        }
        code[at] = Instr.withC(code[at], off);
    }

    /** Points the jumps to the next instruction and forgets them. */
    void patchHere(List<Integer> jumps) {
        for (int j : jumps) {
            patch(j, pc);
        }
        jumps.clear();
    }

    /** The index of constant {@code value}, added if new; equal constants of one class share an index. */
    int constant(Object value) {
        byte tag;
        long pay = 0;
        Object ref = null;
        if (value instanceof Long l) {
            tag = Tag.INT;
            pay = l;
        } else if (value instanceof Double d) {
            tag = Tag.FLOAT;
            pay = Double.doubleToRawLongBits(d);
        } else if (value instanceof Boolean b) {
            tag = Tag.BOOL;
            pay = b ? 1 : 0;
        } else if (value instanceof DurationValue d) {
            tag = Tag.DURATION;
            pay = d.nanos();
        } else if (value == null) {
            tag = Tag.NIL;
        } else {
            tag = Tag.REF;
            ref = value;
        }
        List<Object> constantKey = Arrays.asList(tag, pay, ref == null ? null : ref.getClass(), ref);
        Integer i = kIndex.get(constantKey);
        if (i != null) {
            return i;
        }
        int index = kPay.size();
        kPay.add(pay);
        kTag.add(tag);
        kRef.add(ref);
        kIndex.put(constantKey, index);
        return index;
    }

    /** Takes the lowest free register. */
    int alloc() {
        int r = freeReg++;
        if (freeReg > maxRegs) {
            maxRegs = freeReg;
        }
        return r;
    }

    /**
     * Adds an exception table entry: a raise at a pc in [start, end) stores the error in
     * {@code errorRegister} and continues at {@code target}. Entries added first win, so an
     * inner range must be added before the ranges around it (compiling a body before adding
     * its own handler does that).
     */
    void addHandler(int start, int end, int target, int errorRegister) {
        handlers.add(new Handler(start, end, target, errorRegister));
    }

    /** Adds a function nested in this one; returns the index its CLOSURE instructions name. */
    int addProto(Proto proto) {
        protos.add(proto);
        return protos.size() - 1;
    }

    /** A new loop, ending on break and continue the blocks opened since now. */
    Loop newLoop() {
        return new Loop(openBlocks.size());
    }

    // ------------------------------------------------------------------ variables

    /** The index of {@code v} among this function's captured boxes, adding it (and along the chain) if new. */
    int upvalue(LocalVar v) {
        int i = upVars.indexOf(v);
        if (i >= 0) {
            return i;
        }
        boolean fromLocal = v.fn == parent.key;
        int index = fromLocal ? v.reg : parent.upvalue(v);
        upVars.add(v);
        upFromLocal.add(fromLocal);
        upIndex.add(index);
        return upVars.size() - 1;
    }

    /** Loads variable {@code v} as it is: an atomic variable gives its cell, not its value. */
    void loadVar(LocalVar v, int dest, Span at) {
        if (v.fn != key) {
            emit(Opcode.GETUPVAL, dest, upvalue(v), 0, false, at);
        } else if (v.captured) {
            emit(Opcode.GETBOX, dest, v.reg, 0, false, at);
        } else if (v.reg != dest) {
            emit(Opcode.MOVE, dest, v.reg, 0, false, at);
        }
    }

    /** Stores register {@code src} in variable {@code v}, without a type check. */
    void storeVar(LocalVar v, int src, Span at) {
        if (v.fn == key) {
            if (v.captured) {
                emit(Opcode.SETBOX, v.reg, src, 0, false, at);
            } else if (v.reg != src) {
                emit(Opcode.MOVE, v.reg, src, 0, false, at);
            }
        } else {
            emit(Opcode.SETUPVAL, src, upvalue(v), 0, false, at);
        }
    }

    /** Binds a loop variable or handler binder held in {@code reg}; a captured one gets a fresh box. */
    void bindLoopVar(LocalVar v, int reg) {
        if (v.captured) {
            v.reg = alloc();
            emit(Opcode.NEWBOX, v.reg, 0, 0, false, null);
            emit(Opcode.SETBOX, v.reg, reg, 0, false, null);
        } else {
            v.reg = reg;
        }
    }

    /** Checks register {@code reg} against {@code v}'s declared type, if it has one other than any. */
    void checkType(LocalVar v, int reg, Span at) {
        if (v.typeCode >= 0 && v.typeCode != Types.ANY) {
            emit(Opcode.CHECKTYPE, reg, v.typeCode, constant(v.name), false, at);
        }
    }
}
