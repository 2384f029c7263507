package dev.limn.vm;

import dev.limn.sched.Scheduler;
import dev.limn.value.DurationValue;
import dev.limn.value.ErrorValue;
import dev.limn.value.LimnError;

import java.util.List;

/**
 * The builtin functions of SPEC §9 that the sequential VM provides. Each has an argument
 * count range (checked at compile time when the call is direct, at run time otherwise).
 * Serves CALLB, whose operand C is the ordinal; a builtin called through a variable goes
 * through {@link TaskContext#call}. Builtins read their arguments from registers
 * {@code args .. args + argc - 1} of the calling task and return an object-form value.
 */
public enum Builtin {
    PRINT("print", 0, -1),
    LEN("len", 1, 1),
    STR("str", 1, 1),
    INT("int", 1, 1),
    FLOAT("float", 1, 1),
    TYPE_OF("type_of", 1, 1),
    ABS("abs", 1, 1),
    MIN("min", 1, -1),
    MAX("max", 1, -1),
    SQRT("sqrt", 1, 1),
    FLOOR("floor", 1, 1),
    NOW("now", 0, 0),
    TIME("time", 0, 0),
    RANDINT("randint", 2, 2),
    RANDOM("random", 0, 0),
    ASSERT("assert", 1, 2),
    ERR("err", 1, 1),
    OK("ok", 1, 1),
    CHANNEL("channel", 0, 1),
    SLEEP("sleep", 1, 1),
    /** SPEC §6.2: the current attempt of the running unit (1 = first run; more under on_error=Retry). */
    TASK_ATTEMPT("task_attempt", 0, 0),
    /** SPEC §7: a future of the list of the values of a list of futures (the first error fails it). */
    ALL("all", 1, 1),
    /** SPEC §7: a future of the first value among a list of futures (fails when every one fails). */
    ANY("any", 1, 1),
    /** SPEC §7: a future of f's outcome, or of a Timeout error when f takes longer than the duration. */
    WITH_TIMEOUT("with_timeout", 2, 2),
    /** A send-only channel whose values go to the subscribers of {@code uri} and stream (another process). */
    PUBLISH("publish", 2, 2),
    /** A receive-only channel fed by the publications on {@code uri} and stream (another process). */
    SUBSCRIBE("subscribe", 2, 2);

    private static final Builtin[] VALUES = values();
    /** What {@code time()} gives at the start of a deterministic run: 2024-01-01T00:00:00Z. */
    static final double DETERMINISTIC_EPOCH_SECONDS = 1_704_067_200.0;

    public final String limnName;
    public final int minArgs;
    /** -1: any number. */
    public final int maxArgs;

    Builtin(String limnName, int minArgs, int maxArgs) {
        this.limnName = limnName;
        this.minArgs = minArgs;
        this.maxArgs = maxArgs;
    }

    public static Builtin of(int ordinal) {
        return VALUES[ordinal];
    }

    /** Executes CALLB: R[A] := builtin C(R[A+1], ..., R[A+B]); returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int ra = t.base + Instr.a(i);
        t.set(ra, of(Instr.c(i)).invoke(t, ra + 1, Instr.b(i)));
        return pc;
    }

    /** The builtin named {@code name}, or null. */
    public static Builtin named(String name) {
        for (Builtin b : VALUES) {
            if (b.limnName.equals(name)) {
                return b;
            }
        }
        return null;
    }

    /** The arity error message for {@code argc} arguments, or null when it fits. */
    public String arityProblem(int argc) {
        if (argc >= minArgs && (maxArgs < 0 || argc <= maxArgs)) {
            return null;
        }
        String expected;
        if (maxArgs < 0) {
            expected = "at least " + minArgs;
        } else if (minArgs == maxArgs) {
            expected = Integer.toString(minArgs);
        } else {
            expected = minArgs + " to " + maxArgs;
        }
        return limnName + " expects " + expected + (expected.equals("1") ? " argument" : " arguments") + ", got " + argc;
    }

    void checkArity(int argc) {
        String problem = arityProblem(argc);
        if (problem != null) {
            throw new LimnError("ArityMismatch", problem);
        }
    }

    @Override
    public String toString() {
        return "<fn " + limnName + ">";
    }

