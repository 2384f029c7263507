package dev.limn.vm;

import dev.limn.chan.Channel;
import dev.limn.value.DurationValue;
import dev.limn.value.ErrorValue;
import dev.limn.value.FutureValue;

import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Limn values in their object form, used by cold paths, collections and builtins: nil is
 * {@code null}, int {@link Long}, float {@link Double}, bool {@link Boolean}, duration
 * {@link DurationValue}, str {@link String}, and the value classes of this package.
 * Printing, equality, hashing and type names of SPEC §2 live here.
 */
public final class Values {
    private Values() {}

    /** The object form of a tagged value. */
    public static Object box(byte tag, long payload, Object ref) {
        return switch (tag) {
            case Tag.BOOL -> payload != 0;
            case Tag.INT -> payload;
            case Tag.FLOAT -> Double.longBitsToDouble(payload);
            case Tag.DURATION -> new DurationValue(payload);
            case Tag.REF -> ref;
            default -> null;
        };
    }

    public static byte tagOf(Object v) {
        if (v == null) {
            return Tag.NIL;
        }
        if (v instanceof Long) {
            return Tag.INT;
        }
        if (v instanceof Double) {
            return Tag.FLOAT;
        }
        if (v instanceof Boolean) {
            return Tag.BOOL;
        }
        if (v instanceof DurationValue) {
            return Tag.DURATION;
        }
        return Tag.REF;
    }

