package dev.limn.vm;

import static dev.limn.vm.Opcode.Family.ATOMICS;
import static dev.limn.vm.Opcode.Family.BUILTINS;
import static dev.limn.vm.Opcode.Family.CAPTURES;
import static dev.limn.vm.Opcode.Family.CHANNELS;
import static dev.limn.vm.Opcode.Family.COLLECTIONS;
import static dev.limn.vm.Opcode.Family.ERRORS;
import static dev.limn.vm.Opcode.Family.FUTURES;
import static dev.limn.vm.Opcode.Family.HOT;
import static dev.limn.vm.Opcode.Family.LOOPS;
import static dev.limn.vm.Opcode.Family.METHODS;
import static dev.limn.vm.Opcode.Family.OPERATORS;
import static dev.limn.vm.Opcode.Family.PARALLEL_LOOPS;
import static dev.limn.vm.Opcode.Family.TYPES;
import static dev.limn.vm.Opcode.Family.UNITS;
import static dev.limn.vm.Opcode.Flag.CALLS;
import static dev.limn.vm.Opcode.Flag.JUMP;
import static dev.limn.vm.Opcode.Flag.MAY_SUSPEND;

import java.util.EnumSet;
import java.util.Set;

/**
 * The single list of Limn VM instructions. Each constant names its {@link Family} (which class
 * executes it), its operand {@link Format}, its register contract (comment) and its
 * {@link Flag}s; the disassembler, the compiler and the interpreter's case labels ({@link Op},
 * checked by a test) follow this order.
 * {@code R[x]} is register x of the current frame, {@code K[x]} constant x, {@code Up[x]}
 * the closure's captured box x, {@code pc} the index of the next instruction.
 */
