package dev.limn.vm;

import dev.limn.sched.events.FlightEvents;
import dev.limn.value.ErrorValue;
import dev.limn.value.LimnError;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * The compiled tier's switch and its per-run statistics. The interpreter is the first tier and
 * the fallback; the second compiles a function to JVM bytecode ({@link TierCompiler}) once it
 * is hot, or at its first call with {@link Mode#ALWAYS}.
 *
 * <p>The interpreter comes here at three points, only when its task's mode is not
 * {@link Mode#OFF}: a call that entered a function ({@link #enterCall}), a back edge whose
 * task's countdown ran out ({@link #backEdge}), and the start of a run ({@link #resume}, which
 * is also where a suspended task goes on). Each counts the function's heat, compiles it once
 * hot, and runs the compiled code from that pc when the code has an entry there: the
 * function's start, or a loop's head. Compiled code calls compiled code directly, while the
 * frames take at most {@link #MAX_STACK_SLOTS} of the JVM stack; past that, and for a function that cannot be
 * compiled, the call goes on in the interpreter. A function's calls of itself, and its calls
 * of a known small function ({@link #knownCallees}), invoke the callee's fast entry
 * ({@link TierCompiler.Fast}), counted against the same bound.
 */
public final class Tier {
    /** Whether a run uses the compiled tier. */
    public enum Mode {
        /** The interpreter only. */
        OFF,
        /** Functions and loops are compiled once hot (the default). */
        AUTO,
        /** Every function is compiled at its first call. */
        ALWAYS;

        /** "off", "auto" or "always" (any case). */
        public static Mode parse(String s) {
            for (Mode m : values()) {
                if (m.name().equalsIgnoreCase(s.trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("the tier is off, auto or always, got \"" + s + "\"");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The system property that sets the default mode ({@code -Dlimn.tier=off|auto|always}). */
    public static final String PROPERTY = "limn.tier";

    /** Heat at which a function is compiled in auto mode: one per call, {@link #COUNTDOWN} per countdown of back edges. */
    static final int HEAT = 2_000;
    /** Back edges a task runs between looks at its function's heat and code. */
    static final int COUNTDOWN = 1_024;
    /**
     * The JVM stack, in 8-byte slots, that nested compiled frames may take before a call goes on
     * in the interpreter (256 KiB: a quarter of a default thread stack; a host's thread may call
     * in with little stack to spare). Each frame counts its {@link Compiled#slots}, so a function
     * of many registers nests less deep than a small one (a small one, such as fib, about 550
     * deep).
     */
    static final int MAX_STACK_SLOTS = 32 * 1024;
    /** Guard exits at one instruction before its function is compiled again, more generally. */
    static final int EXITS_BEFORE_RECOMPILE = 16;
    /** Compilations of one function before it stays interpreted. */
    static final int MAX_COMPILES = 4;
    /** Instructions of a function, at most, whose compiled code its compiled callers call directly (its fast entry). */
    static final int SMALL_CALLEE = 64;

    /** Whether compiled callers of {@code p} call its fast entry directly: not async, and at most {@link #SMALL_CALLEE} instructions. */
    static boolean smallCallee(Proto p) {
        return !p.async && p.code.length <= SMALL_CALLEE;
    }

    /** To the interpreter: nothing ran, go on. */
    static final int STAY = -2;
    /** To the interpreter: compiled code ran; go on at {@code t.pc} in the task's current frame. */
    static final int RELOAD = -1;

    private Tier() {}

    /** A function's compiled code and what the tier knows of it; one per {@link Proto}. */
    static final class Info {
        /** The code, or null; the fields below it are written before it is published. */
        volatile Compiled code;
        /** The pcs where {@link #code} may be entered: 0 and the heads of loops. */
        boolean[] entries;
        /** Calls and back edges counted so far (racy: an estimate is all it needs). */
        int heat;
        /** Compiling now (one thread at a time), or never to be compiled ({@link #whyNot}). */
        volatile int state;
        /** Why the function is not compiled, or null. */
        volatile String whyNot;
        /** Per pc, how an operand of unknown tag is guessed: {@link TierCompiler#GUESS_INT} and on. */
        volatile byte[] guesses;
        /** Guard exits per pc since the last compilation. */
        int[] exits;
        int compiles;

        static final int IDLE = 0;
        static final int COMPILING = 1;
        static final int NEVER = 2;
    }

    /** A new task's first countdown: never for off, at once for always. */
    static int countdown(Mode mode) {
        return switch (mode) {
            case OFF -> Integer.MAX_VALUE;
            case AUTO -> COUNTDOWN;
            case ALWAYS -> 0;
        };
    }

    /** A CALL of the interpreter entered the current frame's function at pc 0 (its fuel charged). */
    static int enterCall(TaskContext t) {
        Compiled cc = ready(t, t.closure.proto, 1);
        return cc == null ? STAY : enter(t, cc, 0);
    }

    /** A run of the interpreter starts (or resumes) the current frame at {@code t.pc}. */
    static int resume(TaskContext t) {
        Proto p = t.closure.proto;
        Info in = p.tier;
        Compiled cc = in.code;
        if (cc == null) {
            if (t.pc != 0 || (cc = ready(t, p, 1)) == null) {
                return STAY;
            }
        }
        return in.entries[t.pc] ? enter(t, cc, t.pc) : STAY;
    }

    /**
     * A back edge to {@code t.pc} (the jump at {@code jumpPc}) found the fuel spent, the trap
     * set or the tier's countdown run out: the safepoint first, then the tier's look. A status
     * to return, {@link #STAY} or {@link #RELOAD}.
     */
    static int backEdge(TaskContext t, int jumpPc) {
        if (t.fuel < 0 || t.lpTrap() != 0) {
            int s = t.onSafepoint();
            if (s >= 0) {
                return s;
            }
        }
        if (t.tierCountdown >= 0) {
            return STAY;
        }
        if (t.tier == Mode.OFF) {
            t.tierCountdown = Integer.MAX_VALUE;
            return STAY;
        }
        t.tierCountdown = COUNTDOWN;
        Proto p = t.closure.proto;
        Compiled cc = ready(t, p, COUNTDOWN);
        return cc != null && p.tier.entries[t.pc] ? enter(t, cc, t.pc) : STAY;
    }

    /** {@code p}'s code, compiled now if it is hot (or the mode is always); null to interpret it. */
    private static Compiled ready(TaskContext t, Proto p, int heat) {
        Info in = p.tier;
        Compiled cc = in.code;
        if (cc != null || in.state != Info.IDLE) {
            return cc;
        }
        if (t.tier == Mode.ALWAYS || (in.heat += heat) >= HEAT) {
            return compile(t, p);
        }
        return null;
    }

    /** Compiles {@code p} unless another thread is at it or it cannot be; its code or null. */
    private static Compiled compile(TaskContext t, Proto p) {
        Info in = p.tier;
        synchronized (in) {
            if (in.code != null || in.state != Info.IDLE) {
                return in.code;
            }
            in.state = Info.COMPILING;
        }
        Stats stats = t.run != null ? t.run.tierStats : null;
        long start = System.nanoTime();
        Compiled cc = null;
        String why = null;
        try {
            if (in.compiles >= MAX_COMPILES) {
                why = "its operand types kept changing (" + MAX_COMPILES + " compilations)";
            } else {
                in.compiles++;
                TierCompiler.Result r = TierCompiler.compile(p, in.guesses, knownCallees(t, p));
                if (r.code() == null) {
                    why = r.whyNot();
                } else {
                    in.entries = r.entries();
                    in.exits = new int[p.code.length];
                    cc = r.code();
                }
            }
        } catch (RuntimeException | LinkageError e) {
            why = "compiler failure: " + e;
        } catch (OutOfMemoryError | StackOverflowError e) {
            // the program has filled the heap (or its stack): compiling can wait, and the error is the
            // program's to meet at its own next allocation, where a handler may take it
            synchronized (in) {
                in.state = Info.IDLE;
                in.heat = 0;
            }
            return null;
        }
        if (stats != null) {
            long now = System.nanoTime();
            stats.compileNanos.add(now - start);
            (cc != null ? stats.compiled : stats.failed).increment();
            if (cc != null) {
                stats.compiledAt(now);
            }
        }
        synchronized (in) {
            in.whyNot = why;
            in.code = cc;
            in.state = cc != null ? Info.IDLE : Info.NEVER;
        }
        return cc;
    }

    /**
     * Per CALL of {@code p}, the compiled code of the small function it calls, when the
     * function's closure is known now (a captured variable of the closure being compiled, the
     * current frame's, holds it, or one of the frame's registers, or a box in one: a function
     * defined at the top level, called from there), and that code has a fast entry: the callee
     * is compiled now if it is not yet, as any callee of compiled code is at its first call.
     * Null where none is known. The call site checks at run time that it calls this function and that its
     * code is still this one.
     */
    private static Compiled[] knownCallees(TaskContext t, Proto p) {
        Closure self = t.closure;
        if (self == null || self.proto != p) {
            return null;
        }
        long[] code = p.code;
        Compiled[] callees = null;
        for (int pc = 0; pc < code.length; pc++) {
            long w = code[pc];
            if (Instr.op(w) != Opcode.Op.CALL) {
                continue;
            }
            Closure c = capturedCallee(t, code, pc);
            if (c == null || c.proto == p || !smallCallee(c.proto) || Instr.b(w) != c.proto.numParams) {
                continue;
            }
            Info ci = c.proto.tier;
            Compiled cc = ci.code;
            if (cc == null && ci.state == Info.IDLE) {
                cc = compile(t, c.proto);
            }
            if (cc != null && cc.fast != null) {
                if (callees == null) {
                    callees = new Compiled[code.length];
                }
                callees[pc] = cc;
            }
        }
        return callees;
    }

    /**
     * The closure that the captured variable (GETUPVAL), the box in a register of the current
     * frame (GETBOX) or the register (MOVE) loaded into the callee register of the CALL at
     * {@code pc} holds now, or null. A guess: the call site checks at run time that the register
     * holds a closure of that function.
     */
    private static Closure capturedCallee(TaskContext t, long[] code, int pc) {
        int ra = Instr.a(code[pc]);
        for (int q = pc - 1; q >= 0 && q >= pc - 16; q--) {
            long w = code[q];
            if (Instr.a(w) != ra) {
                continue;
            }
            Object held = null;
            int rb = t.base + Instr.b(w);
            if (Instr.op(w) == Opcode.Op.GETUPVAL && Instr.b(w) < t.closure.upvals.length) {
                Box bx = t.closure.upvals[Instr.b(w)];
                held = bx.tag == Tag.REF ? bx.ref : null;
            } else if (Instr.op(w) == Opcode.Op.GETBOX && t.refs[rb] instanceof Box bx) {
                held = bx.tag == Tag.REF ? bx.ref : null;
            } else if (Instr.op(w) == Opcode.Op.MOVE && Registers.lpTag(t, rb) == Tag.REF) {
                held = t.refs[rb];
            }
            return held instanceof Closure c ? c : null;
        }
        return null;
    }

    /**
     * Runs {@code cc} on the current frame of {@code t} from {@code pc}, as the interpreter's
     * own code: errors are unwound here from the pc compiled code saved. A status to return
     * or {@link #RELOAD}.
     */
    static int enter(TaskContext t, Compiled cc, int pc) {
        t.tierNesting = cc.slots;
        int r;
        try {
            r = cc.run(t, pc);
            while (r == Compiled.AGAIN) {
                if (t.closure.proto.tier.code != cc) {
                    return RELOAD; // dropped or compiled again meanwhile: the interpreter goes on at the loop head
                }
                r = cc.run(t, t.pc);
            }
        } catch (LimnError e) {
            return handled(t, t.unwind(e.value, t.pc));
        } catch (ArithmeticException e) {
            return handled(t, t.unwind(new ErrorValue("Overflow", "integer overflow"), t.pc));
        } catch (StackOverflowError e) {
            return handled(t, t.unwind(new ErrorValue("StackOverflow", "value nested too deeply"), t.pc));
        } catch (OutOfMemoryError e) {
            return handled(t, t.outOfMemory(t.pc));
        }
        if (r >= 0) {
            t.pc = r;
            return RELOAD;
        }
        if (r == Compiled.RETURNED_OUTERMOST) {
            t.pc = 0;
            return Interpreter.DONE;
        }
        return r == Compiled.EXIT ? RELOAD : Compiled.STOP - r;
    }

    private static int handled(TaskContext t, int handler) {
        if (handler < 0) {
            return Interpreter.FAILED;
        }
        t.pc = handler;
        return RELOAD;
    }

    // ------------------------------------------------------------------ called by compiled code

    /**
     * A CALL of compiled code entered a function's frame: charges its length, and returns its
     * compiled code (compiled now: its caller is hot), or null with {@code t.pc} 0 when it must
     * go on in the interpreter.
     */
    static Compiled callee(TaskContext t) {
        Proto p = t.closure.proto;
        t.fuel -= p.code.length;
        Compiled cc = p.tier.code;
        if (cc == null && p.tier.state == Info.IDLE) {
            cc = compile(t, p);
        }
        if (cc == null || t.tierNesting + cc.slots > MAX_STACK_SLOTS) {
            t.pc = 0;
            return null;
        }
        t.tierNesting += cc.slots;
        return cc;
    }

    /** A compiled back edge from {@code jumpPc} to {@code target} found the fuel spent or the trap set. 0 to go on, else a stop code. */
    static int safepoint(TaskContext t, int jumpPc, int target) {
        t.pc = jumpPc; // a Cancelled raised here belongs to the jump
        int s = t.onSafepoint();
        t.pc = target;
        return s >= 0 ? Compiled.STOP - s : 0;
    }

    /** A compiled CALL (saved in {@code t.pc}, where the task resumes) found the fuel spent or the trap set. */
    static int callSafepoint(TaskContext t) {
        int s = t.onSafepoint();
        return s >= 0 ? Compiled.STOP - s : 0;
    }

    /**
     * Compiled code leaves its frame to the interpreter at {@code pc}, its registers written
     * back: a guard failed (an operand's tag was not the one compiled for) or the instruction
     * raises. Counts the exit; once one instruction has exited often, its guess is widened and
     * the function is dropped, to be compiled again.
     */
    static int exited(TaskContext t, int pc) {
        t.pc = pc;
        if (t.run != null) {
            t.run.tierStats.guardExits.increment();
        }
        if (FlightEvents.on()) {
            try {
                recordExit(t, pc);
            } catch (OutOfMemoryError dropped) {
                // the event is lost, not the exit
            }
        }
        Proto p = t.closure.proto;
        Info in = p.tier;
        int[] exits = in.exits;
        if (exits != null && ++exits[pc] == EXITS_BEFORE_RECOMPILE) {
            try {
                synchronized (in) {
                    byte[] g = in.guesses == null ? new byte[p.code.length] : in.guesses.clone();
                    g[pc] = TierCompiler.widen(g[pc], t, p.code[pc]);
                    in.guesses = g;
                    in.code = null;
                    in.heat = 0;
                }
            } catch (OutOfMemoryError e) {
                exits[pc] = 0; // a full heap: the guess is widened at a later exit
            }
        }
        return Compiled.EXIT;
    }

    /**
     * A call of a known small function found that function's code changed since its caller
     * was compiled against it (compiled again, or dropped to be): the call takes the generic
     * path, and the caller is dropped at once, to be compiled again against the callee's code
     * of then. That compilation is not counted against {@link #MAX_COMPILES}: the callee's own
     * compilations bound how often this happens.
     */
    static void calleeChanged(TaskContext t) {
        Info in = t.closure.proto.tier;
        synchronized (in) {
            if (in.code != null) {
                in.code = null;
                in.heat = 0;
                in.compiles = Math.max(0, in.compiles - 1);
            }
        }
    }

    /**
     * A call at {@code callPc} whose callee may be its own function returned a result of
     * another kind than the fast entry's: the frame goes on in the interpreter after the call,
     * its registers written back. Counted as a guard exit at the call; once it has
     * exited often, the function is compiled again without the fast path there.
     */
    static int exitedAfterCall(TaskContext t, int callPc) {
        exited(t, callPc);
        t.pc = callPc + 1;
        return Compiled.EXIT;
    }

    /**
     * Records the flight recorder's TierExit of an exit at {@code pc}: the reason names the
     * opcode, and the failed guess when the operands show it (an int guess met a float);
     * otherwise a guard of another kind failed or the instruction raises.
     */
    private static void recordExit(TaskContext t, int pc) {
        Proto p = t.closure.proto;
        long w = p.code[pc];
        byte[] guesses = p.tier.guesses;
        byte guess = guesses == null ? TierCompiler.GUESS_INT : guesses[pc];
        String op = Opcode.of(Instr.op(w)).name();
        byte widened = guess == TierCompiler.GUESS_INT ? TierCompiler.widen(guess, t, w) : TierCompiler.GUESS_NONE;
        boolean floatFound = widened == TierCompiler.GUESS_FLOAT
                || (widened == TierCompiler.GUESS_MIXED && Instr.op(w) != Opcode.Op.GETINDEX);
        String reason = floatFound
                ? "guard: int guessed, float found (" + op + ")"
                : "guard failed or instruction raises (" + op + ")";
        FlightEvents.tierExit(p.displayName(), pc, reason, t.id());
    }

    /** The mode of {@code -Dlimn.tier}, else {@link Mode#AUTO}. */
    public static Mode defaultMode() {
        String s = System.getProperty(PROPERTY);
        return s == null ? Mode.AUTO : Mode.parse(s);
    }

    /** What one run's tier did, for {@code --stats}. */
    static final class Stats {
        final LongAdder compiled = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder guardExits = new LongAdder();
        final LongAdder compileNanos = new LongAdder();
        /** When the run began, and how long after that its first compiled code was ready (0: none yet). */
        private final long began = System.nanoTime();
        private final java.util.concurrent.atomic.AtomicLong firstCode = new java.util.concurrent.atomic.AtomicLong();

        void compiledAt(long now) {
            firstCode.compareAndSet(0, Math.max(1, now - began));
        }

        /** The {@code --stats} line; {@code times}: with the compile times (wall clock, left out of a deterministic run's). */
        String line(Mode mode, boolean times) {
            long n = compiled.sum();
            long first = firstCode.get();
            String counts = "stats: tier " + mode + ", functions compiled " + n + ", not compilable " + failed.sum()
                    + ", guard exits " + guardExits.sum();
            if (!times) {
                return counts;
            }
            return counts + ", compile time "
                    + String.format(Locale.ROOT, "%.1f ms", compileNanos.sum() / 1e6)
                    + (n > 0 ? String.format(Locale.ROOT, " (%.2f ms a function)", compileNanos.sum() / 1e6 / n) : "")
                    + (first > 0 ? String.format(Locale.ROOT, ", first code after %.1f ms", first / 1e6) : "");
        }
    }
}