    Object invoke(TaskContext t, int args, int argc) {
        switch (this) {
            case PRINT: {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < argc; i++) {
                    if (i > 0) {
                        sb.append(' ');
                    }
                    sb.append(Values.str(t.get(args + i)));
                }
                sb.append('\n');
                t.out.print(sb);
                t.out.flush();
                return null;
            }
            case LEN: return len(t.get(args));
            case STR: return Values.str(t.get(args));
            case INT: return toInt(t.get(args));
            case FLOAT: return toFloat(t.get(args));
            case TYPE_OF: return Values.typeName(t.get(args));
            case ABS: {
                Object v = t.get(args);
                if (v instanceof Long l) {
                    return Math.absExact(l);
                }
                if (v instanceof Double d) {
                    return Math.abs(d);
                }
                if (v instanceof DurationValue d) {
                    return new DurationValue(Math.absExact(d.nanos()));
                }
                throw LimnError.typeMismatch("abs expects a number, got " + Values.typeName(v));
            }
            case MIN: return extreme(t, args, argc, true);
            case MAX: return extreme(t, args, argc, false);
            case SQRT: return Math.sqrt(number(t.get(args), "sqrt"));
            case FLOOR: {
                Object v = t.get(args);
                if (v instanceof Long) {
                    return v;
                }
                double d = Math.floor(number(v, "floor"));
                if (d < -0x1p63 || d >= 0x1p63 || Double.isNaN(d)) {
                    throw new LimnError("Overflow", "floor of " + Values.str(v) + " does not fit in an int");
                }
                return (long) d;
            }
            case NOW: {
                Scheduler s = t.scheduler();
                return s != null ? s.nanoTime() : System.nanoTime();
            }
            case TIME: {
                Scheduler s = t.scheduler();
                // a deterministic run starts at 2024-01-01T00:00:00Z, whenever it runs
                return s != null && s.isDeterministic() ? DETERMINISTIC_EPOCH_SECONDS + s.nanoTime() / 1e9
                        : System.currentTimeMillis() / 1000.0;
            }
            case RANDINT: {
                Object lo = t.get(args);
                Object hi = t.get(args + 1);
                if (!(lo instanceof Long a) || !(hi instanceof Long b)) {
                    throw LimnError.typeMismatch("randint expects two ints");
                }
                if (b < a) {
                    throw new LimnError("Error", "randint: empty range " + a + ".." + b);
                }
                return b == Long.MAX_VALUE && a == Long.MIN_VALUE ? t.random().nextLong() : t.random().nextLong(a, b + 1);
            }
            case RANDOM: return t.random().nextDouble();
            case TASK_ATTEMPT: return (long) t.attempt();
            case ASSERT: {
                Object c = t.get(args);
                if (!(c instanceof Boolean b)) {
                    throw LimnError.typeMismatch("condition must be bool, got " + Values.typeName(c));
                }
                if (!b) {
                    throw new LimnError("AssertionFailed", argc > 1 ? Values.str(t.get(args + 1)) : "assertion failed");
                }
                return null;
            }
            case ERR: {
                Object v = t.get(args);
                return v instanceof ErrorValue e ? e : new ErrorValue("Error", Values.str(v));
            }
            case OK: return t.get(args);
            case CHANNEL: return Channels.channel(t, args, argc);
            case PUBLISH: return Channels.remote(t, args, true);
            case SUBSCRIBE: return Channels.remote(t, args, false);
            case SLEEP: return Waiting.sleep(t, t.get(args));
            case ALL: return Futures.all(t, t.get(args));
            case ANY: return Futures.any(t, t.get(args));
            case WITH_TIMEOUT: return Futures.withTimeout(t, t.get(args), t.get(args + 1));
            default: throw new IllegalStateException(name());
        }
    }

    static long len(Object v) {
        if (v instanceof String s) {
            return s.length();
        }
        if (v instanceof ListValue l) {
            synchronized (l) {
                return l.items.size();
            }
        }
        if (v instanceof DictValue d) {
            synchronized (d) {
                return d.size();
            }
        }
        if (v instanceof RangeValue r) {
            try {
                return r.length();
            } catch (ArithmeticException tooLong) {
                throw new LimnError("Overflow", "the length of " + r + " does not fit in an int");
            }
        }
        throw LimnError.typeMismatch("len expects a str, list, dict or range, got " + Values.typeName(v));
    }

    private static Object toInt(Object v) {
        if (v instanceof Long) {
            return v;
        }
        if (v instanceof Double d) {
            if (Double.isNaN(d) || d < -0x1p63 || d >= 0x1p63) {
                throw new LimnError("Overflow", "cannot convert " + Values.str(v) + " to int");
            }
            return (long) (double) d;
        }
        if (v instanceof String s) {
            try {
                return Long.parseLong(s.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw LimnError.typeMismatch("cannot convert " + Values.repr(s) + " to int");
            }
        }
        if (v instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        throw LimnError.typeMismatch("cannot convert " + Values.typeName(v) + " to int");
    }

    private static Object toFloat(Object v) {
        if (v instanceof Double) {
            return v;
        }
        if (v instanceof Long l) {
            return (double) l;
        }
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw LimnError.typeMismatch("cannot convert " + Values.repr(s) + " to float");
            }
        }
        throw LimnError.typeMismatch("cannot convert " + Values.typeName(v) + " to float");
    }

    private static double number(Object v, String fn) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Double d) {
            return d;
        }
        throw LimnError.typeMismatch(fn + " expects a number, got " + Values.typeName(v));
    }

    private static Object extreme(TaskContext t, int args, int argc, boolean min) {
        List<Object> items;
        if (argc == 1) {
            Object v = t.get(args);
            if (!(v instanceof ListValue l)) {
                throw LimnError.typeMismatch((min ? "min" : "max") + " of one argument expects a list, got " + Values.typeName(v));
            }
            items = Values.snapshot(l);
            if (items.isEmpty()) {
                throw new LimnError("Error", (min ? "min" : "max") + " of an empty list");
            }
        } else {
            items = new java.util.ArrayList<>(argc);
            for (int i = 0; i < argc; i++) {
                items.add(t.get(args + i));
            }
        }
        Object best = items.getFirst();
        for (int i = 1; i < items.size(); i++) {
            Object v = items.get(i);
            int c = Operators.compare(v, best, min ? "<" : ">");
            if (min ? c < 0 : c > 0) {
                best = v;
            }
        }
        return best;
    }
}