public enum Opcode {
    /** R[A] := R[B] */
    MOVE(HOT, Format.AB),
    /** R[A] := K[C] */
    LOADK(HOT, Format.AKC),
    /** R[A] := nil */
    LOADNIL(HOT, Format.A),
    /** R[A] := (B != 0) */
    LOADBOOL(HOT, Format.AB_BOOL),
    /** R[A] := sC (an int) */
    LOADINT(HOT, Format.AI),
    /** R[A] := a new box holding nil (a local captured by a closure lives in a box) */
    NEWBOX(CAPTURES, Format.A),
    /** R[A] := box(R[B]).value */
    GETBOX(HOT, Format.AB),
    /** box(R[A]).value := R[B] */
    SETBOX(HOT, Format.AB),
    /** R[A] := Up[B].value */
    GETUPVAL(HOT, Format.AUP),
    /** Up[B].value := R[A] */
    SETUPVAL(HOT, Format.AUP),
    /** R[A] := a closure of nested function C, capturing boxes as its proto lists */
    CLOSURE(CAPTURES, Format.APROTO),
    /** R[A] := R[B] + R[C] */
    ADD(HOT, Format.ABC),
    /** R[A] := R[B] + K[C] */
    ADDK(HOT, Format.ABK),
    /** R[A] := R[B] - R[C] */
    SUB(HOT, Format.ABC),
    /** R[A] := R[B] - K[C] */
    SUBK(HOT, Format.ABK),
    /** R[A] := R[B] * R[C] */
    MUL(HOT, Format.ABC),
    /** R[A] := R[B] * K[C] */
    MULK(HOT, Format.ABK),
    /** R[A] := R[B] / R[C] */
    DIV(HOT, Format.ABC),
    /** R[A] := R[B] / K[C] */
    DIVK(HOT, Format.ABK),
    /** R[A] := R[B] % R[C] */
    MOD(OPERATORS, Format.ABC),
    /** R[A] := R[B] % K[C] */
    MODK(OPERATORS, Format.ABK),
    /** R[A] := R[B] ** R[C] */
    POW(OPERATORS, Format.ABC),
    /** R[A] := R[B] &amp; R[C] */
    BAND(OPERATORS, Format.ABC),
    /** R[A] := R[B] | R[C] */
    BOR(OPERATORS, Format.ABC),
    /** R[A] := R[B] ^ R[C] */
    BXOR(OPERATORS, Format.ABC),
    /** R[A] := R[B] &lt;&lt; R[C] */
    SHL(OPERATORS, Format.ABC),
    /** R[A] := R[B] &gt;&gt; R[C] */
    SHR(OPERATORS, Format.ABC),
    /** R[A] := -R[B] */
    NEG(OPERATORS, Format.AB),
    /** R[A] := not R[B] (bool only) */
    NOT(OPERATORS, Format.AB),
    /** R[A] := ~R[B] */
    BNOT(OPERATORS, Format.AB),
    /** R[A] := str(R[B]) ++ ... ++ str(R[B+C-1]) */
    CONCAT(OPERATORS, Format.ALIST),
    /** pc += sC (back-edges check the trap) */
    JMP(HOT, Format.J, JUMP, MAY_SUSPEND),
    /** if R[A] (a bool, else TypeMismatch) == k then pc += sC */
    TEST(HOT, Format.AJ, JUMP),
    /** if (R[A] &lt; R[B]) == k then pc += sC */
    LT(HOT, Format.ABJ, JUMP),
    /** if (R[A] &lt;= R[B]) == k then pc += sC */
    LE(HOT, Format.ABJ, JUMP),
    /** if (R[A] == R[B]) == k then pc += sC */
    EQ(HOT, Format.ABJ, JUMP),
    /** if (R[A] &lt; K[B]) == k then pc += sC */
    LTK(HOT, Format.AKJ, JUMP),
    /** if (R[A] &lt;= K[B]) == k then pc += sC */
    LEK(HOT, Format.AKJ, JUMP),
    /** if (R[A] &gt; K[B]) == k then pc += sC */
    GTK(HOT, Format.AKJ, JUMP),
    /** if (R[A] &gt;= K[B]) == k then pc += sC */
    GEK(HOT, Format.AKJ, JUMP),
    /** if (R[A] == K[B]) == k then pc += sC */
    EQK(HOT, Format.AKJ, JUMP),
    /** R[A], R[A+1] (ints, else TypeMismatch) start an inclusive counting loop; if empty pc += sC, else R[A+2] := R[A] */
    FORPREP(LOOPS, Format.AJ, JUMP),
    /** if R[A] &lt; R[A+1] { R[A] += 1; R[A+2] := R[A]; pc += sC } (checks the trap) */
    FORLOOP(HOT, Format.AJ, JUMP, MAY_SUSPEND),
    /** R[A] := an iterator over R[A] (range, list, dict, str; TypeMismatch otherwise) */
    ITERPREP(LOOPS, Format.A),
    /** if iterator R[A] has a next item { R[A+1] (, R[A+2] when B == 2) := it } else pc += sC */
    ITERNEXT(LOOPS, Format.AIT, JUMP, MAY_SUSPEND),
    /** R[A] := R[A](R[A+1], ..., R[A+B]) */
    CALL(HOT, Format.ACALL, CALLS, MAY_SUSPEND),
    /** R[A] := builtin C(R[A+1], ..., R[A+B]) */
    CALLB(BUILTINS, Format.ABUILTIN, MAY_SUSPEND),
    /** R[A] := R[A].K[C](R[A+1], ..., R[A+B]) */
    METHOD(METHODS, Format.AMETHOD, MAY_SUSPEND),
    /** return R[A] to the caller */
    RETURN(HOT, Format.A),
    /** return nil to the caller */
    RETNIL(HOT, Format.NONE),
    /** if R[A] was passed by the caller then pc += sC (skips the default value's code) */
    DEFAULT(HOT, Format.AJ, JUMP),
    /** check R[A] against type B for the variable named K[C] (int converts to float) */
    CHECKTYPE(TYPES, Format.ATYPE),
    /** check the returned R[A] against type B of the function's return annotation */
    CHECKRET(TYPES, Format.ATYPE),
    /** R[A] := [R[B], ..., R[B+C-1]] */
    NEWLIST(COLLECTIONS, Format.ALIST),
    /** R[A] := {R[B]: R[B+1], ..., R[B+2C-2]: R[B+2C-1]} */
    NEWDICT(COLLECTIONS, Format.ALIST),
    /** R[A] := R[B]..R[C] (k = 1: inclusive) or R[B]..&lt;R[C] */
    RANGE(COLLECTIONS, Format.ABC),
    /** R[A] := R[B][R[C]] */
    GETINDEX(COLLECTIONS, Format.ABC),
    /** R[A][R[B]] := R[C] */
    SETINDEX(COLLECTIONS, Format.ABC),
    /** R[A] := R[B].K[C] (error fields kind and message) */
    GETFIELD(ERRORS, Format.ABK),
    /** R[A] := an error of kind K[B] with message R[C] (k = 1) or "" (k = 0) */
    NEWERR(ERRORS, Format.AERR),
    /** raise R[A] (an error value; anything else raises Error with its printed form); k = 1: placed at the call site (return err) */
    RAISE(ERRORS, Format.A),
    /** if (the error R[A] has kind K[B]) == k then pc += sC */
    ERRKIND(ERRORS, Format.AKJ, JUMP),
    /** test-only suspension point: saves pc and returns SUSPENDED from the interpreter */
    SUSPEND_TEST(HOT, Format.NONE, MAY_SUSPEND),
    /** R[A] := a new atomic cell holding R[B] (an int or a float): k = 0 off-heap, held by this task; k = 1 on the heap (a function captures it) */
    NEWATOMIC(ATOMICS, Format.AB),
    /** R[A] := the value of atomic cell R[B] (acquire load); any other value is copied */
    ALOAD(ATOMICS, Format.AB),
    /** atomic cell R[A] op= R[B], op C: 0 add, 1 subtract, 2 multiply, 3 store */
    AUPDATE(HOT, Format.ABC),
    /** Up[B].value := R[A] as one atomic store (a shared write from concurrent code) */
    UPSTORE(CAPTURES, Format.AUP),
    /** if Up[B] still holds R[A] then Up[B] := R[A+1] else pc += sC (one step of a shared read-modify-write) */
    UPCAS(CAPTURES, Format.AUPJ, JUMP),
    /** R[A] := a new run of block K[C], output channel R[A+1], input channel R[A+2], errors channel R[A+3] (nil: none) */
    BLOCKBEGIN(UNITS, Format.AKC),
    /** start a task of block R[A]: closure R[B], with item R[B+1] when k; K[C] names its variable */
    SPAWN(UNITS, Format.ABK, MAY_SUSPEND),
    /** start the worker instances of block R[A]: closure R[B], source R[B+1] when k (else the block's input); K[C] names the variable */
    SPAWNW(UNITS, Format.ABK, MAY_SUSPEND),
    /** the body of block R[A] ended: batch waits for its units and raises the first error; stream/async go on */
    BLOCKEND(UNITS, Format.A, MAY_SUSPEND),
    /** the body of block R[A] raised R[B]: cancel the units, wait for them, raise */
    BLOCKABORT(UNITS, Format.AB, MAY_SUSPEND),
    /** R[A] := the completion future of block R[B] (handle=) */
    BLOCKFUTURE(UNITS, Format.AB),
    /** send R[A] to the output channel of the block this task belongs to (return in a task or worker) */
    SENDOUT(CHANNELS, Format.A, MAY_SUSPEND),
    /** R[A] := await R[B] (a future's value or error; any other value as is) */
    AWAIT(FUTURES, Format.AB, MAY_SUSPEND),
    /** wait for the stream/async blocks started by this frame */
    SCOPEWAIT(UNITS, Format.NONE, MAY_SUSPEND),
    /** record R[A] as the worker's current item (diagnostics) */
    UNITITEM(UNITS, Format.A),
    /** the scope of atomic cell R[A] ended: release this task's reservation of it (no-op if it holds none) */
    ARELEASE(ATOMICS, Format.A),
    /** start the parallel loop of block R[A]: closure R[B] over R[B+1] (k: with two variables, key and value); K[C] names its variable */
    PARLOOP(PARALLEL_LOOPS, Format.ABK, MAY_SUSPEND),
    /** R[A] := the next element of this task's parallel chunk (k: R[A], R[A+1] := key, value); when the chunk is over, pc += sC */
    PARNEXT(PARALLEL_LOOPS, Format.AJ, JUMP),
    /**
     * start the tasks of concurrent block R[A] over the range or list R[B+1] as a task family,
     * closure R[B], K[C] naming the variable; R[B+2] := whether it did (false: the caller loops SPAWN)
     */
    TASKLOOP(PARALLEL_LOOPS, Format.ABK, MAY_SUSPEND),
    /**
     * the body of a unit of an on_error=Auto/Retry block raised R[A]: Auto records the error and
     * goes on at pc (the unit's end, or a worker's next item); Retry waits the backoff, then
     * pc += sC (the body's start, same input); otherwise (Cancelled, retries used up) raise R[A]
     */
    UNITFAIL(UNITS, Format.AJ, JUMP, MAY_SUSPEND),
    /** start a task of block R[A]: closure R[B] with the two items R[B+1], R[B+2] (task(k, v in e)); K[C] names the first */
    SPAWN2(UNITS, Format.ABK, MAY_SUSPEND);

