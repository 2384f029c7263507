package dev.limn.vm;

import dev.limn.text.Source;
import dev.limn.text.Span;

/**
 * A compiled function: its code, constants (tags and payloads unboxed, references in
 * {@code kRef}), register count, nested functions, how its closure captures boxes, the
 * per-pc source spans that runtime diagnostics underline, and its exception table.
 *
 * <p>Exception table entry i covers pcs {@code exStart[i] <= pc < exEnd[i]}; a raise there
 * stores the error in register {@code exReg[i]} and continues at {@code exHandler[i]}.
 * Inner ranges come first, so the first entry that covers a pc is the innermost handler.
 */
public final class Proto {
    public final String name;
    public final Source source;
    public final Span span;
    public final int numParams;
    /** Arguments needed: the position after the last parameter without a default. */
    public final int minArgs;
    public final int maxRegs;
    public final long[] code;
    public final long[] kPay;
    public final byte[] kTag;
    public final Object[] kRef;
    /** kPay and kTag interleaved (payload of constant i at 2i, its tag at 2i + 1): one array for the interpreter to keep at hand. */
    final long[] kPayTag;
    public final Proto[] protos;
    /** For each captured box: true when it is the enclosing frame's register upIndex, false when it is the enclosing closure's box upIndex. */
    public final boolean[] upFromLocal;
    public final int[] upIndex;
    public final String[] upNames;
    /**
     * The upvalue that holds this function's own closure whenever its body runs (its
     * declaration's variable, which nothing assigns), or -1: a call through it is a self call
     * with no need to read the box ({@code TaskContext.enterFastSelf}).
     */
    public final int selfUpval;
    public final int[] lines;
    public final int[] cols;
    public final int[] lens;
    public final int[] exStart;
    public final int[] exEnd;
    public final int[] exHandler;
    public final int[] exReg;
    /** An {@code async fn} (SPEC §7): a call starts it as a task and returns a future. */
    final boolean async;
    /** The compiled tier's code and counts for this function. */
    final Tier.Info tier = new Tier.Info();
    /**
     * The top level only: its variables by name (the last declaration of a name wins) and the
     * register of each, which holds the value, or its {@link Box} when a function captures it.
     * The top level leaves them there when it returns, so a host reads them after a load.
     */
    public final String[] globalNames;
    public final int[] globalRegs;

    private Proto(Builder b) {
        this.name = b.name;
        this.source = b.source;
        this.span = b.span;
        this.numParams = b.numParams;
        this.minArgs = b.minArgs;
        this.maxRegs = b.maxRegs;
        this.code = b.code;
        this.kPay = b.kPay;
        this.kTag = b.kTag;
        this.kRef = b.kRef;
        this.kPayTag = new long[2 * kPay.length];
        for (int i = 0; i < kPay.length; i++) {
            kPayTag[2 * i] = kPay[i];
            kPayTag[2 * i + 1] = kTag[i];
        }
        this.protos = b.protos;
        this.upFromLocal = b.upFromLocal;
        this.upIndex = b.upIndex;
        this.upNames = b.upNames;
        this.selfUpval = b.selfUpval;
        this.lines = b.lines != null ? b.lines : new int[code.length];
        this.cols = b.cols != null ? b.cols : new int[code.length];
        this.lens = b.lens != null ? b.lens : new int[code.length];
        this.exStart = b.exStart;
        this.exEnd = b.exEnd;
        this.exHandler = b.exHandler;
        this.exReg = b.exReg;
        this.async = b.async;
        this.globalNames = b.globalNames;
        this.globalRegs = b.globalRegs;
        checkRegisters();
    }

    /**
     * The parts of a {@link Proto}, set by name. A part not set is empty: no code, constants,
     * nested functions, captured boxes or handlers, no parameters, and line and column 0 at
     * every pc. Arrays are kept as given, not copied.
     */
    public static final class Builder {
        private final String name;
        private Source source;
        private Span span;
        private int numParams;
        private int minArgs;
        private int maxRegs;
        private long[] code = new long[0];
        private int[] lines;
        private int[] cols;
        private int[] lens;
        private long[] kPay = new long[0];
        private byte[] kTag = new byte[0];
        private Object[] kRef = new Object[0];
        private Proto[] protos = new Proto[0];
        private boolean[] upFromLocal = new boolean[0];
        private int[] upIndex = new int[0];
        private String[] upNames = new String[0];
        private int selfUpval = -1;
        private int[] exStart = new int[0];
        private int[] exEnd = new int[0];
        private int[] exHandler = new int[0];
        private int[] exReg = new int[0];
        private boolean async;
        private String[] globalNames = new String[0];
        private int[] globalRegs = new int[0];

