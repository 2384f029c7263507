package dev.limn.api;

import dev.limn.chan.Channel;
import dev.limn.value.DurationValue;
import dev.limn.vm.Closure;
import dev.limn.vm.DictValue;
import dev.limn.vm.ListValue;
import dev.limn.vm.Values;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Values between Java and Limn (the table in {@link Instance}'s documentation). Lists and
 * dicts are copied both ways, sharing and cycles included; everything else that Limn has and
 * Java has not (a range, a future, an error) reaches Java as its printed form.
 */
final class Conversions {
    private Conversions() {}

    /** A Java value passed in; {@code what} names it in the error ("argument 2", "global 'ticks'"). */
    static Object toLimn(Object v, String what) {
        return toLimn(v, what, null);
    }

    /**
     * Argument {@code position} (from 1) of a call of {@code fn}: the values that are already in
     * the VM's form pass as they are, without building the name an error would give.
     */
    static Object argument(Object v, int position, Closure fn) {
        if (v == null || v instanceof Long || v instanceof Double || v instanceof String || v instanceof Boolean) {
            return v;
        }
        return toLimn(v, "argument " + position + " of " + fn.proto.displayName(), null);
    }

    private static Object toLimn(Object v, String what, IdentityHashMap<Object, Object> seen) {
        switch (v) {
            case null -> {
                return null;
            }
            case Long l -> {
                return l;
            }
            case Integer i -> {
                return i.longValue();
            }
            case Short s -> {
                return s.longValue();
            }
            case Byte b -> {
                return b.longValue();
            }
            case Double d -> {
                return d;
            }
            case Float f -> {
                return f.doubleValue();
            }
            case Boolean b -> {
                return b;
            }
            case String s -> {
                return s;
            }
            case Duration d -> {
                return new DurationValue(d.toNanos());
            }
            case LimnChannel c -> {
                return c.channel;
            }
            case LimnFunction f -> {
                return f.closure;
            }
            case List<?> list -> {
                if (seen == null) {
                    seen = new IdentityHashMap<>();
                }
                Object done = seen.get(list);
                if (done != null) {
                    return done;
                }
                ListValue out = new ListValue();
                seen.put(list, out);
                for (Object item : list) {
                    out.items().add(toLimn(item, what, seen));
                }
                return out;
            }
            case Map<?, ?> map -> {
                if (seen == null) {
                    seen = new IdentityHashMap<>();
                }
                Object done = seen.get(map);
                if (done != null) {
                    return done;
                }
                DictValue out = new DictValue();
                seen.put(map, out);
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    out.put(toLimn(e.getKey(), what, seen), toLimn(e.getValue(), what, seen));
                }
                return out;
            }
            default -> throw new IllegalArgumentException(what + ": Limn has no value for a " + v.getClass().getName()
                    + " (pass Long, Integer, Short, Byte, Double, Float, Boolean, String, null, List, Map, Duration, "
                    + "LimnChannel or LimnFunction)");
        }
    }

    /** Whether {@link #toJava} needs an owner for {@code v}: it is, or may hold, a function or a channel. */
    static boolean needsOwner(Object v) {
        return v instanceof Closure || v instanceof Channel || v instanceof ListValue || v instanceof DictValue;
    }

    /** A Limn value handed to Java; functions in it are called through {@code owner}. */
    static Object toJava(Object v, Instance owner) {
        if (v == null || v instanceof Long || v instanceof Double || v instanceof String || v instanceof Boolean) {
            return v; // the common results, without the type switch below
        }
        return toJava(v, owner, null);
    }

    private static Object toJava(Object v, Instance owner, IdentityHashMap<Object, Object> seen) {
        switch (v) {
            case null -> {
                return null;
            }
            case Long l -> {
                return l;
            }
            case Double d -> {
                return d;
            }
            case Boolean b -> {
                return b;
            }
            case String s -> {
                return s;
            }
            case DurationValue d -> {
                return Duration.ofNanos(d.nanos());
            }
            case Channel c -> {
                return new LimnChannel(owner.runtime, c);
            }
            case Closure c -> {
                return new LimnFunction(owner, c);
            }
            case ListValue list -> {
                if (seen == null) {
                    seen = new IdentityHashMap<>();
                }
                Object done = seen.get(list);
                if (done != null) {
                    return done;
                }
                List<Object> items;
                synchronized (list) {
                    items = new ArrayList<>(list.items());
                }
                List<Object> out = new ArrayList<>(items.size());
                seen.put(list, out);
                for (Object item : items) {
                    out.add(toJava(item, owner, seen));
                }
                return out;
            }
            case DictValue dict -> {
                if (seen == null) {
                    seen = new IdentityHashMap<>();
                }
                Object done = seen.get(dict);
                if (done != null) {
                    return done;
                }
                List<Object> pairs = new ArrayList<>();
                synchronized (dict) {
                    dict.forEach((k, x) -> {
                        pairs.add(k);
                        pairs.add(x);
                    });
                }
                LinkedHashMap<Object, Object> out = new LinkedHashMap<>();
                seen.put(dict, out);
                for (int i = 0; i < pairs.size(); i += 2) {
                    out.put(toJava(pairs.get(i), owner, seen), toJava(pairs.get(i + 1), owner, seen));
                }
                return out;
            }
            default -> {
                return Values.str(v);
            }
        }
    }
}