    /** How the fields of an instruction word are read and printed. */
    public enum Format {
        NONE, A, AB, AB_BOOL, ABC, ABK, AKC, AI, AUP, APROTO, J, AJ, ABJ, AKJ, AIT, ACALL,
        ABUILTIN, AMETHOD, ATYPE, ALIST, AERR, AUPJ
    }

    /** Properties of an instruction that {@code OpcodeFlagsTest} checks against its format and its compiled code. */
    public enum Flag {
        /**
         * May leave the dispatch loop before completing (park, yield or stop the task, or return
         * the status of a trap) and then run again from its start when the task resumes: its pc
         * is saved in the task before it runs (by its case in the dispatch loop, else by
         * {@code Interpreter.byFamily}).
         */
        MAY_SUSPEND,
        /** Its sC field is a pc offset, taken when its condition holds: the formats J AJ ABJ AKJ AIT AUPJ. */
        JUMP,
        /** May enter a Limn function in this task, pushing a frame ({@link TaskContext#call}). */
        CALLS
    }

    /**
     * Where an instruction is executed: a case of the dispatch loop ({@link #HOT}), or the one
     * class of its family, which the loop's {@code default} branch calls directly. Each class's
     * header lists the opcodes it serves; {@code OpcodeFamiliesTest} checks both against this table.
     */
    public enum Family {
        /** A case of {@link Interpreter#run}; its slow paths call the classes below directly. */
        HOT,
        /** {@code Operators}: arithmetic, bitwise and unary operators without a fast path, concatenation. */
        OPERATORS,
        /** {@code Captures}: boxes of captured variables, closures, writes of concurrent code to shared variables. */
        CAPTURES,
        /** {@code Collections}: list, dict and range values, indexing. */
        COLLECTIONS,
        /** {@code Loops}: the counting loop's start, generic iteration. */
        LOOPS,
        /** {@link Builtin}: calls of builtin functions. */
        BUILTINS,
        /** {@code Methods}: method calls on builtin types. */
        METHODS,
        /** {@link Types}: type annotation checks. */
        TYPES,
        /** {@code Errors}: error values, raising, matching by kind. */
        ERRORS,
        /** {@code Atomics}: atomic variables. */
        ATOMICS,
        /** {@code Channels}: a unit's output channel. */
        CHANNELS,
        /** {@code Futures}: await. */
        FUTURES,
        /** {@code Units}: blocks, their tasks and workers, unit failure and retry. */
        UNITS,
        /** {@code ParallelLoops}: parallel loops and task families. */
        PARALLEL_LOOPS;

