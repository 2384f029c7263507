package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.c;
import static dev.limn.vm.Instr.k;
import static dev.limn.vm.Instr.sc;
import static java.lang.constant.ConstantDescs.CD_Long;
import static java.lang.constant.ConstantDescs.CD_MethodHandle;
import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_byte;
import static java.lang.constant.ConstantDescs.CD_double;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import dev.limn.offheap.CheckedMode;
import dev.limn.vm.Opcode.Op;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles a function's register bytecode to a JVM method ({@link Compiled#run}) in a hidden
 * class.
 *
 * <p><b>Register states.</b> A forward analysis gives every register, at every pc, a state:
 * in memory (the register window is the truth; any tag), or an int, float or bool held in a
 * JVM local, clean (the window holds the same value) or dirty. Constants, int and float
 * arithmetic, moves and counting loops produce locals; a register of unknown tag that an
 * arithmetic or compare instruction reads is guarded: its tag is checked against the guess for
 * that instruction (the other operand's kind, else int) and loaded into a local. A failed guard
 * leaves the frame to the interpreter at that instruction with every dirty local written back
 * ({@link Tier#exited}); after repeated exits the guess is widened (int to float or to mixed,
 * then none; see {@link #widen}) and the function compiled again. A mixed guess converts an
 * int or float operand in memory to a double, at least one a float, as the interpreter's slow
 * path does. Where two paths meet, a register keeps its local only if
 * both paths hold it in a local of the same kind; otherwise the path that holds it writes it
 * back.
 *
 * <p><b>Lists.</b> GETINDEX, SETINDEX, METHOD {@code push} and {@code len}, and CALLB
 * {@code len} of a list call small helpers of {@link TierOps} with the index and the value in
 * locals, guarded on a list receiver and an int index in range; a failed guard exits before
 * the instruction. A loop head keeps its dead temporaries in memory ({@link #deadAtLoopHeads}).
 *
 * <p><b>Everything else</b> is one call of {@link TierOps#step}, which executes the
 * instruction on the register window exactly as the interpreter does, after every dirty local
 * is written back; the registers it may write are read from memory again. So an instruction
 * that suspends, raises or calls into the runtime needs nothing of its own: its state is in the
 * window, its pc in the task. Int overflow and division by zero leave to the interpreter
 * before the instruction, which then raises the error itself.
 *
 * <p><b>Entries</b> are pc 0, the heads of loops and the instructions that may suspend (where a
 * resumed task goes on); each loads the registers kept in locals there, tags checked.
 *
 * <p><b>Calls</b> write back every dirty local, enter the callee's frame as the interpreter
 * does ({@link TaskContext#call}), and run the callee's compiled code on the same JVM stack.
 * A function that calls itself also gets a <b>fast entry</b> ({@link Fast}): a static method
 * that its own call sites invoke directly with the arguments in JVM locals, which returns the
 * result in the JVM and whose frame record is written only if it does not return there
 * ({@link TaskContext#enterFast}, {@link TaskContext#recordFast}). A small function has a fast
 * entry too, and a call site compiled against its code ({@link Tier#knownCallees}) invokes it
 * through a constant method handle of the class data, after checking that the callee's code
 * is still that one.
 * <b>Back edges</b> charge the budget and read the trap word as the interpreter's do.
 */
final class TierCompiler {
    static final byte GUESS_INT = 0;
    static final byte GUESS_FLOAT = 1;
    static final byte GUESS_NONE = 2;
    /**
     * An int or a float, at least one operand a float: the operands are converted to doubles as
     * the interpreter's slow path converts them (an arithmetic or compare instruction whose
     * operands were seen both ints and floats). For GETINDEX: the item goes to the window, any value.
     */
    static final byte GUESS_MIXED = 3;

    /** C2 compiles no method of more bytecode than this (HotSpot's HugeMethodLimit). */
    static final int MAX_BYTECODE = 8000;
    /** A JVM frame's slots beyond its locals: its operand stack and the frame's own bookkeeping, generously. */
    static final int FRAME_OVERHEAD_SLOTS = 24;
    /** Registers past which a function is not compiled: four JVM local slots each. */
    static final int MAX_REGS = 4000;

    // register states: a kind, plus DIRTY when the local differs from the window
    private static final byte MEM = 0;
    private static final byte INT = 1;
    private static final byte FLT = 2;
    private static final byte BOOL = 3;
    private static final byte DIRTY = 0x10;

    private static final ClassDesc CD_TASK = ClassDesc.of(TaskContext.class.getName());
    private static final ClassDesc CD_COMPILED = ClassDesc.of(Compiled.class.getName());
    private static final ClassDesc CD_TIER = ClassDesc.of(Tier.class.getName());
    private static final ClassDesc CD_OPS = ClassDesc.of(TierOps.class.getName());
    private static final ClassDesc CD_REGS = ClassDesc.of(Registers.class.getName());
    private static final ClassDesc CD_CLOSURE = ClassDesc.of(Closure.class.getName());
    private static final ClassDesc CD_PROTO = ClassDesc.of(Proto.class.getName());
    private static final ClassDesc CD_INFO = ClassDesc.of(Tier.Info.class.getName());
    /** The generated class itself (a hidden class's references to its own name are to itself). */
    private static final ClassDesc SELF = ClassDesc.of(Compiled.class.getPackageName() + ".CompiledFn");
    private static final ClassDesc CD_MATH = ClassDesc.of("java.lang.Math");
    private static final ClassDesc CD_DOUBLE = ClassDesc.of("java.lang.Double");
    private static final ClassDesc CD_ARITH_EX = ClassDesc.of("java.lang.ArithmeticException");
    private static final MethodTypeDesc RUN = MethodTypeDesc.of(CD_int, CD_TASK, CD_int);
    private static final MethodTypeDesc TAG_AT = MethodTypeDesc.of(CD_byte, CD_TASK, CD_long);
    private static final MethodTypeDesc PAY_AT = MethodTypeDesc.of(CD_long, CD_TASK, CD_long);
    private static final MethodTypeDesc SP_AT = MethodTypeDesc.of(CD_void, CD_TASK, CD_long, CD_byte, CD_long);
    private static final MethodTypeDesc SP_CALLER_AT = MethodTypeDesc.of(CD_void, CD_TASK, CD_int, CD_long, CD_byte, CD_long);
    private static final MethodTypeDesc EXACT = MethodTypeDesc.of(CD_long, CD_long, CD_long);
    private static final MethodTypeDesc BITS = MethodTypeDesc.of(CD_long, CD_double);
    private static final MethodTypeDesc FROM_BITS = MethodTypeDesc.of(CD_double, CD_long);
    private static final MethodTypeDesc STEP = MethodTypeDesc.of(CD_int, CD_TASK, CD_long, CD_int);
    private static final MethodTypeDesc TASK_INT = MethodTypeDesc.of(CD_int, CD_TASK, CD_int);
    private static final MethodTypeDesc TASK_INT_INT = MethodTypeDesc.of(CD_int, CD_TASK, CD_int, CD_int);
    private static final MethodTypeDesc TASK_TO_INT = MethodTypeDesc.of(CD_int, CD_TASK);

    // JVM locals of the generated method
    private static final int THIS = 0;
    private static final int TASK = 1;
    private static final int ENTRY = 2;
    private static final int FP = 3;
    private static final int DEPTH = 5;
    private static final int NEXT = 6;
    private static final int EXIT_PC = 7;
    /** The task's fuel, kept in a local between the places that write it back ({@link #writeBackAll}). */
    private static final int FUEL = 8;
    /** A fast call's callee, between the check that enters its frame and the invocation of its fast entry. */
    private static final int CALLEE = 11;
    /** The frame's base, register segment and closure at entry: what a lazily recorded fast call records ({@link TaskContext#recordFast}). */
    private static final int BASE = 12;
    private static final int SEGMENT = 13;
    private static final int CLOSURE = 14;
    /** Operands found floats by a mixed int/float guess's guards ({@link #GUESS_MIXED}). */
    private static final int FLOATS = 15;
    /** A list's item between its fetch and its type check. */
    private static final int ITEM = 16;
    /**
     * JVM stack slots that compiled frames take, this one's included: a fast entry's argument,
     * else {@link TaskContext#tierNesting} at entry. The field is written from this local only
     * where something else reads it (a generic call, {@link Tier#callee}), so a fast call
     * does not touch it.
     */
    private static final int NEST = 17;
    /** Trap reads since this entry of {@code run} ({@link #backEdge}: a long loop comes back through {@link Tier#enter}). */
    private static final int ROUNDS = 18;
    /**
     * The fuel below which the next back edge looks at the fuel and the trap word: never below
     * 0, so a spent fuel is seen at once, and {@link #TRAP_EVERY} charges of the back edge that
     * last looked under the fuel then, so the trap is read about that often ({@link #backEdge}).
     * {@code Long.MAX_VALUE} wherever the fuel was reloaded from the task (a refill may have
     * raised it): the next back edge looks.
     */
    private static final int MARK = 19;
    private static final int FIRST_REG = 21;
    /**
     * A loop reads the task's trap word about once in this many back edges: the read is opaque,
     * which keeps C2 from unrolling a loop around it, and a thousand iterations of a compiled
     * loop take about a microsecond. The back edge that reads it sets {@link #MARK} this many
     * of its own charges below the fuel. The budget is still charged at every back edge.
     */
    static final int TRAP_EVERY = 1024;
    /**
     * Trap reads (the first back edge, then one in {@link #TRAP_EVERY}) after which a loop of the
     * outermost compiled frame returns {@link Compiled#AGAIN}, about 3,000 back edges. See
     * docs/design.md, "The compiled tier", Safepoints: a loop that runs in one invocation of
     * {@code run} runs in the JVM's on-stack-replacement compilation, 3 to 4 times slower here.
     */
    static final int AGAIN_ROUNDS = 4;

    /** The compiled code and its entry pcs, or why there is none. */
    record Result(Compiled code, boolean[] entries, String whyNot) {}

    /** Marks a lazily loaded callee's source as a box in a register (GETBOX), not a captured variable ({@link #pendingUpval}). */
    private static final int FROM_BOX = 1 << 20;

    /** Parameters a fast entry takes as JVM arguments, at most (the rest stay in the window): they sit below {@link #FIRST_REG}. */
    static final int MAX_FAST_ARGS = 5;

    /**
     * A function's fast entry: a static method {@code fast(Closure callee, TaskContext t, ...)}
     * that runs a frame its compiled caller entered ({@link TaskContext#enterFast}, whose
     * record the caller writes only if the callee does not return in the JVM; or
     * {@link TaskContext#callFast} when {@code lazy} is false: the function has a
     * {@code return err(...)}, which reads its caller's record), its
     * parameters of kind {@code params[i]} (not MEM) passed as JVM arguments ({@code long}, or
     * {@code double} for a float) instead of through the window, and that returns a value of
     * kind {@code ret} in the JVM ({@code double} for a float, else {@code long}; MEM: every
     * return goes through the window). Where it ends otherwise it says so in
     * {@link TaskContext#fastStatus}. After the parameters come the JVM stack slots of compiled
     * frames, the callee's included ({@code int}), and the task's fuel ({@code long}), which
     * the caller holds in locals: read from the task, they would wait on the caller's stores.
     */
    record Fast(byte[] params, int ret, MethodTypeDesc desc, int slots, boolean lazy, Proto proto) {
        static Fast of(byte[] params, int ret, Proto p) {
            int maxRegs = p.maxRegs;
            // a return err(...) reads its caller's frame record (the call site): recorded eagerly
            boolean lazy = true;
            for (long w : p.code) {
                if (Instr.op(w) == Op.RAISE && k(w) != 0) {
                    lazy = false;
                }
            }
            List<ClassDesc> args = new ArrayList<>();
            args.add(CD_CLOSURE);
            args.add(CD_TASK);
            for (byte k : params) {
                if (k != MEM) {
                    args.add(k == FLT ? CD_double : CD_long);
                }
            }
            // then the JVM stack slots that compiled frames take, the callee's included, and the
            // fuel: the caller has both in locals (the nesting is not kept in the task at all)
            args.addAll(List.of(CD_int, CD_long));
            return new Fast(params, ret, MethodTypeDesc.of(ret == FLT ? CD_double : CD_long, args.toArray(ClassDesc[]::new)),
                    FIRST_REG + 4 * maxRegs + FRAME_OVERHEAD_SLOTS, lazy, p);
        }

        /** The JVM argument slot of parameter {@code i}, which is passed ({@code params.length}: the nesting, after them). */
        int slot(int i) {
            int at = 2;
            for (int j = 0; j < i; j++) {
                if (params[j] != MEM) {
                    at += 2;
                }
            }
            return at;
        }

        String describe() {
            StringBuilder sb = new StringBuilder("arguments ");
            String sep = "";
            for (int i = 0; i < params.length; i++) {
                sb.append(sep).append('r').append(i).append(' ').append(kindName(params[i]));
                sep = ", ";
            }
            if (params.length == 0) {
                sb.append("none");
            }
            return sb.append("; result ").append(kindName(ret)).toString();
        }

        private static String kindName(int k) {
            return switch (k) {
                case INT -> "int";
                case FLT -> "float";
                case BOOL -> "bool";
                default -> "in the window";
            };
        }
    }

    /**
     * The fast entry this analysed function gets, or null: it must seem to call itself (a call
     * with all its parameters, of a register loaded from a captured variable of its own name;
     * the call site checks at run time that the callee is this function), and not be async.
     * A parameter is passed in the JVM when such a call holds it in a local (the first such
     * call's kind); the result, when a return holds it in a local.
     */
    private Fast fastSignature() {
        if (p.async || p.name == null) {
            return null;
        }
        int np = p.numParams;
        byte[] params = new byte[np];
        boolean[] seen = new boolean[np];
        boolean sites = false;
        for (int pc = 0; pc < code.length; pc++) {
            byte[] s = in[pc];
            if (s == null) {
                continue;
            }
            long w = code[pc];
            if (guessAt(pc) != GUESS_NONE && selfSite(w)) {
                sites = true;
                for (int i = 0; i < np; i++) {
                    int k = s[a(w) + 1 + i] & 0xF;
                    if (!seen[i] && k != MEM) {
                        seen[i] = true;
                        params[i] = (byte) k;
                    }
                }
            }
        }
        if (!sites) {
            return null;
        }
        int passed = 0;
        for (int i = 0; i < np; i++) {
            if (params[i] != MEM && ++passed > MAX_FAST_ARGS) {
                params[i] = MEM;
            }
        }
        return Fast.of(params, returnKind(), p);
    }

    /** Whether some CALL of this analysed code takes a fast entry ({@link #fastSite}). */
    private boolean fastCallSites() {
        for (int pc = 0; pc < code.length; pc++) {
            if (in[pc] != null && Instr.op(code[pc]) == Op.CALL && fastSite(pc, code[pc], in[pc]) != null) {
                return true;
            }
        }
        return false;
    }

    /** Whether some CALL of this function seems to call itself (the fast entry's first use). */
    private boolean selfCalls() {
        for (long w : code) {
            if (selfSite(w)) {
                return true;
            }
        }
        return false;
    }

    /** The kind of the first RETURN of this analysed code whose value is in a local; MEM if none. */
    private int returnKind() {
        for (int pc = 0; pc < code.length; pc++) {
            long w = code[pc];
            if (in[pc] != null && Instr.op(w) == Op.RETURN && (in[pc][a(w)] & 0xF) != MEM) {
                return in[pc][a(w)] & 0xF;
            }
        }
        return MEM;
    }

    /** Whether {@code w} is a CALL of all this function's parameters whose callee seems to be this function ({@link #selfRegister}). */
    private boolean selfSite(long w) {
        return Instr.op(w) == Op.CALL && b(w) == p.numParams && selfRegister(a(w));
    }

    /** Whether some GETUPVAL loads register {@code r} from a captured variable named as this function. */
    private boolean selfRegister(int r) {
        for (long w : code) {
            if (Instr.op(w) == Op.GETUPVAL && a(w) == r && b(w) < p.upNames.length && p.name.equals(p.upNames[b(w)])) {
                return true;
            }
        }
        return false;
    }

    /**
     * The fast entry the CALL {@code w} at {@code pc}, registers in {@code s}, invokes when its
     * callee is the function expected there: this function's own (a self call), or that of the
     * known small function compiled for the site ({@link #callees}); null for the generic call.
     * Every parameter the entry takes in the JVM must be in a local of its kind here, or in the
     * window (loaded and checked before the call).
     */
    private Fast fastSite(int pc, long w, byte[] s) {
        if (guessAt(pc) == GUESS_NONE) {
            return null;
        }
        Fast f;
        if (callees != null && callees[pc] != null) {
            f = callees[pc].fast;
        } else if (sig != null && selfSite(w)) {
            f = sig;
        } else {
            return null;
        }
        for (int i = 0; i < f.params.length; i++) {
            byte k = f.params[i];
            int held = s[a(w) + 1 + i] & 0xF;
            if (k != MEM && held != k && held != MEM) {
                return null;
            }
        }
        return f;
    }

    /** Whether the CALL at {@code pc} is of a known small function (not this one), whose fast entry is a constant of the class ({@link #constant}). */
    private boolean knownSite(int pc) {
        return callees != null && callees[pc] != null;
    }

    private final Proto p;
    /** The fast entry's signature, when the function has one (self calls take it); null otherwise. */
    private final Fast sig;
    /** Per CALL, the known small function's code the call site invokes directly (its fast entry), or null ({@link Tier#knownCallees}). */
    private final Compiled[] callees;
    /** Whether this compiler emits the fast entry ({@code fast}) rather than {@link Compiled#run}. */
    private final boolean fastBody;
    /**
     * Whether the task's depth, base and closure may be another frame's while this body runs: in
     * a fast entry (its caller entered its frame without writing them) and in code that makes
     * fast calls (a callee returns without writing them back). Such code writes them before
     * anything reads them ({@link #syncFrame}). Set when emission starts ({@link #fastCallSites}):
     * code without fast calls keeps none of it, nor the frame's locals alive for it, which in a
     * loop cost registers (B1's loop ran 2.5 times slower with them).
     */
    private boolean lazyFrames;
    private final long[] code;
    private final int n;
    private final byte[] guesses;
    /** The state at each pc's start; null where no path leads. */
    private final byte[][] in;
    private final boolean[] entries;
    /** Per loop head, its dead registers ({@link #deadAtLoopHeads}); set by {@link #analyse}. */
    private boolean[][] dead;
    /** Why each instruction is executed by {@link TierOps#step} rather than in locals, where it is; for {@link #describe}. */
    private final String[] stepped;

    // emission
    private CodeBuilder cb;
    private Label[] labels;
    private final Map<String, Label> exitStubs = new HashMap<>();
    /** Per pc: for a GETUPVAL or GETBOX, the CALL whose callee it loads lazily ({@link #lazyCallees}), else -1. */
    private int[] lazyCallee;
    /** While emitting: the register of a lazy GETUPVAL or GETBOX not yet in the window, or -1; its box and its CALL. */
    private int pendingReg = -1;
    /** The pending callee's box: a captured variable's index, or {@link #FROM_BOX} plus the register holding the box (GETBOX). */
    private int pendingUpval;
    private int pendingCall;
    private final List<Runnable> outOfLine = new ArrayList<>();
    /**
     * While emitting: whether the code just emitted made the task's frame this one's
     * ({@link #syncFrame}) with nothing since that may change it on the straight-line path to
     * here (a label, a call, a step), so another sync would be redundant.
     */
    private boolean synced;
    private Label exitNext;

    private TierCompiler(Proto p, byte[] guesses, Fast sig, boolean fastBody, Compiled[] callees) {
        this.p = p;
        this.sig = sig;
        this.callees = callees;
        this.fastBody = fastBody;
        this.code = p.code;
        this.n = p.maxRegs;
        this.guesses = guesses;
        this.in = new byte[code.length][];
        this.entries = new boolean[code.length];
        this.stepped = new String[code.length];
    }

    /**
     * Compiles {@code p} with the operand guesses {@code guesses} (null: every guess int), its
     * calls of known small functions ({@code callees}, per pc; null: none) invoking their fast
     * entries directly.
     */
    static Result compile(Proto p, byte[] guesses, Compiled[] callees) {
        if (p.maxRegs > MAX_REGS) {
            return new Result(null, null, tooManyRegisters(p));
        }
        TierCompiler[] cs = compilers(p, guesses, callees);
        TierCompiler c = cs[0];
        byte[] bytes = c.generate(cs[1]);
        int size = methodSize(bytes, "run");
        if (cs[1] != null && (size > MAX_BYTECODE || methodSize(bytes, "fast") > MAX_BYTECODE)) {
            // without the fast entries: the method is smaller, and the fast one may be the large one
            c = new TierCompiler(p, guesses, null, false, null);
            c.analyse();
            bytes = c.generate(null);
            size = methodSize(bytes, "run");
        }
        if (size > MAX_BYTECODE) {
            return new Result(null, null, tooBig(size));
        }
        try {
            MethodHandles.Lookup hidden = MethodHandles.lookup().defineHiddenClassWithClassData(bytes, classData(c.callees), true);
            Compiled cc = (Compiled) hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
            cc.slots = slots(p);
            cc.callees = c.callees;
            if (c.sig != null) {
                cc.fast = c.sig;
                cc.fastHandle = hidden.findStatic(hidden.lookupClass(), "fast",
                        (MethodType) c.sig.desc.resolveConstantDesc(MethodHandles.lookup()));
            }
            return new Result(cc, c.entries, null);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The compilers of {@code p}'s methods, analysed: {@link Compiled#run}'s, and the fast
     * entry's when the function has one (else null). The fast entry's signature comes from a
     * first analysis without it: the kinds its own full-arity calls pass, and the kind its
     * returns give.
     */
    private static TierCompiler[] compilers(Proto p, byte[] guesses, Compiled[] callees) {
        TierCompiler plain = new TierCompiler(p, guesses, null, false, callees);
        plain.analyse();
        Fast sig = plain.fastSignature();
        if (sig == null && Tier.smallCallee(p)) {
            // a small function: its compiled callers call its fast entry, its arguments in the window
            sig = Fast.of(new byte[p.numParams], plain.returnKind(), p);
        }
        if (sig == null) {
            return new TierCompiler[] {plain, null};
        }
        TierCompiler fast = new TierCompiler(p, guesses, sig, true, callees);
        fast.analyse();
        if (sig.ret == MEM && fast.returnKind() != MEM) {
            // a parameter passed in a local is returned as it is (no instruction guarded it before)
            sig = Fast.of(sig.params, fast.returnKind(), p);
            fast = new TierCompiler(p, guesses, sig, true, callees);
            fast.analyse();
        }
        TierCompiler run = new TierCompiler(p, guesses, sig, false, callees);
        run.analyse();
        return new TierCompiler[] {run, fast};
    }

    /**
     * The generated class's constants ({@link MethodHandles#classData}): per CALL of a known
     * small function, in pc order, the callee's proto, its code and its fast entry's handle.
     */
    private static List<Object> classData(Compiled[] callees) {
        List<Object> data = new ArrayList<>();
        if (callees != null) {
            for (Compiled cc : callees) {
                if (cc != null) {
                    data.add(cc.fast.proto);
                    data.add(cc);
                    data.add(cc.fastHandle);
                }
            }
        }
        return data;
    }

    /** Loads constant {@code i} of the class data ({@link #classData}) of type {@code type}. */
    private void constant(int i, ClassDesc type) {
        cb.loadConstant(DynamicConstantDesc.ofNamed(ConstantDescs.BSM_CLASS_DATA_AT, ConstantDescs.DEFAULT_NAME, type, i));
    }

    /** The index in the class data of the first constant of the known call at {@code pc}. */
    private int siteConstants(int pc) {
        int k = 0;
        for (int q = 0; q < pc; q++) {
            if (callees[q] != null) {
                k += 3;
            }
        }
        return k;
    }

    /**
     * What the tier would do with {@code p} at its first compilation, for {@code limn disasm
     * --tier}: whether it is compiled (and if not, why), its entries, and which instructions
     * are not specialised (run by {@link TierOps#step} on the register window) or never
     * compiled (reached only through an error handler). One line each, indented.
     */
    static String describe(Proto p) {
        if (p.maxRegs > MAX_REGS) {
            return "  tier: not compiled: " + tooManyRegisters(p) + "\n";
        }
        TierCompiler[] cs = compilers(p, null, null);
        TierCompiler c = cs[0];
        byte[] bytes = c.generate(cs[1]);
        int size = methodSize(bytes, "run");
        if (cs[1] != null && (size > MAX_BYTECODE || methodSize(bytes, "fast") > MAX_BYTECODE)) {
            c = new TierCompiler(p, null, null, false, null);
            c.analyse();
            bytes = c.generate(null);
            size = methodSize(bytes, "run");
        }
        StringBuilder sb = new StringBuilder();
        if (size > MAX_BYTECODE) {
            return "  tier: not compiled: " + tooBig(size) + "\n";
        }
        List<String> entries = new ArrayList<>();
        for (int pc = 0; pc < c.entries.length; pc++) {
            if (c.entries[pc] && c.in[pc] != null) {
                entries.add(Integer.toString(pc));
            }
        }
        sb.append("  tier: compiled to ").append(size).append(" bytes of JVM bytecode, entered at pc ")
                .append(String.join(", ", entries)).append('\n');
        if (c.sig != null && c.selfCalls()) {
            sb.append("  tier: calls of itself take its fast entry (").append(c.sig.describe()).append(")\n");
        } else if (c.sig != null) {
            sb.append("  tier: compiled callers call its fast entry (").append(c.sig.describe()).append(")\n");
        }
        for (int pc = 0; pc < c.code.length; pc++) {
            if (c.in[pc] == null) {
                int end = pc;
                while (end + 1 < c.code.length && c.in[end + 1] == null) {
                    end++;
                }
                sb.append("  tier: ").append(end > pc ? "pcs " + pc + "-" + end : "pc " + pc)
                        .append(" not compiled: reached only through an error handler (or not at all); the interpreter runs it\n");
                pc = end;
            } else if (c.stepped[pc] != null) {
                sb.append("  tier: pc ").append(pc).append(' ').append(Opcode.of(Instr.op(c.code[pc])))
                        .append(" not specialised: ").append(c.stepped[pc]).append('\n');
            }
        }
        return sb.toString();
    }

    private static String tooManyRegisters(Proto p) {
        return "it has " + p.maxRegs + " registers (at most " + MAX_REGS + " are compiled)";
    }

    private static String tooBig(int size) {
        return "its compiled form has " + size + " bytes of JVM bytecode (the JIT takes at most " + MAX_BYTECODE + ")";
    }

    private static int methodSize(byte[] bytes, String name) {
        for (MethodModel m : ClassFile.of().parse(bytes).methods()) {
            if (m.methodName().equalsString(name)) {
                return m.findAttribute(java.lang.classfile.Attributes.code()).map(CodeAttribute::codeLength).orElse(0);
            }
        }
        return 0;
    }

    /**
     * The widened guess for the instruction {@code w} whose guard failed, from the operand tags
     * in the window now. Arithmetic and compares: an int guess that met floats only becomes
     * float; one that met an int with a float (or a float guess that met an int) becomes mixed
     * where the instruction has a mixed form; anything else none. GETINDEX (its item's kind):
     * an int guess that met a float item becomes float, else the item goes to the window
     * (mixed); a receiver that is not a list, or an index that is not an int in its range, makes
     * it none. The other list fast paths (SETINDEX, push, len) go to none at once.
     */
    static byte widen(byte guess, TaskContext t, long w) {
        int op = Instr.op(w);
        int base = t.base;
        if (op == Op.GETINDEX) {
            return widenItem(guess, t, w);
        }
        if (guess != GUESS_INT && guess != GUESS_FLOAT) {
            return GUESS_NONE;
        }
        int[] regs = switch (op) {
            case Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MOD -> new int[] {b(w), c(w)};
            case Op.ADDK, Op.SUBK, Op.MULK, Op.DIVK, Op.MODK -> new int[] {b(w)};
            case Op.LT, Op.LE, Op.EQ -> new int[] {a(w), b(w)};
            case Op.LTK, Op.LEK, Op.GTK, Op.GEK, Op.EQK -> new int[] {a(w)};
            default -> new int[0];
        };
        if (regs.length == 0) {
            return GUESS_NONE;
        }
        boolean ints = false;
        boolean floats = false;
        boolean other = false;
        for (int r : regs) {
            byte tag = Registers.lpTag(t, base + r);
            ints |= tag == Tag.INT;
            floats |= tag == Tag.FLOAT;
            other |= tag != Tag.INT && tag != Tag.FLOAT;
        }
        int kc = switch (op) {
            case Op.ADDK, Op.SUBK, Op.MULK, Op.DIVK, Op.MODK -> c(w);
            case Op.LTK, Op.LEK, Op.GTK, Op.GEK, Op.EQK -> b(w);
            default -> -1;
        };
        if (kc >= 0) {
            byte tag = t.closure.proto.kTag[kc];
            ints |= tag == Tag.INT;
            floats |= tag == Tag.FLOAT;
            other |= tag != Tag.INT && tag != Tag.FLOAT;
        }
        if (other || !floats) {
            return GUESS_NONE;
        }
        if (guess == GUESS_INT && !ints) {
            return GUESS_FLOAT;
        }
        return hasMixedForm(op) ? GUESS_MIXED : GUESS_NONE;
    }

    /** Whether instruction {@code op} has a form for {@link #GUESS_MIXED} operands. */
    private static boolean hasMixedForm(int op) {
        return switch (op) {
            case Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.ADDK, Op.SUBK, Op.MULK, Op.DIVK,
                 Op.LT, Op.LE, Op.LTK, Op.LEK, Op.GTK, Op.GEK -> true;
            default -> false;
        };
    }

    /** {@link #widen} of a GETINDEX from its item now. */
    private static byte widenItem(byte guess, TaskContext t, long w) {
        if (guess == GUESS_MIXED || guess == GUESS_NONE) {
            return GUESS_NONE;
        }
        int rc = t.base + c(w);
        if (Registers.lpTag(t, rc) != Tag.INT) {
            return GUESS_NONE;
        }
        Object item = TierOps.item(t, b(w), Registers.lpPayload(t, rc));
        if (item == TierOps.MISS) {
            return GUESS_NONE;
        }
        return guess == GUESS_INT && item instanceof Double ? GUESS_FLOAT : GUESS_MIXED;
    }

    // ------------------------------------------------------------------ analysis

    private void analyse() {
        ArrayDeque<Integer> work = new ArrayDeque<>();
        in[0] = new byte[n];
        if (fastBody) {
            for (int i = 0; i < p.numParams; i++) {
                if (sig.params[i] != MEM) {
                    in[0][i] = (byte) (sig.params[i] | DIRTY); // an argument in the JVM: the window has not got it
                }
            }
        }
        entries[0] = true;
        work.add(0);
        dead = deadAtLoopHeads();
        while (!work.isEmpty()) {
            int pc = work.poll();
            byte[] s = in[pc].clone();
            instruction(pc, s, (target, state) -> {
                if (target < pc) {
                    entries[target] = true;
                }
                byte[] old = in[target];
                byte[] joined = old == null ? state.clone() : join(old, state);
                if (dead[target] != null) {
                    for (int r = 0; r < n; r++) {
                        if (dead[target][r]) {
                            joined[r] = MEM;
                        }
                    }
                }
                if (old == null || !Arrays.equals(old, joined)) {
                    in[target] = joined;
                    work.add(target);
                }
            });
        }
        // an instruction that may suspend is an entry too: its task resumes there, in the
        // interpreter, which enters the compiled code again at once
        for (int pc = 0; pc < code.length; pc++) {
            int op = Instr.op(code[pc]);
            if (in[pc] != null && Opcode.of(op).has(Opcode.Flag.MAY_SUSPEND)
                    && op != Op.JMP && op != Op.FORLOOP && op != Op.SUSPEND_TEST) {
                entries[pc] = true;
            }
        }
    }

    /**
     * Per loop head (the target of a backward jump, pc 0 aside), the registers dead there: on
     * every path from the head, written before anything reads them ({@link #killedFrom}). They
     * are kept in memory at the head rather than in locals, so a loop's temporaries (an item, a
     * call's result) do not make its head's entry refuse a task that left for the interpreter
     * and comes back with another kind in them; and a back edge does not write them back
     * ({@link #mustWriteBack}). Null where nothing is known dead.
     */
    private boolean[][] deadAtLoopHeads() {
        boolean[][] dead = new boolean[code.length][];
        boolean[][] memo = new boolean[code.length][];
        for (int pc = 0; pc < code.length; pc++) {
            long w = code[pc];
            if (!Opcode.of(Instr.op(w)).has(Opcode.Flag.JUMP) || sc(w) >= 0) {
                continue;
            }
            int head = pc + 1 + sc(w);
            if (head <= 0 || head >= code.length || dead[head] != null) {
                continue;
            }
            dead[head] = killedFrom(head, memo);
        }
        return dead;
    }

    /**
     * The registers that every path from {@code pc} writes before reading, as far as the
     * analysis sees: it follows only forward edges, so it ends; it knows the moves, loads,
     * arithmetic, index loads, forward jumps and the compares that branch; a return ends every path (reading
     * its operand and, at the top level, the variables a host keeps); any other instruction, a
     * backward jump, and an instruction a handler covers (a raise there continues at the
     * handler, which may read anything) end what is known there: no register is dead after it.
     */
    private boolean[] killedFrom(int pc, boolean[][] memo) {
        if (pc < 0 || pc >= code.length) {
            return new boolean[n];
        }
        if (memo[pc] != null) {
            return memo[pc];
        }
        boolean[] killed = new boolean[n];
        memo[pc] = killed; // no cycle reaches here again: every edge followed goes forward
        long x = code[pc];
        int op = Instr.op(x);
        if (p.handlerFor(pc, new int[1]) >= 0) {
            return killed;
        }
        int[] reads;
        int writes = -1;
        int branch = -1;
        switch (op) {
            case Op.RETURN, Op.RETNIL -> {
                Arrays.fill(killed, true);
                if (op == Op.RETURN) {
                    killed[a(x)] = false;
                }
                if (p.globalRegs != null) {
                    for (int r : p.globalRegs) {
                        killed[r] = false;
                    }
                }
                return killed;
            }
            case Op.MOVE, Op.GETBOX -> {
                reads = new int[] {b(x)};
                writes = a(x);
            }
            case Op.LOADK, Op.LOADINT, Op.LOADBOOL, Op.LOADNIL, Op.GETUPVAL -> {
                reads = new int[0];
                writes = a(x);
            }
            case Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MOD, Op.GETINDEX -> {
                reads = new int[] {b(x), c(x)};
                writes = a(x);
            }
            case Op.ADDK, Op.SUBK, Op.MULK, Op.DIVK, Op.MODK -> {
                reads = new int[] {b(x)};
                writes = a(x);
            }
            case Op.JMP -> {
                int target = pc + 1 + sc(x);
                if (target > pc) {
                    System.arraycopy(killedFrom(target, memo), 0, killed, 0, n);
                }
                return killed;
            }
            case Op.LT, Op.LE, Op.EQ -> {
                reads = new int[] {a(x), b(x)};
                branch = pc + 1 + sc(x);
            }
            case Op.LTK, Op.LEK, Op.GTK, Op.GEK, Op.EQK, Op.TEST -> {
                reads = new int[] {a(x)};
                branch = pc + 1 + sc(x);
            }
            default -> {
                return killed;
            }
        }
        if (branch >= 0 && branch <= pc) {
            return killed;
        }
        boolean[] after = killedFrom(pc + 1, memo);
        boolean[] taken = branch >= 0 ? killedFrom(branch, memo) : null;
        for (int r = 0; r < n; r++) {
            killed[r] = after[r] && (taken == null || taken[r]);
        }
        if (writes >= 0) {
            killed[writes] = true;
        }
        for (int r : reads) {
            killed[r] = false;
        }
        return killed;
    }

    private static byte[] join(byte[] x, byte[] y) {
        byte[] r = new byte[x.length];
        for (int i = 0; i < r.length; i++) {
            int kx = x[i] & 0xF;
            int ky = y[i] & 0xF;
            r[i] = kx == ky && kx != MEM ? (byte) (kx | ((x[i] | y[i]) & DIRTY)) : MEM;
        }
        return r;
    }

    /** Where control goes from an instruction: {@code target} with registers in {@code state}. */
    private interface Edges {
        void edge(int target, byte[] state);
    }

    // ------------------------------------------------------------------ generation

    private byte[] generate(TierCompiler fast) {
        ClassDesc self = SELF;
        ClassHierarchyResolver resolver = ClassHierarchyResolver.of(List.of(), Map.of(self, CD_COMPILED))
                .orElse(ClassHierarchyResolver.ofClassLoading(TierCompiler.class.getClassLoader()));
        return ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(resolver)).build(self, clb -> {
            clb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER | ClassFile.ACC_SYNTHETIC);
            clb.withSuperclass(CD_COMPILED);
            clb.withMethodBody("<init>", MethodTypeDesc.of(CD_void), 0, c -> {
                c.aload(THIS);
                c.invokespecial(CD_COMPILED, "<init>", MethodTypeDesc.of(CD_void));
                c.return_();
            });
            clb.withMethodBody("run", RUN, ClassFile.ACC_FINAL, this::body);
            if (fast != null) {
                clb.withMethodBody("fast", sig.desc, ClassFile.ACC_STATIC | ClassFile.ACC_FINAL, fast::body);
            }
        });
    }

    private void body(CodeBuilder c) {
        cb = c;
        synced = false;
        lazyFrames = fastBody || fastCallSites();
        exitStubs.clear();
        outOfLine.clear();
        labels = new Label[code.length];
        for (int pc = 0; pc < code.length; pc++) {
            labels[pc] = c.newLabel();
        }
        exitNext = c.newLabel();
        lazyCallee = lazyCallees();
        pendingReg = -1;
        if (fastBody) {
            // the arguments, below FIRST_REG, move to their registers' locals first
            for (int i = 0; i < p.numParams; i++) {
                byte k = sig.params[i];
                if (k == FLT) {
                    c.dload(sig.slot(i));
                    c.dstore(dslot(i));
                } else if (k != MEM) {
                    c.lload(sig.slot(i));
                    c.lstore(islot(i));
                }
            }
            // the nesting and the fuel follow the arguments: both loaded before either is stored,
            // as their slots may be the locals they go to
            int at = sig.slot(p.numParams);
            c.iload(at);
            c.lload(at + 1);
            c.lstore(FUEL);
            c.istore(NEST);
        } else {
            c.aload(TASK);
            c.getfield(CD_TASK, "tierNesting", CD_int);
            c.istore(NEST);
            reloadFuel();
        }
        c.aload(TASK);
        c.getfield(CD_TASK, "depth", CD_int);
        c.istore(DEPTH);
        c.aload(TASK);
        c.getfield(CD_TASK, "base", CD_int);
        c.istore(BASE);
        c.aload(TASK);
        c.iload(BASE);
        c.invokevirtual(CD_TASK, "frameAddress", MethodTypeDesc.of(CD_long, CD_int));
        c.lstore(FP);
        c.loadConstant(Long.MAX_VALUE);
        c.lstore(MARK); // the first back edge reads the trap
        if (fastBody) {
            c.iconst_0();
        } else {
            // Only the outermost compiled frame counts its trap reads towards AGAIN; any other
            // starts so low that it never gets there. Deciding here keeps NEST out of a loop's
            // registers: C2 spilled it to an XMM register and back on every iteration of B1's
            // loop in some compilations (1.1 against 0.57 ns an iteration, docs/design.md).
            Label outermost = c.newLabel();
            Label rounds = c.newLabel();
            c.iload(NEST);
            c.loadConstant(slots(p));
            c.if_icmpeq(outermost);
            c.loadConstant(Integer.MIN_VALUE);
            c.goto_(rounds);
            c.labelBinding(outermost);
            c.iconst_0();
            c.labelBinding(rounds);
        }
        c.istore(ROUNDS);
        if (sig != null || callees != null) {
            c.aload(TASK);
            c.invokevirtual(CD_TASK, "segmentIndex", MethodTypeDesc.of(CD_int));
            c.istore(SEGMENT);
            if (fastBody) {
                c.aload(0); // the callee's closure: the task's may be an ancestor's still
            } else {
                c.aload(TASK);
                c.getfield(CD_TASK, "closure", CD_CLOSURE);
            }
            c.astore(CLOSURE);
        }
        if (fastBody) {
            // the function's length, as the interpreter charges a call (Tier.callee)
            c.lload(FUEL);
            c.loadConstant((long) code.length);
            c.lsub();
            c.lstore(FUEL);
            c.goto_(labels[0]);
        } else {
            entrySwitch(c);
        }

        for (int pc = 0; pc < code.length; pc++) {
            if (in[pc] == null) {
                continue;
            }
            bind(labels[pc]);
            byte[] s = in[pc].clone();
            if (pendingReg >= 0 && pc > pendingCall) {
                throw new IllegalStateException("a lazy callee load outlived its call at pc " + pendingCall);
            }
            // every edge, the next pc's included, is an explicit jump after its write-backs
            instruction(pc, s, this::jumpTo);
        }
        bind(exitNext);
        c.aload(TASK);
        c.iload(NEXT);
        c.putfield(CD_TASK, "pc", CD_int);
        c.loadConstant(Compiled.EXIT);
        leave();
        for (int i = 0; i < outOfLine.size(); i++) {
            outOfLine.get(i).run();
        }
    }

    /** {@link Compiled#run}'s entries: 0, and the heads of loops, whose locals are loaded from the window. */
    private void entrySwitch(CodeBuilder c) {
        // the entries: 0, and the heads of loops, whose locals are loaded from the window
        List<SwitchCase> cases = new ArrayList<>();
        Label refuse = c.newLabel();
        List<Integer> heads = new ArrayList<>();
        for (int pc = 0; pc < code.length; pc++) {
            if (entries[pc] && in[pc] != null) {
                Label l = c.newLabel();
                cases.add(SwitchCase.of(pc, l));
                heads.add(pc);
            }
        }
        c.iload(ENTRY);
        c.lookupswitch(refuse, cases);
        for (int i = 0; i < heads.size(); i++) {
            int pc = heads.get(i);
            bind(cases.get(i).target());
            byte[] s = in[pc];
            for (int r = 0; r < n; r++) {
                if ((s[r] & 0xF) != MEM) {
                    loadChecked(r, s[r] & 0xF, refuse);
                }
            }
            c.goto_(labels[pc]);
        }
        bind(refuse);
        c.loadConstant(Compiled.EXIT); // t.pc is the entry asked for
        c.ireturn();
    }

    /**
     * Leaves this method with the status of {@link Compiled#run} on the operand stack: returns
     * it from {@code run}; from the fast entry, puts it in {@link TaskContext#fastStatus} for
     * the compiled caller, and returns a dummy value.
     */
    private void leave() {
        if (!fastBody) {
            cb.ireturn();
            return;
        }
        cb.aload(TASK);
        cb.swap();
        cb.putfield(CD_TASK, "fastStatus", CD_int);
        if (sig.ret == FLT) {
            cb.dconst_0();
            cb.dreturn();
        } else {
            cb.lconst_0();
            cb.lreturn();
        }
    }

    /**
     * Emits (or, in analysis, follows) instruction {@code pc} with registers in {@code s},
     * which it updates; reports each place control goes with the state there.
     */
    private void instruction(int pc, byte[] s, Edges out) {
        long w = code[pc];
        int op = Instr.op(w);
        int next = pc + 1;
        switch (op) {
            case Op.MOVE -> {
                int ra = a(w);
                int rb = b(w);
                int kind = s[rb] & 0xF;
                if (kind != MEM) {
                    if (emitting()) {
                        copyLocal(kind, rb, ra);
                    }
                    s[ra] = (byte) (kind | DIRTY);
                    out.edge(next, s);
                } else {
                    // a copy in memory: R[B] is there already
                    if (emitting()) {
                        cb.aload(TASK);
                        cb.loadConstant(ra);
                        cb.loadConstant(rb);
                        syncFrame();
                        cb.invokestatic(CD_OPS, "move", MethodTypeDesc.of(CD_void, CD_TASK, CD_int, CD_int));
                    }
                    s[ra] = MEM;
                    out.edge(next, s);
                }
            }
            case Op.LOADK -> {
                int kc = c(w);
                byte tag = p.kTag[kc];
                int ra = a(w);
                if (tag == Tag.INT || tag == Tag.FLOAT || tag == Tag.BOOL) {
                    int kind = tag == Tag.INT ? INT : tag == Tag.FLOAT ? FLT : BOOL;
                    if (emitting()) {
                        if (kind == FLT) {
                            cb.loadConstant(Double.longBitsToDouble(p.kPay[kc]));
                            cb.dstore(dslot(ra));
                        } else {
                            cb.loadConstant(p.kPay[kc]);
                            cb.lstore(islot(ra));
                        }
                    }
                    s[ra] = (byte) (kind | DIRTY);
                    out.edge(next, s);
                } else {
                    generic(pc, w, s, out, ra, ra + 1);
                }
            }
            case Op.LOADBOOL, Op.LOADINT -> {
                int ra = a(w);
                if (emitting()) {
                    cb.loadConstant(op == Op.LOADBOOL ? (long) b(w) : (long) sc(w));
                    cb.lstore(islot(ra));
                }
                s[ra] = (byte) ((op == Op.LOADBOOL ? BOOL : INT) | DIRTY);
                out.edge(next, s);
            }
            case Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MOD -> arith(pc, w, op, s, out, b(w), c(w), -1);
            case Op.ADDK, Op.SUBK, Op.MULK, Op.DIVK, Op.MODK -> arith(pc, w, op - 1, s, out, b(w), -1, c(w));
            case Op.JMP -> {
                int target = next + sc(w);
                if (target < next) {
                    backEdge(pc, sc(w), target, s, out);
                } else {
                    out.edge(target, s);
                }
            }
            case Op.TEST -> {
                int ra = a(w);
                int kind = s[ra] & 0xF;
                if (kind != MEM && kind != BOOL) {
                    exit(pc, s); // not a bool: the interpreter raises
                    return;
                }
                guard(pc, ra, BOOL, s);
                int target = next + sc(w);
                if (emitting()) {
                    cb.lload(islot(ra));
                    cb.loadConstant((long) k(w));
                    cb.lcmp();
                    cb.ifeq(branch(target, s));
                } else {
                    out.edge(target, s);
                }
                out.edge(next, s);
            }
            case Op.LT, Op.LE, Op.EQ -> compare(pc, w, op, s, out, a(w), b(w), -1);
            case Op.LTK, Op.LEK, Op.GTK, Op.GEK, Op.EQK -> compare(pc, w, op, s, out, a(w), -1, b(w));
            case Op.FORPREP -> forPrep(pc, w, s, out);
            case Op.FORLOOP -> forLoop(pc, w, s, out);
            case Op.CALL -> call(pc, w, s, out);
            case Op.RETURN, Op.RETNIL -> {
                if (emitting() && fastBody) {
                    fastReturn(op, w, s);
                } else if (emitting()) {
                    writeBackAll(s);
                    cb.aload(TASK);
                    if (op == Op.RETURN) {
                        cb.iload(BASE); // this frame's: the task's may be a returned callee's
                        cb.loadConstant(a(w));
                        cb.iadd();
                    } else {
                        cb.loadConstant(-1);
                    }
                    syncFrame();
                    cb.invokevirtual(CD_TASK, "ret", MethodTypeDesc.of(CD_int, CD_int));
                    cb.ireturn();
                }
            }
            case Op.DEFAULT -> {
                int ra = a(w);
                if ((s[ra] & 0xF) != MEM) {
                    out.edge(next + sc(w), s); // a value in a local is never absent
                } else {
                    generic(pc, w, s, out, -1, -1);
                }
            }
            case Op.SUSPEND_TEST -> {
                if (emitting()) {
                    writeBackAll(s);
                    cb.aload(TASK);
                    cb.loadConstant(next);
                    cb.putfield(CD_TASK, "pc", CD_int);
                    cb.loadConstant(Compiled.STOP - Interpreter.SUSPENDED);
                    leave();
                }
            }
            case Op.GETBOX, Op.GETUPVAL -> {
                // reads a box, writes R[A]: no local is read, nothing raises
                if (emitting() && lazyCallee != null && lazyCallee[pc] >= 0) {
                    // the callee of the CALL just below: read from the box there (lazyCallees)
                    pendingReg = a(w);
                    pendingUpval = op == Op.GETBOX ? FROM_BOX | b(w) : b(w);
                    pendingCall = lazyCallee[pc];
                } else if (emitting()) {
                    cb.aload(TASK);
                    address(a(w));
                    cb.loadConstant(a(w));
                    cb.loadConstant(b(w));
                    syncFrame();
                    cb.invokestatic(CD_OPS, op == Op.GETBOX ? "getBoxAt" : "getUpvalAt", MethodTypeDesc.of(CD_void, CD_TASK, CD_long, CD_int, CD_int));
                }
                s[a(w)] = MEM;
                out.edge(next, s);
            }
            case Op.SETBOX, Op.SETUPVAL, Op.AUPDATE -> generic(pc, w, s, out, -1, -1);
            case Op.GETINDEX -> getIndex(pc, w, s, out);
            case Op.SETINDEX -> setIndex(pc, w, s, out);
            case Op.METHOD -> method(pc, w, s, out);
            case Op.ITERNEXT -> iterNext(pc, w, s, out);
            case Op.CALLB -> builtin(pc, w, s, out);
            default -> generic(pc, w, s, out, a(w), n);
        }
    }

    /** {@link Compiled#slots} of {@code p}'s code. */
    static int slots(Proto p) {
        return FIRST_REG + 4 * p.maxRegs + FRAME_OVERHEAD_SLOTS;
    }

    private boolean emitting() {
        return cb != null;
    }

    /** {@code R[ra] := R[x] op R[y] (or K[kc])} in doubles, the operands in locals of kinds {@code kx}, {@code ky}. */
    private void floatArith(int pc, int op, byte[] s, Edges out, int ra, int x, int kx, int y, int ky, int kc) {
        if (emitting()) {
            loadDouble(x, kx, -1);
            loadDouble(y, ky, kc);
            doubleOp(op);
            cb.dstore(dslot(ra));
        }
        s[ra] = (byte) (FLT | DIRTY);
        out.edge(pc + 1, s);
    }

    // ------------------------------------------------------------------ instruction kinds

    /** {@code R[A] := R[x] op (R[y] or K[kc])} for ADD SUB MUL DIV MOD. */
    private void arith(int pc, long w, int op, byte[] s, Edges out, int x, int y, int kc) {
        int ra = a(w);
        int kx = s[x] & 0xF;
        int ky;
        if (kc >= 0) {
            ky = constantKind(kc);
        } else {
            ky = s[y] & 0xF;
        }
        if (mixedGuess(pc, kx, ky, kc)) {
            if (emitting()) {
                loadNumbers(pc, x, kx, y, ky, kc, s);
            }
            floatArith(pc, op, s, out, ra, x, kx, y, ky, kc);
            return;
        }
        int kind = numericKind(pc, kx, ky, op == Op.DIV ? FLT : INT);
        if (kind < 0 && mixed(kx, ky)) {
            // an int with a float: the int is converted, as the interpreter's slow path does
            floatArith(pc, op, s, out, ra, x, kx, y, ky, kc);
            return;
        }
        if (kind == INT && op == Op.DIV) {
            kind = -1; // int division: the interpreter's (exact, zero raising)
        }
        if (kind == FLT && op == Op.MOD) {
            kind = -1;
        }
        if (kind == INT && op == Op.MOD && kc >= 0 && p.kPay[kc] == 0) {
            kind = -1;
        }
        if (kind < 0) {
            generic(pc, w, s, out, ra, ra + 1);
            return;
        }
        guard(pc, x, kind, s);
        if (kc < 0) {
            guard(pc, y, kind, s);
        }
        if (kind == FLT) {
            floatArith(pc, op, s, out, ra, x, FLT, y, FLT, kc);
            return;
        }
        if (emitting()) {
            if (op == Op.MOD && kc < 0) {
                cb.lload(islot(y));
                cb.lconst_0();
                cb.lcmp();
                cb.ifeq(exitLabel(pc, s)); // division by zero: the interpreter raises it
            }
            Label start = cb.newLabel();
            Label end = cb.newLabel();
            bind(start);
            cb.lload(islot(x));
            if (kc >= 0) {
                cb.loadConstant(p.kPay[kc]);
            } else {
                cb.lload(islot(y));
            }
            switch (op) {
                case Op.ADD -> cb.invokestatic(CD_MATH, "addExact", EXACT);
                case Op.SUB -> cb.invokestatic(CD_MATH, "subtractExact", EXACT);
                case Op.MUL -> cb.invokestatic(CD_MATH, "multiplyExact", EXACT);
                default -> cb.lrem();
            }
            bind(end);
            cb.lstore(islot(ra));
            if (op != Op.MOD) {
                // overflow: the interpreter raises it, from the state before the instruction
                Label handler = cb.newLabel();
                Label stub = exitLabel(pc, s);
                cb.exceptionCatch(start, end, handler, CD_ARITH_EX);
                outOfLine.add(() -> {
                    bind(handler);
                    cb.pop();
                    cb.goto_(stub);
                });
            }
        }
        s[ra] = (byte) (kind | DIRTY);
        out.edge(pc + 1, s);
    }

    /**
     * Whether the instruction at {@code pc} takes its mixed form ({@link #GUESS_MIXED}): the
     * guess says so, the instruction has one, an operand is in memory and neither is known
     * to be other than a number.
     */
    private boolean mixedGuess(int pc, int kx, int ky, int kc) {
        if (guessAt(pc) != GUESS_MIXED || !hasMixedForm(Instr.op(code[pc]))) {
            return false;
        }
        boolean memory = kx == MEM || (kc < 0 && ky == MEM);
        return memory && (kx == MEM || kx == INT || kx == FLT) && (ky == MEM || ky == INT || ky == FLT);
    }

    /**
     * The mixed form's guards: each operand in memory must be an int or a float (else the frame
     * leaves to the interpreter at {@code pc}) and is converted to a double in its register's
     * float local, which its state does not claim (it stays in memory: the window holds an int
     * there, or a float). Unless an operand is known to be a float, at least one must be found
     * one: two ints are the interpreter's (int arithmetic, overflow checked).
     */
    private void loadNumbers(int pc, int x, int kx, int y, int ky, int kc, byte[] s) {
        boolean floatKnown = kx == FLT || ky == FLT;
        if (!floatKnown) {
            cb.iconst_0();
            cb.istore(FLOATS);
        }
        if (kx == MEM) {
            loadNumber(pc, x, s, !floatKnown);
        }
        if (kc < 0 && ky == MEM && y != x) {
            loadNumber(pc, y, s, !floatKnown);
        }
        if (!floatKnown) {
            cb.iload(FLOATS);
            cb.ifeq(exitLabel(pc, s));
        }
    }

    /** Register {@code r}, in memory, as a double in its float local: an int converted, a float as it is, anything else an exit at {@code pc}. */
    private void loadNumber(int pc, int r, byte[] s, boolean count) {
        Label notFloat = cb.newLabel();
        Label done = cb.newLabel();
        loadChecked(r, FLT, notFloat);
        if (count) {
            cb.iinc(FLOATS, 1);
        }
        cb.goto_(done);
        bind(notFloat);
        syncForCheck();
        cb.aload(TASK);
        address(r);
        cb.invokestatic(CD_REGS, "lpTagAt", TAG_AT);
        cb.loadConstant((int) Tag.INT);
        cb.if_icmpne(exitLabel(pc, s));
        cb.aload(TASK);
        address(r);
        cb.invokestatic(CD_REGS, "lpPayloadAt", PAY_AT);
        cb.l2d();
        cb.dstore(dslot(r));
        bind(done);
    }

    /** One operand an int and the other a float, both known. */
    private static boolean mixed(int kx, int ky) {
        return (kx == INT && ky == FLT) || (kx == FLT && ky == INT);
    }

    /** The double arithmetic of ADD SUB MUL DIV MOD on the two operands pushed. */
    private void doubleOp(int op) {
        switch (op) {
            case Op.ADD -> cb.dadd();
            case Op.SUB -> cb.dsub();
            case Op.MUL -> cb.dmul();
            case Op.DIV -> cb.ddiv();
            default -> cb.drem();
        }
    }

    /** The kind of constant {@code kc} as an operand: int, float, or -1 for any other. */
    private int constantKind(int kc) {
        byte tag = p.kTag[kc];
        return tag == Tag.INT ? INT : tag == Tag.FLOAT ? FLT : -1;
    }

    /** Pushes register {@code r} (or constant {@code kc} when it is not -1), of {@code kind}, as a double (MEM: the double {@link #loadNumber} left in its float local). */
    private void loadDouble(int r, int kind, int kc) {
        if (kc >= 0) {
            long pay = p.kPay[kc];
            cb.loadConstant(kind == INT ? (double) pay : Double.longBitsToDouble(pay));
        } else if (kind == INT) {
            cb.lload(islot(r));
            cb.l2d();
        } else {
            cb.dload(dslot(r));
        }
    }

    /**
     * The kind two numeric operands are computed in: their own when they agree, the known one's
     * when the other is guessed, the instruction's guess when both are unknown; -1 for the
     * interpreter's generic path.
     */
    private int numericKind(int pc, int kx, int ky, int preferred) {
        byte guess = guessAt(pc);
        boolean numX = kx == INT || kx == FLT;
        boolean numY = ky == INT || ky == FLT;
        if (numX && numY) {
            return kx == ky ? kx : -1;
        }
        if (guess == GUESS_NONE || kx == BOOL || ky == BOOL || ky < 0) {
            return -1;
        }
        if (numX) {
            return kx;
        }
        if (numY) {
            return ky;
        }
        return guess == GUESS_FLOAT ? FLT : preferred == FLT ? FLT : INT;
    }

    /** Compare-and-branch: jumps when the comparison's outcome is the instruction's k. */
    private void compare(int pc, long w, int op, byte[] s, Edges out, int x, int y, int kc) {
        int kx = s[x] & 0xF;
        int ky;
        if (kc >= 0) {
            ky = constantKind(kc);
        } else {
            ky = s[y] & 0xF;
        }
        int kind = numericKind(pc, kx, ky, INT);
        boolean eq = op == Op.EQ || op == Op.EQK;
        boolean convert = false;
        if (mixedGuess(pc, kx, ky, kc)) {
            kind = FLT; // ints and floats, at least one a float: compared as doubles, as the interpreter's slow path does
            convert = true;
            if (emitting()) {
                loadNumbers(pc, x, kx, y, ky, kc, s);
            }
        } else if (kind < 0 && !eq && mixed(kx, ky)) {
            kind = FLT; // an int with a float: compared as doubles, as the interpreter's slow path does
            convert = true;
        }
        if (kind == FLT && eq) {
            kind = -1; // float equality: the interpreter's
        }
        int target = pc + 1 + sc(w);
        if (kind < 0) {
            generic(pc, w, s, out, -1, -1);
            return;
        }
        if (!convert) {
            guard(pc, x, kind, s);
            if (kc < 0) {
                guard(pc, y, kind, s);
            }
        }
        if (emitting() && convert) {
            loadDouble(x, kx, -1);
            loadDouble(y, ky, kc);
        }
        if (emitting()) {
            int cond = switch (op) {
                case Op.LT, Op.LTK -> 0;
                case Op.LE, Op.LEK -> 1;
                case Op.GTK -> 2;
                case Op.GEK -> 3;
                default -> 4;
            };
            if (kind == INT) {
                cb.lload(islot(x));
                if (kc >= 0) {
                    cb.loadConstant(p.kPay[kc]);
                } else {
                    cb.lload(islot(y));
                }
                cb.lcmp();
            } else {
                if (!convert) {
                    loadDouble(x, FLT, -1);
                    loadDouble(y, FLT, kc);
                }
                if (cond <= 1) {
                    cb.dcmpg(); // NaN: not less
                } else {
                    cb.dcmpl(); // NaN: not greater
                }
            }
            Label l = branch(target, s);
            boolean jumpIfHolds = k(w) != 0;
            switch (cond) {
                case 0 -> { if (jumpIfHolds) cb.iflt(l); else cb.ifge(l); }
                case 1 -> { if (jumpIfHolds) cb.ifle(l); else cb.ifgt(l); }
                case 2 -> { if (jumpIfHolds) cb.ifgt(l); else cb.ifle(l); }
                case 3 -> { if (jumpIfHolds) cb.ifge(l); else cb.iflt(l); }
                default -> { if (jumpIfHolds) cb.ifeq(l); else cb.ifne(l); }
            }
        } else {
            out.edge(target, s);
        }
        out.edge(pc + 1, s);
    }

    // ------------------------------------------------------------------ lists

    private byte guessAt(int pc) {
        return guesses == null ? GUESS_INT : guesses[pc];
    }

    /**
     * GETINDEX {@code R[A] := R[B][R[C]]}, its fast path when R[B] is in memory and R[C] an int:
     * {@link TierOps#item} (R[B] a list, the index in its range, else an exit before the
     * instruction, which has done nothing), and the item into a local of the guessed kind (int,
     * float; another kind exits) or, with a mixed guess, into the window as it is.
     */
    private void getIndex(int pc, long w, byte[] s, Edges out) {
        int ra = a(w);
        int rb = b(w);
        int rc = c(w);
        byte guess = guessAt(pc);
        int kc = s[rc] & 0xF;
        if (guess == GUESS_NONE || (s[rb] & 0xF) != MEM || (kc != INT && kc != MEM)) {
            generic(pc, w, s, out, ra, ra + 1);
            return;
        }
        guard(pc, rc, INT, s);
        if (emitting()) {
            Label exit = exitLabel(pc, s);
            cb.aload(TASK);
            cb.loadConstant(rb);
            cb.lload(islot(rc));
            syncFrame();
            cb.invokestatic(CD_OPS, "item", MethodTypeDesc.of(CD_Object, CD_TASK, CD_int, CD_long));
            cb.astore(ITEM);
            cb.aload(ITEM);
            cb.getstatic(CD_OPS, "MISS", CD_Object);
            cb.if_acmpeq(exit);
            if (guess == GUESS_MIXED) {
                cb.aload(TASK);
                cb.loadConstant(ra);
                cb.aload(ITEM);
                syncFrame();
                cb.invokestatic(CD_OPS, "store", MethodTypeDesc.of(CD_void, CD_TASK, CD_int, CD_Object));
            } else {
                ClassDesc box = guess == GUESS_FLOAT ? CD_DOUBLE : CD_Long;
                cb.aload(ITEM);
                cb.instanceOf(box);
                cb.ifeq(exit);
                cb.aload(ITEM);
                cb.checkcast(box);
                if (guess == GUESS_FLOAT) {
                    cb.invokevirtual(box, "doubleValue", MethodTypeDesc.of(CD_double));
                    cb.dstore(dslot(ra));
                } else {
                    cb.invokevirtual(box, "longValue", MethodTypeDesc.of(CD_long));
                    cb.lstore(islot(ra));
                }
            }
        }
        s[ra] = guess == GUESS_MIXED ? MEM : (byte) ((guess == GUESS_FLOAT ? FLT : INT) | DIRTY);
        out.edge(pc + 1, s);
    }

    /**
     * SETINDEX {@code R[A][R[B]] := R[C]}, its fast path when R[A] is in memory and R[B] an int:
     * R[C] boxed as a list holds it (from its local, or the window), and {@link TierOps#setItem};
     * a receiver that is not a list or an index out of range exits before the instruction.
     */
    private void setIndex(int pc, long w, byte[] s, Edges out) {
        int ra = a(w);
        int rb = b(w);
        int kb = s[rb] & 0xF;
        if (guessAt(pc) == GUESS_NONE || (s[ra] & 0xF) != MEM || (kb != INT && kb != MEM)) {
            generic(pc, w, s, out, a(w), n);
            return;
        }
        guard(pc, rb, INT, s);
        if (emitting()) {
            cb.aload(TASK);
            cb.loadConstant(ra);
            cb.lload(islot(rb));
            boxed(c(w), s[c(w)] & 0xF);
            syncFrame();
            cb.invokestatic(CD_OPS, "setItem", MethodTypeDesc.of(CD_boolean, CD_TASK, CD_int, CD_long, CD_Object));
            cb.ifeq(exitLabel(pc, s));
        }
        out.edge(pc + 1, s);
    }

    /**
     * METHOD: {@code xs.push(v)} and {@code xs.len()} of a receiver in memory take their fast
     * paths ({@link TierOps#push}, {@link TierOps#listLength}); a receiver that is not a list
     * exits before the instruction. A push writes back every dirty local and saves its pc
     * first: growing the list may run out of memory, an error of the instruction's.
     */
    private void method(int pc, long w, byte[] s, Edges out) {
        int ra = a(w);
        Object name = p.kRef[c(w)];
        boolean push = "push".equals(name) && b(w) == 1;
        boolean length = "len".equals(name) && b(w) == 0;
        if ("send".equals(name) && b(w) == 1 && guessAt(pc) != GUESS_NONE) {
            // a channel that takes the value now is sent to without a step (TierOps.send)
            windowFastPath(pc, w, s, out, ra, "sendStep", () -> {
                cb.aload(TASK);
                cb.loadConstant(ra);
                syncFrame();
                cb.invokestatic(CD_OPS, "send", MethodTypeDesc.of(CD_boolean, CD_TASK, CD_int));
            });
            return;
        }
        if (guessAt(pc) == GUESS_NONE || (s[ra] & 0xF) != MEM || !(push || length)) {
            generic(pc, w, s, out, ra, n);
            return;
        }
        if (length) {
            listLength(pc, ra, ra, s);
        } else {
            if (emitting()) {
                writeBackAll(s);
                cb.aload(TASK);
                cb.loadConstant(pc);
                cb.putfield(CD_TASK, "pc", CD_int);
                cb.aload(TASK);
                cb.loadConstant(ra);
                boxed(ra + 1, s[ra + 1] & 0xF);
                syncFrame();
                cb.invokestatic(CD_OPS, "push", MethodTypeDesc.of(CD_boolean, CD_TASK, CD_int, CD_Object));
                cb.ifeq(exitLabel(pc, s));
            } else {
                markClean(s);
            }
            s[ra] = MEM; // nil
        }
        out.edge(pc + 1, s);
    }

    /** CALLB: {@code len(xs)} of an argument in memory takes the list's fast path; every other builtin is stepped. */
    private void builtin(int pc, long w, byte[] s, Edges out) {
        int ra = a(w);
        if (guessAt(pc) == GUESS_NONE || Builtin.of(c(w)) != Builtin.LEN || b(w) != 1 || (s[ra + 1] & 0xF) != MEM) {
            generic(pc, w, s, out, ra, n);
            return;
        }
        listLength(pc, ra + 1, ra, s);
        out.edge(pc + 1, s);
    }

    /** {@code R[dst] := } the length of the list in R[{@code list}], an int local; not a list: an exit at {@code pc}. */
    private void listLength(int pc, int list, int dst, byte[] s) {
        if (emitting()) {
            Label exit = exitLabel(pc, s);
            cb.aload(TASK);
            cb.loadConstant(list);
            syncFrame();
            cb.invokestatic(CD_OPS, "listLength", MethodTypeDesc.of(CD_long, CD_TASK, CD_int));
            cb.lstore(islot(list)); // the list's register is in memory: its int local is free, and dst's is kept for the exit
            cb.lload(islot(list));
            cb.lconst_0();
            cb.lcmp();
            cb.iflt(exit);
            if (dst != list) {
                cb.lload(islot(list));
                cb.lstore(islot(dst));
            }
        }
        s[dst] = (byte) (INT | DIRTY);
    }

    /** Pushes register {@code r}, of {@code kind}, in object form, as a list holds it. */
    private void boxed(int r, int kind) {
        syncFrame(); // boxing allocates: an OutOfMemoryError unwinds from this frame
        switch (kind) {
            case FLT -> {
                cb.dload(dslot(r));
                cb.invokestatic(CD_DOUBLE, "valueOf", MethodTypeDesc.of(CD_DOUBLE, CD_double));
            }
            case INT -> {
                cb.lload(islot(r));
                cb.invokestatic(CD_Long, "valueOf", MethodTypeDesc.of(CD_Long, CD_long));
            }
            case BOOL -> {
                cb.lload(islot(r));
                cb.invokestatic(CD_OPS, "bool", MethodTypeDesc.of(CD_Object, CD_long));
            }
            default -> {
                cb.aload(TASK);
                cb.loadConstant(r);
                cb.invokestatic(CD_OPS, "value", MethodTypeDesc.of(CD_Object, CD_TASK, CD_int));
            }
        }
    }

    /** FORPREP: R[A] from, R[A+1] to (exclusive when k is 0); skips the loop when empty, else R[A+2] := from. */
    private void forPrep(int pc, long w, byte[] s, Edges out) {
        int ra = a(w);
        int kFrom = s[ra] & 0xF;
        int kTo = s[ra + 1] & 0xF;
        boolean guessable = guessAt(pc) != GUESS_NONE;
        if ((kFrom != INT && (kFrom != MEM || !guessable)) || (kTo != INT && (kTo != MEM || !guessable))) {
            generic(pc, w, s, out, ra, n);
            return;
        }
        guard(pc, ra, INT, s);
        guard(pc, ra + 1, INT, s);
        int target = pc + 1 + sc(w);
        if (emitting()) {
            if (k(w) == 0) {
                cb.lload(islot(ra + 1));
                cb.loadConstant(Long.MIN_VALUE);
                cb.lcmp();
                cb.ifeq(branch(target, s));
                cb.lload(islot(ra + 1));
                cb.lconst_1();
                cb.lsub();
                cb.lstore(islot(ra + 1));
            }
        } else if (k(w) == 0) {
            out.edge(target, s);
        }
        if (k(w) == 0) {
            s[ra + 1] = (byte) (INT | DIRTY);
        }
        if (emitting()) {
            cb.lload(islot(ra));
            cb.lload(islot(ra + 1));
            cb.lcmp();
            cb.ifgt(branch(target, s));
            cb.lload(islot(ra));
            cb.lstore(islot(ra + 2));
        } else {
            out.edge(target, s);
        }
        s[ra + 2] = (byte) (INT | DIRTY);
        out.edge(pc + 1, s);
    }

    /** FORLOOP: while R[A] &lt; R[A+1], steps R[A], copies it to R[A+2] and jumps back (a back edge). */
    private void forLoop(int pc, long w, byte[] s, Edges out) {
        int ra = a(w);
        if ((s[ra] & 0xF) != MEM && (s[ra] & 0xF) != INT || (s[ra + 1] & 0xF) != MEM && (s[ra + 1] & 0xF) != INT) {
            exit(pc, s); // not reached: FORPREP checked both
            return;
        }
        guard(pc, ra, INT, s);
        guard(pc, ra + 1, INT, s);
        int target = pc + 1 + sc(w);
        Label done = emitting() ? cb.newLabel() : null;
        if (emitting()) {
            cb.lload(islot(ra));
            cb.lload(islot(ra + 1));
            cb.lcmp();
            cb.ifge(done);
            cb.lload(islot(ra));
            cb.lconst_1();
            cb.ladd();
            cb.dup2();
            cb.lstore(islot(ra));
            cb.lstore(islot(ra + 2));
        }
        byte[] taken = s.clone();
        taken[ra] = (byte) (INT | DIRTY);
        taken[ra + 2] = (byte) (INT | DIRTY);
        backEdge(pc, sc(w), target, taken, out);
        if (emitting()) {
            bind(done);
        }
        out.edge(pc + 1, s);
    }

    /**
     * A back edge of {@code off} instructions from {@code pc} to {@code target}: charges the
     * budget, and when it is spent or the trap is set, writes back and asks {@link Tier#safepoint}.
     */
    private void backEdge(int pc, int off, int target, byte[] s, Edges out) {
        if (!emitting()) {
            out.edge(target, s);
            return;
        }
        Label safepoint = cb.newLabel();
        Label on = cb.newLabel();
        // one test an iteration: the fuel against the mark, which is never below 0 (so a spent
        // fuel is seen at once, as the interpreter sees it) and TRAP_EVERY of this back edge's
        // charges below the fuel of the last look (so the trap word is read about that often)
        cb.lload(FUEL);
        cb.loadConstant((long) off);
        cb.ladd();
        cb.dup2();
        cb.lstore(FUEL);
        cb.lload(MARK);
        cb.lcmp();
        cb.ifge(on);
        cb.lload(FUEL);
        cb.lconst_0();
        cb.lcmp();
        cb.iflt(safepoint);
        cb.lload(FUEL);
        cb.loadConstant((long) off * (TRAP_EVERY - 1));
        cb.ladd();
        cb.lconst_0();
        cb.invokestatic(CD_MATH, "max", MethodTypeDesc.of(CD_long, CD_long, CD_long));
        cb.lstore(MARK);
        cb.aload(TASK);
        cb.invokevirtual(CD_TASK, "lpTrap", MethodTypeDesc.of(CD_int));
        cb.ifne(safepoint);
        Label again = fastBody ? null : cb.newLabel();
        if (!fastBody) {
            // every AGAIN_ROUNDS trap reads, the outermost compiled frame goes back through
            // Tier.enter, which enters it again at once: the JVM then runs a long loop in an
            // ordinary compilation of run, not in the on-stack-replacement one it starts in
            // (ROUNDS starts at Integer.MIN_VALUE in any other frame: see the prologue)
            cb.iinc(ROUNDS, 1);
            cb.iload(ROUNDS);
            cb.loadConstant(AGAIN_ROUNDS);
            cb.if_icmpge(again);
        }
        bind(on);
        jumpTo(target, s);
        byte[] atSafepoint = s.clone();
        if (!fastBody) {
            outOfLine.add(() -> {
                bind(again);
                writeBackAll(atSafepoint.clone());
                syncFrame(); // Tier.enter enters the frame again from the task's fields
                cb.aload(TASK);
                cb.loadConstant(target);
                cb.putfield(CD_TASK, "pc", CD_int);
                cb.loadConstant(Compiled.AGAIN);
                cb.ireturn();
            });
        }
        outOfLine.add(() -> {
            bind(safepoint);
            writeBackAll(atSafepoint);
            Label go = cb.newLabel();
            cb.aload(TASK);
            cb.loadConstant(pc);
            cb.loadConstant(target);
            syncFrame();
            cb.invokestatic(CD_TIER, "safepoint", TASK_INT_INT);
            cb.dup();
            cb.ifeq(go);
            leave();
            bind(go);
            cb.pop();
            reloadFuel(); // refilled
            jumpTo(target, atSafepoint);
        });
    }

    /** CALL A argc: R[A] := R[A](R[A+1] ... R[A+argc]). */
    private void call(int pc, long w, byte[] s, Edges out) {
        int ra = a(w);
        Fast f = fastSite(pc, w, s);
        boolean fast = f != null;
        int lazyUpval = -1;
        if (emitting() && pendingReg >= 0) {
            if (pendingCall != pc || pendingReg != ra) {
                throw new IllegalStateException("a lazy callee load of R" + pendingReg + " reached the call at pc " + pc);
            }
            lazyUpval = pendingUpval;
            pendingReg = -1;
            if (!fast || !f.lazy) {
                loadPendingCallee(ra, lazyUpval); // the generic call, or an eager record, reads R[A]
                lazyUpval = -1;
            }
        }
        if (fast) {
            fastCall(pc, w, s, f, lazyUpval);
        } else if (emitting()) {
            writeBackAll(s);
            genericCall(pc, w);
        } else {
            markClean(s);
        }
        for (int r = ra; r < n; r++) {
            s[r] = MEM;
        }
        if (fast && f.ret != MEM) {
            s[ra] = (byte) (f.ret | DIRTY); // the result in a local, whichever path it took
        }
        out.edge(pc + 1, s);
    }

    /**
     * The generic call, every register written back: the call safepoint, {@link TaskContext#call},
     * and the callee's compiled code run on this JVM stack ({@link Tier#callee}) or left to the
     * interpreter. Falls through with the result in R[A], in the window, and the fuel reloaded.
     */
    private void genericCall(int pc, long w) {
        int ra = a(w);
        Label go = cb.newLabel();
        Label safepoint = cb.newLabel();
        Label after = cb.newLabel();
        Label interpret = cb.newLabel();
        cb.aload(TASK);
        cb.loadConstant(pc);
        cb.putfield(CD_TASK, "pc", CD_int);
        cb.aload(TASK);
        cb.getfield(CD_TASK, "fuel", CD_long);
        cb.lconst_0();
        cb.lcmp();
        cb.iflt(safepoint);
        cb.aload(TASK);
        cb.invokevirtual(CD_TASK, "lpTrap", MethodTypeDesc.of(CD_int));
        cb.ifne(safepoint);
        bind(go);
        cb.aload(TASK);
        cb.loadConstant(ra);
        cb.loadConstant(b(w));
        cb.loadConstant(pc + 1);
        syncFrame();
        cb.invokevirtual(CD_TASK, "call", MethodTypeDesc.of(CD_int, CD_int, CD_int, CD_int));
        synced = false; // the task's frame may be another's now
        cb.ifne(after); // a builtin, a host function or an async call: done, its result in R[A]
        cb.aload(TASK);
        cb.iload(NEST);
        cb.putfield(CD_TASK, "tierNesting", CD_int); // what Tier.callee adds the callee's slots to
        cb.aload(TASK);
        cb.invokestatic(CD_TIER, "callee", MethodTypeDesc.of(CD_COMPILED, CD_TASK));
        synced = false; // the task's frame may be another's now
        cb.dup();
        cb.ifnull(interpret);
        cb.aload(TASK);
        cb.iconst_0();
        cb.invokevirtual(CD_COMPILED, "run", RUN);
        synced = false; // the task's frame may be another's now
        cb.istore(NEXT);
        cb.iload(NEXT);
        cb.ifge(after); // the callee returned into this frame
        cb.iload(NEXT);
        leave(); // it left the task in the interpreter, or stopped the run
        bind(after);
        reloadFuel(); // what the callee ran
        outOfLine.add(() -> {
            Label resume = cb.newLabel();
            bind(safepoint);
            cb.aload(TASK);
            syncFrame();
            cb.invokestatic(CD_TIER, "callSafepoint", TASK_TO_INT);
            cb.dup();
            cb.ifeq(resume);
            leave();
            bind(resume);
            cb.pop();
            cb.goto_(go);
            bind(interpret);
            cb.pop();
            cb.loadConstant(Compiled.EXIT); // the callee's frame goes on in the interpreter, from pc 0
            leave();
        });
    }

    /**
     * A call that may be of this function itself ({@link #fastSite}): when R[A] holds this
     * function and its frame fits ({@link TaskContext#callFast}), the frame is pushed and the
     * fast entry invoked with the arguments in JVM locals, which are not written back; its
     * result comes back in a local. Otherwise, and at a call safepoint, the arguments are
     * written back and the call is the generic one. Both leave the result in R[A]'s local
     * (unless the result kind is MEM), its tag checked on the generic path (a failure exits to
     * the interpreter after the call, {@link Tier#exitedAfterCall}).
     */
    private void fastCall(int pc, long w, byte[] s, Fast f, int lazyUpval) {
        int ra = a(w);
        // every dirty local but the arguments passed in the JVM is written back, and the fuel;
        // with the record lazy, the locals below R[A] are kept until the window is read (below)
        if (emitting()) {
            syncForCheck(s);
        }
        for (int r = 0; r < n; r++) {
            if ((s[r] & DIRTY) != 0 && !passed(f, r, ra) && !(f.lazy && r < ra)) {
                if (emitting()) {
                    writeBack(r, s[r] & 0xF);
                }
                s[r] &= 0xF;
            }
        }
        if (!emitting()) {
            return;
        }
        cb.aload(TASK);
        cb.lload(FUEL);
        cb.putfield(CD_TASK, "fuel", CD_long);
        byte[] args = s.clone(); // the arguments' dirty bits, for the generic path
        Label slow = cb.newLabel();
        Label odd = cb.newLabel();
        Label join = cb.newLabel();
        Label failed = cb.newLabel();
        cb.lload(FUEL);
        cb.lconst_0();
        cb.lcmp();
        cb.iflt(slow);
        cb.aload(TASK);
        cb.invokevirtual(CD_TASK, "lpTrap", MethodTypeDesc.of(CD_int));
        cb.ifne(slow);
        cb.iload(NEST);
        cb.loadConstant(f.slots);
        cb.iadd();
        cb.loadConstant(Tier.MAX_STACK_SLOTS);
        cb.if_icmpgt(slow);
        for (int i = 0; i < f.params.length; i++) {
            int r = ra + 1 + i;
            if (f.params[i] != MEM && (s[r] & 0xF) == MEM) {
                loadChecked(r, f.params[i], slow); // an argument in the window: another kind takes the generic path
            }
        }
        boolean known = knownSite(pc);
        int at = known ? siteConstants(pc) : -1;
        if (known) {
            // the callee's code is still the one compiled against: its fast entry is the handle's
            Label same = cb.newLabel();
            constant(at, CD_PROTO);
            cb.getfield(CD_PROTO, "tier", CD_INFO);
            cb.getfield(CD_INFO, "code", CD_COMPILED);
            constant(at + 1, CD_COMPILED);
            cb.if_acmpeq(same);
            cb.aload(TASK);
            syncFrame();
            cb.invokestatic(CD_TIER, "calleeChanged", MethodTypeDesc.of(CD_void, CD_TASK));
            cb.goto_(slow);
            bind(same);
        }
        // the frame's depth and R[A] from this frame's locals: the task's fields may be a
        // callee's, written by its entry, which reading them would wait for
        cb.aload(TASK);
        cb.iload(DEPTH);
        cb.iload(BASE);
        cb.loadConstant(ra);
        cb.iadd();
        if (known) {
            constant(at, CD_PROTO);
        } else {
            cb.aload(CLOSURE);
            cb.getfield(CD_CLOSURE, "proto", CD_PROTO);
        }
        if (lazyUpval >= 0 && (lazyUpval & FROM_BOX) != 0) {
            cb.iload(BASE);
            cb.loadConstant(lazyUpval & ~FROM_BOX);
            cb.iadd();
            cb.invokevirtual(CD_TASK, "enterFastFromBox", MethodTypeDesc.of(CD_CLOSURE, CD_int, CD_int, CD_PROTO, CD_int));
        } else if (lazyUpval >= 0 && !known && lazyUpval == p.selfUpval) {
            // a self call through the function's own variable, which nothing assigns: the box
            // holds this closure (B2's fib: 25.7-26.3 -> 21.7-22.0 ms without the box's loads)
            cb.aload(CLOSURE);
            cb.invokevirtual(CD_TASK, "enterFastSelf", MethodTypeDesc.of(CD_CLOSURE, CD_int, CD_int, CD_PROTO, CD_CLOSURE));
        } else if (lazyUpval >= 0) {
            cb.loadConstant(lazyUpval);
            cb.aload(CLOSURE);
            cb.invokevirtual(CD_TASK, "enterFastFromUpval", MethodTypeDesc.of(CD_CLOSURE, CD_int, CD_int, CD_PROTO, CD_int, CD_CLOSURE));
        } else if (f.lazy) {
            cb.invokevirtual(CD_TASK, "enterFast", MethodTypeDesc.of(CD_CLOSURE, CD_int, CD_int, CD_PROTO));
        } else {
            cb.loadConstant(pc + 1);
            syncFrame(); // callFast records the caller's frame from the task's fields
            cb.invokevirtual(CD_TASK, "callFast", MethodTypeDesc.of(CD_CLOSURE, CD_int, CD_int, CD_PROTO, CD_int));
        }
        synced = false; // the task's depth and base are the callee's now
        cb.astore(CALLEE);
        cb.aload(CALLEE);
        cb.ifnull(slow);
        Label invokeStart = cb.newLabel();
        Label invokeEnd = cb.newLabel();
        Label thrown = cb.newLabel();
        bind(invokeStart);
        if (known) {
            constant(at + 2, CD_MethodHandle);
        }
        cb.aload(CALLEE);
        cb.aload(TASK);
        for (int i = 0; i < f.params.length; i++) {
            byte k = f.params[i];
            if (k == FLT) {
                cb.dload(dslot(ra + 1 + i));
            } else if (k != MEM) {
                cb.lload(islot(ra + 1 + i));
            }
        }
        cb.iload(NEST);
        cb.loadConstant(f.slots);
        cb.iadd();
        cb.lload(FUEL);
        if (known) {
            cb.invokevirtual(CD_MethodHandle, "invokeExact", f.desc);
        } else {
            cb.invokestatic(SELF, "fast", f.desc);
        }
        bind(invokeEnd);
        if (f.lazy) {
            // the callee throws: its frame record is written on the way out, for the unwinding
            cb.exceptionCatchAll(invokeStart, invokeEnd, thrown);
        }
        if (f.ret == FLT) {
            cb.dstore(dslot(ra));
        } else if (f.ret != MEM) {
            cb.lstore(islot(ra));
        } else {
            cb.pop2();
        }
        reloadFuel(); // what the callee ran
        cb.aload(TASK);
        cb.getfield(CD_TASK, "fastStatus", CD_int);
        cb.ifne(odd);
        bind(join);
        // the state after the call: R[A] and up in memory, but R[A] in a local of the result's kind
        byte[] after = s.clone();
        for (int r = ra; r < n; r++) {
            after[r] = MEM;
        }
        outOfLine.add(() -> {
            // the callee's frame ended otherwise: returned through the window, or left the task
            Label leaving = cb.newLabel();
            bind(odd);
            cb.aload(TASK);
            cb.getfield(CD_TASK, "fastStatus", CD_int);
            cb.istore(NEXT);
            cb.aload(TASK);
            cb.iconst_0();
            cb.putfield(CD_TASK, "fastStatus", CD_int);
            cb.iload(NEXT);
            cb.loadConstant(Compiled.RETURNED_IN_WINDOW);
            cb.if_icmpne(leaving);
            if (f.lazy) {
                forceSyncFrame(); // the callee returned through the window: this frame is current again
                cb.aload(TASK);
                cb.iload(BASE);
                cb.loadConstant(ra);
                cb.iadd();
                cb.invokevirtual(CD_TASK, "takeResult", MethodTypeDesc.of(CD_void, CD_int));
            }
            loadResult(f, ra, failed, join);
            bind(leaving);
            if (f.lazy) {
                writeBackBelow(args, ra);
                recordFast(pc, ra);
            }
            cb.iload(NEXT);
            leave(); // it left the task in the interpreter, or stopped the run: every frame's window is written back
            if (f.lazy) {
                bind(thrown);
                writeBackBelow(args, ra); // a handler of this frame reads them in the interpreter
                recordFast(pc, ra);
                cb.athrow();
            }
            // the generic path: the callee, the locals kept and the arguments go to the window first
            bind(slow);
            if (lazyUpval >= 0) {
                loadPendingCallee(ra, lazyUpval);
            }
            writeBackBelow(args, ra);
            syncForCheck(args);
            for (int i = 0; i < f.params.length; i++) {
                int r = ra + 1 + i;
                if ((args[r] & DIRTY) != 0) {
                    writeBack(r, args[r] & 0xF);
                }
            }
            genericCall(pc, w);
            loadResult(f, ra, failed, join);
            // the result is not of the kind compiled for: the interpreter goes on after the call
            bind(failed);
            writeBackAll(after);
            cb.aload(TASK);
            cb.loadConstant(pc);
            syncFrame();
            cb.invokestatic(CD_TIER, "exitedAfterCall", TASK_INT);
            leave();
        });
    }

    /** The GETUPVAL or GETBOX left pending for a call: R[{@code r}] := the box's value ({@link #pendingUpval}'s encoding), in the window. */
    private void loadPendingCallee(int r, int source) {
        boolean box = (source & FROM_BOX) != 0;
        cb.aload(TASK);
        address(r);
        cb.loadConstant(r);
        cb.loadConstant(source & ~FROM_BOX);
        syncFrame();
        cb.invokestatic(CD_OPS, box ? "getBoxAt" : "getUpvalAt", MethodTypeDesc.of(CD_void, CD_TASK, CD_long, CD_int, CD_int));
    }

    /**
     * Per GETUPVAL, or GETBOX of a box in a register, the CALL whose callee register it loads
     * when only instructions that keep to locals come between (constants, moves, arithmetic,
     * none of them touching that register or the box's, none a jump target), else -1. Such a
     * load writes nothing: the call reads the box itself ({@link TaskContext#enterFastFromUpval},
     * {@link TaskContext#enterFastFromBox}), and the register is written to the window only
     * where the window is read before the call: a guard exit (the interpreter then runs the
     * CALL), a step, the generic call. Entered at the CALL ({@code run}'s entry where a task
     * resumes after a call safepoint), the call reads the box, not the register the
     * interpreter's load wrote: as if the task had stopped before the load. Nothing between
     * writes the box: a concurrent write by another task is seen as if it had come before the
     * load, which no other instruction observed.
     */
    private int[] lazyCallees() {
        int[] lazy = new int[code.length];
        Arrays.fill(lazy, -1);
        boolean[] targets = new boolean[code.length + 1];
        for (int pc = 0; pc < code.length; pc++) {
            long w = code[pc];
            if (Opcode.of(Instr.op(w)).has(Opcode.Flag.JUMP)) {
                int t = pc + 1 + sc(w);
                if (t >= 0 && t <= code.length) {
                    targets[t] = true;
                }
            }
        }
        for (int pc = 0; pc < code.length; pc++) {
            long w = code[pc];
            boolean fromBox = Instr.op(w) == Op.GETBOX;
            if (Instr.op(w) != Op.GETUPVAL && !fromBox) {
                continue;
            }
            int r = a(w);
            int box = fromBox ? b(w) : -1; // the register holding the box, which nothing between may write either
            for (int q = pc + 1; q < code.length && q <= pc + 8 && !targets[q]; q++) {
                long x = code[q];
                int op = Instr.op(x);
                boolean keeps = switch (op) {
                    case Op.LOADK, Op.LOADINT, Op.LOADBOOL -> a(x) != r;
                    case Op.MOVE, Op.ADDK, Op.SUBK, Op.MULK, Op.DIVK, Op.MODK -> a(x) != r && b(x) != r;
                    case Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MOD -> a(x) != r && b(x) != r && c(x) != r;
                    default -> false;
                } && (box < 0 || a(x) != box);
                if (op == Op.CALL && a(x) == r) {
                    if (in[q] != null && in[pc] != null) {
                        lazy[pc] = q;
                    }
                    break;
                }
                if (!keeps) {
                    break;
                }
            }
        }
        return lazy;
    }

    /** Writes back the dirty locals of {@code s} below R[{@code ra}], which a fast call with a lazy record keeps in the JVM. */
    private void writeBackBelow(byte[] s, int ra) {
        for (int r = 0; r < ra; r++) {
            if ((s[r] & DIRTY) != 0) {
                cb.aload(TASK);
                cb.iload(SEGMENT);
                address(r);
                tagAndBits(r, s[r] & 0xF);
                cb.invokestatic(CD_REGS, "spCallerAt", SP_CALLER_AT);
            }
        }
    }

    /**
     * Makes this frame the task's current one ({@link TaskContext#frameCurrent}: its depth, base
     * and closure) where this body may run with another's there ({@link #lazyFrames}). Emitted
     * before every call out of compiled code that reads them (steps, {@code TierOps},
     * {@code Tier}, the register checks of checked mode, a generic call, a return through the
     * window) and before an allocation; it leaves the operand stack as it was, so it may sit
     * between an invocation's arguments.
     */
    private void syncFrame() {
        if (lazyFrames && !synced && emitting()) {
            forceSyncFrame();
        }
    }

    /**
     * {@link #syncFrame} before a read or write of the window by address ({@link Registers}):
     * those read the task's frame only in checked mode, to check the address against its
     * window, so only checked mode's code has it.
     */
    private void syncForCheck() {
        if (CheckedMode.ENABLED) {
            syncFrame();
        }
    }

    /** {@link #syncForCheck} before the write-back of the dirty locals of {@code s}, if there is any. */
    private void syncForCheck(byte[] s) {
        for (byte k : s) {
            if ((k & DIRTY) != 0) {
                syncForCheck();
                return;
            }
        }
    }

    private void forceSyncFrame() {
        cb.aload(TASK);
        cb.iload(DEPTH);
        cb.iload(BASE);
        cb.aload(CLOSURE);
        cb.invokevirtual(CD_TASK, "frameCurrent", MethodTypeDesc.of(CD_void, CD_int, CD_int, CD_CLOSURE));
        synced = true;
    }

    /**
     * Binds {@code l}, where control may come from elsewhere: the task's frame is no longer
     * known to be this one's ({@link #synced}).
     */
    private void bind(Label l) {
        cb.labelBinding(l);
        synced = false;
    }

    /** Writes the frame record of the lazily recorded fast call at {@code pc} ({@link TaskContext#recordFast}), from this frame's locals. */
    private void recordFast(int pc, int ra) {
        cb.aload(TASK);
        cb.iload(DEPTH);
        cb.loadConstant(pc + 1);
        cb.iload(BASE);
        cb.iload(SEGMENT);
        cb.iload(BASE);
        cb.loadConstant(ra);
        cb.iadd();
        cb.aload(CLOSURE);
        cb.invokevirtual(CD_TASK, "recordFast", MethodTypeDesc.of(CD_void, CD_int, CD_int, CD_int, CD_int, CD_int, CD_CLOSURE));
    }

    /** Whether register {@code r} is an argument of the call at R[{@code ra}] that the fast entry takes in the JVM. */
    private boolean passed(Fast f, int r, int ra) {
        int i = r - ra - 1;
        return i >= 0 && i < f.params.length && f.params[i] != MEM;
    }

    /** Loads a call's result from R[{@code ra}] into its local of the fast entry's result kind (tag checked: else {@code failed}), and goes to {@code join}. */
    private void loadResult(Fast f, int ra, Label failed, Label join) {
        if (f.ret != MEM) {
            loadChecked(ra, f.ret, failed);
        }
        cb.goto_(join);
    }

    /**
     * RETURN or RETNIL in the fast entry: a value in a local of the result's kind is returned in
     * the JVM, the frame popped ({@link TaskContext#popFast}) and no register written; any other
     * goes through the window to the caller's R[A] ({@link TaskContext#ret}), which the caller
     * learns from {@link TaskContext#fastStatus}.
     */
    private void fastReturn(int op, long w, byte[] s) {
        if (op == Op.RETURN && sig.ret != MEM && (s[a(w)] & 0xF) == sig.ret) {
            cb.aload(TASK);
            cb.lload(FUEL);
            cb.putfield(CD_TASK, "fuel", CD_long);
            if (!sig.lazy) {
                cb.aload(TASK);
                syncFrame();
                cb.invokevirtual(CD_TASK, "popFast", MethodTypeDesc.of(CD_void));
                synced = false; // the task's frame may be another's now
            } // else the caller makes its frame current again
            if (sig.ret == FLT) {
                cb.dload(dslot(a(w)));
                cb.dreturn();
            } else {
                cb.lload(islot(a(w)));
                cb.lreturn();
            }
            return;
        }
        writeBackAll(s);
        cb.aload(TASK);
        if (op == Op.RETURN) {
            cb.iload(BASE); // this frame's: the task's may be another's until the sync below
            cb.loadConstant(a(w));
            cb.iadd();
        } else {
            cb.loadConstant(-1);
        }
        syncFrame();
        if (sig.lazy) {
            cb.invokevirtual(CD_TASK, "stashResult", MethodTypeDesc.of(CD_void, CD_int)); // no record to pop: the caller takes it
        } else {
            cb.invokevirtual(CD_TASK, "ret", MethodTypeDesc.of(CD_int, CD_int));
            cb.pop();
        }
        cb.loadConstant(Compiled.RETURNED_IN_WINDOW);
        leave();
    }

    /**
     * An instruction executed by {@link TierOps#step} on the written-back window; registers
     * {@code [from, to)} may change and are in memory afterwards.
     */
    private void generic(int pc, long w, byte[] s, Edges out, int from, int to) {
        Opcode opcode = Opcode.of(Instr.op(w));
        noteStepped(pc, w);
        boolean jumps = opcode.has(Opcode.Flag.JUMP);
        int target = jumps ? pc + 1 + sc(w) : -1;
        if (emitting()) {
            if (pendingReg >= 0) {
                loadPendingCallee(pendingReg, pendingUpval); // a step runs on the window
                pendingReg = -1;
            }
            writeBackAll(s);
            step(pc, w);
        } else {
            markClean(s);
        }
        for (int r = Math.max(from, 0); r < Math.min(to, n); r++) {
            s[r] = MEM;
        }
        if (jumps) {
            if (emitting()) {
                cb.iload(NEXT);
                cb.loadConstant(target);
                cb.if_icmpeq(branch(target, s));
            } else {
                out.edge(target, s);
            }
        }
        if (emitting()) {
            cb.iload(NEXT);
            cb.loadConstant(pc + 1);
            cb.if_icmpne(exitNext);
        }
        out.edge(pc + 1, s);
    }

    /** Records for {@code limn disasm --tier} why instruction {@code w} at {@code pc} may be stepped. */
    private void noteStepped(int pc, long w) {
        if (emitting()) {
            Opcode opcode = Opcode.of(Instr.op(w));
            stepped[pc] = switch (Instr.op(w)) {
                case Op.LOADK -> "its constant is not a number or a bool";
                case Op.SETBOX, Op.SETUPVAL, Op.AUPDATE, Op.LOADNIL, Op.DEFAULT ->
                    "it writes a box, a cell or nil, or reads an absent argument, in the register window";
                default -> opcode.family != Opcode.Family.HOT ? "runs as the interpreter runs it, on the register window"
                        : "its operands are not both ints or both floats here (a string, a list, int mixed with float)";
            };
        }
    }

    /**
     * Steps instruction {@code w} at {@code pc} ({@link TierOps#step}) on the written-back window:
     * the pc to go on at goes to NEXT, the fuel is read again, and a step that entered or left
     * a frame leaves this one to the interpreter.
     */
    private void step(int pc, long w) {
        step(pc, w, "step");
    }

    /** {@link #step(int, long)} through {@code TierOps.<how>}, a method of {@code step}'s type. */
    private void step(int pc, long w, String how) {
        cb.aload(TASK);
        cb.loadConstant(w);
        cb.loadConstant(pc + 1);
        syncFrame();
        cb.invokestatic(CD_OPS, how, STEP);
        synced = false; // the task's frame may be another's now
        cb.istore(NEXT);
        reloadFuel();
        cb.aload(TASK);
        cb.getfield(CD_TASK, "depth", CD_int);
        cb.iload(DEPTH);
        cb.if_icmpne(exitNext); // it entered or left a frame: the interpreter goes on
    }

    /**
     * An instruction whose fast path touches only the registers from {@code from} up (its
     * window: a call's receiver, arguments and result): the dirty locals of that window are
     * written back, then {@code fastPath} runs and pushes true when it executed the instruction,
     * false when it did nothing. The registers below {@code from} stay in their locals, dirty or
     * not, on the fast path. Only when it fails does the instruction write back the rest and
     * take the step, out of line, through {@code TierOps.<slowStep>} (the instruction's own
     * step: {@code sendStep}, {@code iterStep}); the locals are still valid after it (a step
     * that completes the instruction in this frame writes only its window), so both paths go
     * on in one state: the window in memory, the rest as before. A channel send or receive in
     * a loop thus no longer writes back the loop's counters and sums at every item.
     */
    private void windowFastPath(int pc, long w, byte[] s, Edges out, int from, String slowStep, Runnable fastPath) {
        noteStepped(pc, w); // when the fast path fails
        boolean jumps = Opcode.of(Instr.op(w)).has(Opcode.Flag.JUMP);
        int target = jumps ? pc + 1 + sc(w) : -1;
        byte[] slow = null;
        if (emitting()) {
            if (pendingReg >= 0) {
                loadPendingCallee(pendingReg, pendingUpval); // the step, or the fast path, reads the window
                pendingReg = -1;
            }
            for (int r = from; r < n; r++) {
                if ((s[r] & DIRTY) != 0) {
                    syncForCheck();
                    writeBack(r, s[r] & 0xF);
                    s[r] &= 0xF;
                }
            }
            Label slowPath = cb.newLabel();
            Label done = cb.newLabel();
            fastPath.run();
            cb.ifeq(slowPath);
            byte[] before = s.clone();
            outOfLine.add(() -> {
                bind(slowPath);
                writeBackAll(before.clone());
                step(pc, w, slowStep);
                if (target >= 0) {
                    byte[] taken = before.clone();
                    markClean(taken);
                    for (int r = from; r < n; r++) {
                        taken[r] = MEM;
                    }
                    cb.iload(NEXT);
                    cb.loadConstant(target);
                    cb.if_icmpeq(branch(target, taken));
                }
                cb.iload(NEXT);
                cb.loadConstant(pc + 1);
                cb.if_icmpne(exitNext);
                cb.goto_(done);
            });
            bind(done);
        } else if (jumps) {
            slow = s.clone();
            markClean(slow);
        }
        for (int r = Math.max(from, 0); r < n; r++) {
            s[r] = MEM;
            if (slow != null) {
                slow[r] = MEM;
            }
        }
        if (slow != null) {
            out.edge(target, slow);
        }
        out.edge(pc + 1, s);
    }

    /**
     * ITERNEXT: over a channel, a value already there is taken without a step
     * ({@link TierOps#iterNext}); anything else (a range, a list, a wait, the end) is stepped.
     */
    private void iterNext(int pc, long w, byte[] s, Edges out) {
        int ra = a(w);
        int count = b(w);
        if (guessAt(pc) == GUESS_NONE) {
            generic(pc, w, s, out, ra, n);
            return;
        }
        windowFastPath(pc, w, s, out, ra, "iterStep", () -> {
            cb.aload(TASK);
            cb.loadConstant(ra);
            cb.loadConstant(count);
            syncFrame();
            cb.invokestatic(CD_OPS, "iterNext", MethodTypeDesc.of(CD_boolean, CD_TASK, CD_int, CD_int));
        });
    }

    // ------------------------------------------------------------------ registers

    private static int islot(int r) {
        return FIRST_REG + 4 * r;
    }

    private static int dslot(int r) {
        return FIRST_REG + 4 * r + 2;
    }

    private void address(int r) {
        cb.lload(FP);
        if (r != 0) {
            cb.loadConstant((long) r * dev.limn.offheap.RegisterFile.REGISTER_BYTES);
            cb.ladd();
        }
    }

    /**
     * Makes register {@code r} a local of {@code kind} if it is in memory: its tag checked
     * (else the frame leaves to the interpreter at {@code pc}), its payload loaded.
     */
    private void guard(int pc, int r, int kind, byte[] s) {
        if ((s[r] & 0xF) != MEM) {
            return;
        }
        if (emitting()) {
            loadChecked(r, kind, exitLabel(pc, s));
        }
        s[r] = (byte) kind;
    }

    /** Loads register {@code r} into its local of {@code kind}, jumping to {@code fail} if its tag is another. */
    private void loadChecked(int r, int kind, Label fail) {
        syncForCheck();
        cb.aload(TASK);
        address(r);
        cb.invokestatic(CD_REGS, "lpTagAt", TAG_AT);
        cb.loadConstant((int) tagOf(kind));
        cb.if_icmpne(fail);
        cb.aload(TASK);
        address(r);
        cb.invokestatic(CD_REGS, "lpPayloadAt", PAY_AT);
        if (kind == FLT) {
            cb.invokestatic(CD_DOUBLE, "longBitsToDouble", FROM_BITS);
            cb.dstore(dslot(r));
        } else {
            cb.lstore(islot(r));
        }
    }

    private static byte tagOf(int kind) {
        return switch (kind) {
            case INT -> Tag.INT;
            case FLT -> Tag.FLOAT;
            default -> Tag.BOOL;
        };
    }

    private void copyLocal(int kind, int from, int to) {
        if (kind == FLT) {
            cb.dload(dslot(from));
            cb.dstore(dslot(to));
        } else {
            cb.lload(islot(from));
            cb.lstore(islot(to));
        }
    }

    private void writeBack(int r, int kind) {
        cb.aload(TASK);
        address(r);
        tagAndBits(r, kind);
        cb.invokestatic(CD_REGS, "spAt", SP_AT);
    }

    /** Pushes the tag and the payload bits of R[{@code r}], held in a local of kind {@code kind}. */
    private void tagAndBits(int r, int kind) {
        cb.loadConstant((int) tagOf(kind));
        if (kind == FLT) {
            cb.dload(dslot(r));
            cb.invokestatic(CD_DOUBLE, "doubleToRawLongBits", BITS);
        } else {
            cb.lload(islot(r));
        }
    }

    /** Writes back every dirty local of {@code s}, which are then clean, and the fuel. */
    private void writeBackAll(byte[] s) {
        syncForCheck(s);
        for (int r = 0; r < n; r++) {
            if ((s[r] & DIRTY) != 0) {
                writeBack(r, s[r] & 0xF);
            }
        }
        markClean(s);
        cb.aload(TASK);
        cb.lload(FUEL);
        cb.putfield(CD_TASK, "fuel", CD_long);
    }

    /** Reads the task's fuel into its local; a refill may have raised it, so the next back edge looks ({@link #MARK}). */
    private void reloadFuel() {
        cb.aload(TASK);
        cb.getfield(CD_TASK, "fuel", CD_long);
        cb.lstore(FUEL);
        cb.loadConstant(Long.MAX_VALUE);
        cb.lstore(MARK);
    }

    private static void markClean(byte[] s) {
        for (int r = 0; r < s.length; r++) {
            s[r] &= 0xF;
        }
    }

    // ------------------------------------------------------------------ control

    /** Writes back what {@code target}'s state holds in memory and {@code s} in a dirty local. */
    private void reconcile(byte[] s, int target) {
        syncForCheck(s);
        for (int r = 0; r < n; r++) {
            if (mustWriteBack(s, target, r)) {
                writeBack(r, s[r] & 0xF);
            }
        }
    }

    private boolean needsReconcile(byte[] s, int target) {
        for (int r = 0; r < n; r++) {
            if (mustWriteBack(s, target, r)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a jump to {@code target} must write register {@code r}'s local back: it is dirty
     * and {@code target} expects it in memory, unless it is dead there (a loop head's temporary,
     * written before anything reads it: writing it back on every back edge cost B6's loop two
     * stores of tag and payload an iteration).
     */
    private boolean mustWriteBack(byte[] s, int target, int r) {
        return (s[r] & DIRTY) != 0 && (in[target][r] & 0xF) == MEM && (dead[target] == null || !dead[target][r]);
    }

    private void jumpTo(int target, byte[] s) {
        reconcile(s, target);
        cb.goto_(labels[target]);
    }

    /** The label a conditional jump to {@code target} from state {@code s} takes: its own, or a stub that writes back first. */
    private Label branch(int target, byte[] s) {
        if (!needsReconcile(s, target)) {
            return labels[target];
        }
        Label stub = cb.newLabel();
        byte[] at = s.clone();
        outOfLine.add(() -> {
            bind(stub);
            jumpTo(target, at);
        });
        return stub;
    }

    /** Leaves the frame to the interpreter at {@code pc} unconditionally. */
    private void exit(int pc, byte[] s) {
        if (emitting()) {
            cb.goto_(exitLabel(pc, s));
        }
    }

    /**
     * A label that leaves the frame to the interpreter at {@code pc} with the dirty locals of
     * {@code s} written back ({@link Tier#exited}); shared by the exits whose dirty locals agree.
     */
    private Label exitLabel(int pc, byte[] s) {
        StringBuilder key = new StringBuilder();
        for (int r = 0; r < n; r++) {
            if ((s[r] & DIRTY) != 0) {
                key.append(r).append(':').append(s[r] & 0xF).append(',');
            }
        }
        int lazyReg = pendingReg;
        int lazyUpval = pendingUpval;
        if (lazyReg >= 0) {
            key.append("upval ").append(lazyReg).append(':').append(lazyUpval);
        }
        String dirty = key.toString();
        Label stub = exitStubs.get(dirty);
        if (stub == null) {
            Label l = cb.newLabel();
            stub = l;
            exitStubs.put(dirty, l);
            byte[] at = s.clone();
            outOfLine.add(() -> {
                bind(l);
                if (lazyReg >= 0) {
                    loadPendingCallee(lazyReg, lazyUpval); // the interpreter's CALL reads it
                }
                writeBackAll(at);
                cb.aload(TASK);
                cb.iload(EXIT_PC);
                syncFrame();
                cb.invokestatic(CD_TIER, "exited", TASK_INT);
                leave();
            });
        }
        Label entry = cb.newLabel();
        Label shared = stub;
        outOfLine.add(() -> {
            bind(entry);
            cb.loadConstant(pc);
            cb.istore(EXIT_PC);
            cb.goto_(shared);
        });
        return entry;
    }
}
