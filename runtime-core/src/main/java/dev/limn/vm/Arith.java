package dev.limn.vm;

import dev.limn.value.DurationValue;
import dev.limn.value.LimnError;
import dev.limn.vm.Opcode.Op;

/**
 * Binary and unary arithmetic on object-form values: the slow path of ADD/SUB/MUL/DIV
 * and the only path of MOD, POW and the bit operators. Int {@code + - *} overflow raises
 * Overflow; int {@code / %} truncate toward zero and raise DivisionByZero on 0; float
 * division by 0.0 follows IEEE. int ** int with exponent ≥ 0 stays int (overflow raises),
 * a negative exponent gives a float. Durations add and subtract, scale by numbers, and a
 * duration divided by a duration is a float. {@code +} with a str on either side
 * concatenates printed forms.
 */
final class Arith {
    private Arith() {}

    static Object binary(int op, Object x, Object y) {
        if (op == Op.ADD && (x instanceof String || y instanceof String)) {
            return Values.str(x) + Values.str(y);
        }
        if (x instanceof Long a && y instanceof Long b) {
            return ints(op, a, b);
        }
        if (isNum(x) && isNum(y) && op <= Op.POW) {
            double a = ((Number) x).doubleValue();
            double b = ((Number) y).doubleValue();
            switch (op) {
                case Op.ADD: return a + b;
                case Op.SUB: return a - b;
                case Op.MUL: return a * b;
                case Op.DIV: return a / b;
                case Op.MOD: return a % b;
                case Op.POW: return Math.pow(a, b);
                default: break;
            }
        }
        if (x instanceof DurationValue a) {
            if (y instanceof DurationValue b) {
                switch (op) {
                    case Op.ADD: return new DurationValue(Math.addExact(a.nanos(), b.nanos()));
                    case Op.SUB: return new DurationValue(Math.subtractExact(a.nanos(), b.nanos()));
                    case Op.DIV: return (double) a.nanos() / (double) b.nanos();
                    default: break;
                }
            } else if (y instanceof Long b) {
                switch (op) {
                    case Op.MUL: return new DurationValue(Math.multiplyExact(a.nanos(), b));
                    case Op.DIV:
                        if (b == 0) {
                            throw new LimnError("DivisionByZero", "division by zero");
                        }
                        return new DurationValue(a.nanos() / b);
                    default: break;
                }
            } else if (y instanceof Double b) {
                switch (op) {
                    case Op.MUL: return scaled(a.nanos() * b);
                    case Op.DIV: return scaled(a.nanos() / b);
                    default: break;
                }
            }
        } else if (y instanceof DurationValue b && op == Op.MUL && isNum(x)) {
            return x instanceof Long a ? new DurationValue(Math.multiplyExact(a, b.nanos()))
                    : scaled((Double) x * b.nanos());
        }
        throw LimnError.typeMismatch("cannot apply '" + symbol(op) + "' to " + Values.typeName(x) + " and " + Values.typeName(y));
    }

    /**
     * A duration scaled by a float, in whole nanoseconds: one that does not fit (5s * 1e300,
     * 5s / 0.0) raises Overflow, and NaN (5s * (0.0 / 0)) is no duration: TypeMismatch.
     */
    private static DurationValue scaled(double nanos) {
        if (Double.isNaN(nanos)) {
            throw LimnError.typeMismatch("a duration scaled by NaN is not a duration");
        }
        if (nanos >= 0x1p63 || nanos < -0x1p63) {
            throw new LimnError("Overflow", "duration overflow");
        }
        return new DurationValue(Math.round(nanos));
    }

    private static Object ints(int op, long a, long b) {
        switch (op) {
            case Op.ADD: return Math.addExact(a, b);
            case Op.SUB: return Math.subtractExact(a, b);
            case Op.MUL: return Math.multiplyExact(a, b);
            case Op.DIV:
                if (b == 0) {
                    throw new LimnError("DivisionByZero", "division by zero");
                }
                return Math.divideExact(a, b);
            case Op.MOD:
                if (b == 0) {
                    throw new LimnError("DivisionByZero", "division by zero");
                }
                return a % b;
            case Op.POW: return pow(a, b);
            case Op.BAND: return a & b;
            case Op.BOR: return a | b;
            case Op.BXOR: return a ^ b;
            case Op.SHL: return b >= 64 || b < 0 ? 0L : a << b;
            case Op.SHR: return b >= 64 || b < 0 ? (a < 0 ? -1L : 0L) : a >> b;
            default: throw new IllegalStateException("not arithmetic: " + Opcode.of(op));
        }
    }

    /** int ** int: exact by squaring for b ≥ 0 (overflow raises), a float for b &lt; 0. */
    private static Object pow(long a, long b) {
        if (b < 0) {
            return Math.pow(a, b);
        }
        long result = 1;
        long x = a;
        long e = b;
        while (e > 0) {
            if ((e & 1) != 0) {
                result = Math.multiplyExact(result, x);
            }
            e >>= 1;
            if (e > 0) {
                x = Math.multiplyExact(x, x);
            }
        }
        return result;
    }

    static Object neg(Object v) {
        if (v instanceof Long l) {
            return Math.negateExact(l);
        }
        if (v instanceof Double d) {
            return -d;
        }
        if (v instanceof DurationValue d) {
            return new DurationValue(Math.negateExact(d.nanos()));
        }
        throw LimnError.typeMismatch("cannot apply '-' to " + Values.typeName(v));
    }

    private static boolean isNum(Object v) {
        return v instanceof Long || v instanceof Double;
    }

    static String symbol(int op) {
        return switch (op) {
            case Op.ADD -> "+";
            case Op.SUB -> "-";
            case Op.MUL -> "*";
            case Op.DIV -> "/";
            case Op.MOD -> "%";
            case Op.POW -> "**";
            case Op.BAND -> "&";
            case Op.BOR -> "|";
            case Op.BXOR -> "^";
            case Op.SHL -> "<<";
            case Op.SHR -> ">>";
            default -> "?";
        };
    }
}