        /**
         * The ordinals of {@link Family} as compile-time constants for the interpreter's switch.
         * Must change with the enum's order; {@code OpcodeFamiliesTest} checks every one.
         */
        public static final class Id {
            public static final int HOT = 0, OPERATORS = 1, CAPTURES = 2, COLLECTIONS = 3, LOOPS = 4,
                    BUILTINS = 5, METHODS = 6, TYPES = 7, ERRORS = 8, ATOMICS = 9, CHANNELS = 10,
                    FUTURES = 11, UNITS = 12, PARALLEL_LOOPS = 13;

            private Id() {}
        }
    }

    private static final Opcode[] VALUES = values();

    /** The class that executes this instruction. */
    public final Family family;
    public final Format format;
    private final Set<Flag> flags;

    Opcode(Family family, Format format, Flag... flags) {
        this.family = family;
        this.format = format;
        this.flags = flags.length == 0 ? EnumSet.noneOf(Flag.class) : EnumSet.of(flags[0], flags);
    }

    /** Whether this instruction has {@code flag}. */
    public boolean has(Flag flag) {
        return flags.contains(flag);
    }

    /**
     * The highest register instruction {@code i} of this opcode reads or writes, or -1: the
     * registers its format names, plus those its contract implies beyond them (FORLOOP's limit
     * and loop variable, BLOCKBEGIN's channels...). {@code Proto} checks it against the
     * function's register count once, so the interpreter's raw register accesses need no
     * bounds checks. A new opcode whose contract reaches past its format's fields must say so here.
     */
    public int highestRegister(long i) {
        return switch (this) {
            case AUPDATE -> Math.max(Instr.a(i), Instr.b(i)); // C is the operation, not a register
            case UPCAS -> Instr.a(i) + 1;
            case BLOCKBEGIN -> Instr.a(i) + 3;
            case SPAWN, SPAWNW -> Math.max(Instr.a(i), Instr.b(i) + Instr.k(i));
            case SPAWN2 -> Math.max(Instr.a(i), Instr.b(i) + 2);
            case TASKLOOP -> Math.max(Instr.a(i), Instr.b(i) + 2);
            case FORPREP, FORLOOP -> Instr.a(i) + 2;
            case PARNEXT -> Instr.a(i) + Instr.k(i);
            default -> switch (format) {
                case NONE, J -> -1;
                case AB, ABK, ABJ -> Math.max(Instr.a(i), Instr.b(i));
                case ABC -> Math.max(Instr.a(i), Math.max(Instr.b(i), Instr.c(i)));
                case ACALL -> Instr.a(i) + Instr.b(i);
                default -> Instr.a(i);
            };
        };
    }