        /** A function named {@code name}, or anonymous when it is null. */
        public Builder(String name) {
            this.name = name;
        }

        /** The source the function was compiled from, and the span of its declaration. */
        public Builder source(Source source, Span span) {
            this.source = source;
            this.span = span;
            return this;
        }

        /** Its parameter count, and how many arguments a call must pass (see {@link Proto#minArgs}). */
        public Builder params(int numParams, int minArgs) {
            this.numParams = numParams;
            this.minArgs = minArgs;
            return this;
        }

        /** The size of its register window. */
        public Builder registers(int maxRegs) {
            this.maxRegs = maxRegs;
            return this;
        }

        /** Its instructions, in the {@link Instr} layout. */
        public Builder code(long[] code) {
            this.code = code;
            return this;
        }

        /** The source position of each pc: line, column and length of the span it underlines. */
        public Builder positions(int[] lines, int[] cols, int[] lens) {
            this.lines = lines;
            this.cols = cols;
            this.lens = lens;
            return this;
        }

        /** Constant i is {@code kTag[i]} with payload {@code kPay[i]}, or the reference {@code kRef[i]}. */
        public Builder constants(long[] kPay, byte[] kTag, Object[] kRef) {
            this.kPay = kPay;
            this.kTag = kTag;
            this.kRef = kRef;
            return this;
        }

        /** The functions nested in it, in the order its CLOSURE instructions name them. */
        public Builder protos(Proto[] protos) {
            this.protos = protos;
            return this;
        }

        /** Its captured boxes, as {@link Proto#upFromLocal}, {@link Proto#upIndex} and {@link Proto#upNames}. */
        public Builder upvalues(boolean[] fromLocal, int[] index, String[] names) {
            this.upFromLocal = fromLocal;
            this.upIndex = index;
            this.upNames = names;
            return this;
        }

        /** The upvalue holding the function's own closure while it runs ({@link Proto#selfUpval}), or -1. */
        public Builder selfUpval(int upvalue) {
            this.selfUpval = upvalue;
            return this;
        }

        /** Its exception table, innermost ranges first (see {@link Proto}). */
        public Builder handlers(int[] start, int[] end, int[] handler, int[] reg) {
            this.exStart = start;
            this.exEnd = end;
            this.exHandler = handler;
            this.exReg = reg;
            return this;
        }

        /** Whether it is an {@code async fn}. */
        /** The top level's variables and their registers (see {@link Proto#globalNames}). */
        public Builder globals(String[] names, int[] regs) {
            this.globalNames = names;
            this.globalRegs = regs;
            return this;
        }

        public Builder async(boolean async) {
            this.async = async;
            return this;
        }

        /**
         * The function.
         *
         * @throws IllegalStateException when an instruction uses a register at or above the
         *         register count (a compiler defect)
         */
        public Proto build() {
            return new Proto(this);
        }
    }

    /**
     * Checks that every register operand of the code lies below {@link #maxRegs}: the
     * interpreter reads registers unchecked ({@link Interpreter}), and this check, with the
     * window check at call entry, is what keeps those reads inside the frame. A failure is
     * a compiler defect.
     */
    private void checkRegisters() {
        if (maxRegs < 0 || maxRegs > Instr.MAX_A + 1) {
            throw new IllegalStateException("fn " + displayName() + ": register count " + maxRegs + " out of range");
        }
        for (int pc = 0; pc < code.length; pc++) {
            long i = code[pc];
            Opcode op = Opcode.of(Instr.op(i));
            int top = op.highestRegister(i);
            if (top >= maxRegs) {
                throw new IllegalStateException("fn " + displayName() + " pc " + pc + ": " + op
                        + " uses register " + top + " of " + maxRegs);
            }
        }
    }

    public String displayName() {
        return name == null ? "anonymous" : name;
    }

    public Span spanAt(int pc) {
        if (pc < 0 || pc >= lines.length) {
            return span;
        }
        return new Span(lines[pc], cols[pc], lens[pc]);
    }

    /** Constant i in object form. */
    public Object constant(int i) {
        return Values.box(kTag[i], kPay[i], kRef[i]);
    }

    /** Whether this is an {@code async fn}. */
    public boolean isAsync() {
        return async;
    }

    /** The handler pc for a raise at {@code pc}, or -1; {@code regOut[0]} receives the error register. */
    public int handlerFor(int pc, int[] regOut) {
        for (int i = 0; i < exStart.length; i++) {
            if (pc >= exStart[i] && pc < exEnd[i]) {
                regOut[0] = exReg[i];
                return exHandler[i];
            }
        }
        return -1;
    }
}
