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
    public final int[] lines;
    public final int[] cols;
    public final int[] lens;
    public final int[] exStart;
    public final int[] exEnd;
    public final int[] exHandler;
    public final int[] exReg;
    /** An {@code async fn} (SPEC §7): a call starts it as a task and returns a future. Set once, before any run. */
    boolean async;

    public Proto(String name, Source source, Span span, int numParams, int minArgs, int maxRegs,
                 long[] code, long[] kPay, byte[] kTag, Object[] kRef, Proto[] protos,
                 boolean[] upFromLocal, int[] upIndex, String[] upNames, int[] lines, int[] cols, int[] lens,
                 int[] exStart, int[] exEnd, int[] exHandler, int[] exReg) {
        this.name = name;
        this.source = source;
        this.span = span;
        this.numParams = numParams;
        this.minArgs = minArgs;
        this.maxRegs = maxRegs;
        this.code = code;
        this.kPay = kPay;
        this.kTag = kTag;
        this.kRef = kRef;
        this.kPayTag = new long[2 * kPay.length];
        for (int i = 0; i < kPay.length; i++) {
            kPayTag[2 * i] = kPay[i];
            kPayTag[2 * i + 1] = kTag[i];
        }
        this.protos = protos;
        this.upFromLocal = upFromLocal;
        this.upIndex = upIndex;
        this.upNames = upNames;
        this.lines = lines;
        this.cols = cols;
        this.lens = lens;
        this.exStart = exStart;
        this.exEnd = exEnd;
        this.exHandler = exHandler;
        this.exReg = exReg;
        checkRegisters();
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

    /** Marks this function as {@code async fn}; returns it. Called by the compiler, before any run. */
    public Proto markAsync() {
        async = true;
        return this;
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