    public static Opcode of(int op) {
        return VALUES[op];
    }

    /**
     * The ordinals of {@link Opcode} as compile-time constants for the interpreter's switch.
     * Must change with the enum's order; {@code OpcodeTableTest} checks every one.
     */
    public static final class Op {
        public static final int MOVE = 0, LOADK = 1, LOADNIL = 2, LOADBOOL = 3, LOADINT = 4,
                NEWBOX = 5, GETBOX = 6, SETBOX = 7, GETUPVAL = 8, SETUPVAL = 9, CLOSURE = 10,
                ADD = 11, ADDK = 12, SUB = 13, SUBK = 14, MUL = 15, MULK = 16, DIV = 17,
                DIVK = 18, MOD = 19, MODK = 20, POW = 21, BAND = 22, BOR = 23, BXOR = 24,
                SHL = 25, SHR = 26, NEG = 27, NOT = 28, BNOT = 29, CONCAT = 30, JMP = 31,
                TEST = 32, LT = 33, LE = 34, EQ = 35, LTK = 36, LEK = 37, GTK = 38, GEK = 39,
                EQK = 40, FORPREP = 41, FORLOOP = 42, ITERPREP = 43, ITERNEXT = 44, CALL = 45,
                CALLB = 46, METHOD = 47, RETURN = 48, RETNIL = 49, DEFAULT = 50,
                CHECKTYPE = 51, CHECKRET = 52, NEWLIST = 53, NEWDICT = 54, RANGE = 55,
                GETINDEX = 56, SETINDEX = 57, GETFIELD = 58, NEWERR = 59, RAISE = 60,
                ERRKIND = 61, SUSPEND_TEST = 62, NEWATOMIC = 63, ALOAD = 64, AUPDATE = 65,
                UPSTORE = 66, UPCAS = 67, BLOCKBEGIN = 68, SPAWN = 69, SPAWNW = 70, BLOCKEND = 71,
                BLOCKABORT = 72, BLOCKFUTURE = 73, SENDOUT = 74, AWAIT = 75, SCOPEWAIT = 76, UNITITEM = 77,
                ARELEASE = 78, PARLOOP = 79, PARNEXT = 80, TASKLOOP = 81, UNITFAIL = 82, SPAWN2 = 83;

        private Op() {}
    }
}