    /** The payload of an object-form value whose tag is not REF. */
    public static long payloadOf(Object v) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Double d) {
            return Double.doubleToRawLongBits(d);
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof DurationValue d) {
            return d.nanos();
        }
        return 0;
    }

    public static String typeName(Object v) {
        if (v == null) {
            return "nil";
        }
        if (v instanceof Long) {
            return "int";
        }
        if (v instanceof Double) {
            return "float";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (v instanceof String) {
            return "str";
        }
        if (v instanceof ListValue) {
            return "list";
        }
        if (v instanceof DictValue) {
            return "dict";
        }
        if (v instanceof RangeValue) {
            return "range";
        }
        if (v instanceof DurationValue) {
            return "duration";
        }
        if (v instanceof Closure || v instanceof Builtin) {
            return "function";
        }
        if (v instanceof ErrorValue) {
            return "error";
        }
        if (v instanceof Channel) {
            return "channel";
        }
        if (v instanceof AtomicValue) {
            return "atomic";
        }
        if (v instanceof FutureValue) {
            return "future";
        }
        return "value";
    }

    public static String typeNameOfTag(byte tag, Object ref) {
        return switch (tag) {
            case Tag.NIL -> "nil";
            case Tag.BOOL -> "bool";
            case Tag.INT -> "int";
            case Tag.FLOAT -> "float";
            case Tag.DURATION -> "duration";
            default -> typeName(ref);
        };
    }

    /** The printed form of {@code print} and {@code str}: strings raw. */
    public static String str(Object v) {
        if (v instanceof String s) {
            return s;
        }
        StringBuilder sb = new StringBuilder();
        append(sb, v, false);
        return sb.toString();
    }

    /** The form inside collections: strings quoted with escapes. */
    public static String repr(Object v) {
        StringBuilder sb = new StringBuilder();
        append(sb, v, true);
        return sb.toString();
    }

    /**
     * The form inside collections in about {@code max} characters at most, for a diagnostic read
     * from another task (a task dump): a longer string or form is cut and ends with
     * {@code ...}; a list or dict is named by its size and not walked (another task may be
     * changing it, and it may be huge).
     */
    static String reprBounded(Object v, int max) {
        if (v instanceof ListValue l) {
            return "<list of " + l.items.size() + ">";
        }
        if (v instanceof DictValue d) {
            return "<dict of " + d.map.size() + ">";
        }
        if (v instanceof String s && s.length() > max) {
            StringBuilder sb = new StringBuilder();
            quote(sb, s.substring(0, Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max)); // never half a pair
            return sb.append("...").toString();
        }
        String r = repr(v);
        return r.length() > max ? r.substring(0, max) + "..." : r;
    }

    /**
     * Appends the printed form of {@code v}. Lists and dicts are walked with an explicit stack,
     * not Java recursion, so a list nested 100,000 deep prints on any thread; each container
     * is copied under its lock before it is printed. A list or dict that contains itself
     * (directly or deeper) prints as {@code [...]} or {@code {...}} where it recurs.
     */
    private static void append(StringBuilder sb, Object v, boolean quote) {
        if (!(v instanceof ListValue) && !(v instanceof DictValue)) {
            appendScalar(sb, v, quote);
            return;
        }
        ArrayDeque<Printing> stack = new ArrayDeque<>();
        IdentityHashMap<Object, Boolean> open = new IdentityHashMap<>();
        stack.push(Printing.of(v, sb));
        open.put(v, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Printing p = stack.peek();
            if (p.next == p.items.length) {
                sb.append(p.dict ? '}' : ']');
                open.remove(p.container);
                stack.pop();
                continue;
            }
            int at = p.next++;
            if (at > 0) {
                sb.append(p.dict && at % 2 == 1 ? ": " : ", ");
            }
            Object item = p.items[at];
            if (item instanceof ListValue || item instanceof DictValue) {
                if (open.put(item, Boolean.TRUE) == null) {
                    stack.push(Printing.of(item, sb));
                } else {
                    sb.append(item instanceof ListValue ? "[...]" : "{...}");
                }
            } else {
                appendScalar(sb, item, true);
            }
        }
    }

    private static void appendScalar(StringBuilder sb, Object v, boolean quote) {
        if (v == null) {
            sb.append("nil");
        } else if (v instanceof String s && quote) {
            quote(sb, s);
        } else {
            sb.append(v);
        }
    }

    /** A list or dict being printed: a copy of its items (a dict's as key, value, key, ...) and the next one. */
    private static final class Printing {
        final Object container;
        final boolean dict;
        final Object[] items;
        int next;

        private Printing(Object container, boolean dict, Object[] items) {
            this.container = container;
            this.dict = dict;
            this.items = items;
        }

        /** Copies {@code container}'s items under its lock and opens it in {@code sb}. */
        static Printing of(Object container, StringBuilder sb) {
            if (container instanceof ListValue l) {
                sb.append('[');
                synchronized (l) {
                    return new Printing(l, false, l.items.toArray());
                }
            }
            DictValue d = (DictValue) container;
            sb.append('{');
            synchronized (d) {
                Object[] items = new Object[2 * d.map.size()];
                int n = 0;
                for (Map.Entry<DictValue.Key, Object> e : d.map.entrySet()) {
                    items[n++] = e.getKey().value();
                    items[n++] = e.getValue();
                }
                return new Printing(d, true, items);
            }
        }
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                case '\0' -> sb.append("\\0");
                default -> sb.append(c);
            }
        }
        sb.append('"');
    }

    /** Limn {@code ==}: numbers numerically, str/list/dict structurally, the rest by identity. */
    public static boolean equal(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (a instanceof Long x) {
            if (b instanceof Long y) {
                return x.longValue() == y.longValue();
            }
            return b instanceof Double y && (double) x == y;
        }
        if (a instanceof Double x) {
            if (b instanceof Double y) {
                return x.doubleValue() == y.doubleValue();
            }
            return b instanceof Long y && x == (double) y;
        }
        if (a instanceof Boolean || a instanceof String || a instanceof DurationValue || a instanceof RangeValue) {
            return a.equals(b);
        }
        if (a instanceof ListValue x && b instanceof ListValue y) {
            // snapshots: another task may change either list meanwhile (SPEC §6.1: only single
            // operations are atomic, but a comparison must never fail with a runtime error)
            java.util.List<Object> xs = snapshot(x);
            java.util.List<Object> ys = snapshot(y);
            if (xs.size() != ys.size()) {
                return false;
            }
            for (int i = 0; i < xs.size(); i++) {
                if (!equal(xs.get(i), ys.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof DictValue x && b instanceof DictValue y) {
            java.util.Map<DictValue.Key, Object> xm = snapshot(x);
            java.util.Map<DictValue.Key, Object> ym = snapshot(y);
            if (xm.size() != ym.size()) {
                return false;
            }
            for (Map.Entry<DictValue.Key, Object> e : xm.entrySet()) {
                if (!ym.containsKey(e.getKey()) || !equal(e.getValue(), ym.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    static java.util.List<Object> snapshot(ListValue l) {
        synchronized (l) {
            return new java.util.ArrayList<>(l.items);
        }
    }

    private static java.util.Map<DictValue.Key, Object> snapshot(DictValue d) {
        synchronized (d) {
            return new java.util.LinkedHashMap<>(d.map);
        }
    }

    /** A hash consistent with {@link #equal}: an integral float hashes as the int of its value. */
    public static int hash(Object v) {
        if (v == null) {
            return 0;
        }
        if (v instanceof Double d) {
            double x = d;
            long l = (long) x;
            if (l == x) {
                return Long.hashCode(l);
            }
            return Double.hashCode(x);
        }
        if (v instanceof Long l) {
            return Long.hashCode(l);
        }
        if (v instanceof ListValue l) {
            int h = 1;
            for (Object o : snapshot(l)) {
                h = 31 * h + hash(o);
            }
            return h;
        }
        if (v instanceof DictValue d) {
            int h = 0;
            for (Map.Entry<DictValue.Key, Object> e : snapshot(d).entrySet()) {
                h += e.getKey().hashCode() ^ hash(e.getValue());
            }
            return h;
        }
        if (v instanceof Boolean || v instanceof String || v instanceof DurationValue || v instanceof RangeValue) {
            return v.hashCode();
        }
        return System.identityHashCode(v);
    }
}
