package dev.limn.vm;

import dev.limn.chan.Channel;
import dev.limn.value.FutureValue;
import dev.limn.value.LimnError;

import java.util.ArrayList;

/**
 * Methods of builtin types: serves METHOD. str {@code len upper lower to_upper to_lower trim
 * split contains starts_with ends_with replace}; list {@code push pop len contains join
 * insert remove sort}; dict {@code keys values has remove len get}; channel {@code send recv
 * try_recv close len is_closed} (sends and receives through {@link Channels}, which park);
 * atomic {@code add cas swap load store}; future {@code done cancel}. List and dict methods
 * hold the collection's monitor (no Limn code runs inside them, so they cannot deadlock or
 * park while holding it). An unknown method raises TypeMismatch ("str has no method 'foo'"),
 * a wrong argument count ArityMismatch.
 */
final class Methods {
    private Methods() {}

    /** Executes METHOD: R[A] := R[A].K[C](R[A+1], ..., R[A+B]); returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int ra = t.base + Instr.a(i);
        int argc = Instr.b(i);
        String name = (String) t.closure.proto.kRef[Instr.c(i)];
        if (argc == 1 && Registers.lpTag(t, ra) == Tag.REF && t.refs[ra] instanceof Channel ch && name.equals("send")) {
            // A producer's per-value call: straight to the channel, without the lookup by
            // receiver type and method name (same checks and errors as invoke).
            send(t, ch, ra);
        } else {
            t.set(ra, invoke(t, t.get(ra), name, ra + 1, argc));
        }
        return pc;
    }

    /** METHOD {@code send} with R[ra] the channel {@code ch}: sends R[ra+1], R[ra] := nil (compiled code's slow step too). */
    static void send(TaskContext t, Channel ch, int ra) {
        Channels.send(t, ch, ra + 1);
        t.set(ra, null);
    }

    /** Calls method {@code name} of {@code recv} with registers {@code args .. args + argc - 1}. */
    static Object invoke(TaskContext t, Object recv, String name, int args, int argc) {
        if (recv instanceof String s) {
            return str(t, s, name, args, argc);
        }
        if (recv instanceof ListValue l) {
            // shared lists are safe for single operations (SPEC §6.1): each runs under the list's monitor
            synchronized (l) {
                return list(t, l, name, args, argc);
            }
        }
        if (recv instanceof DictValue d) {
            synchronized (d) {
                return dict(t, d, name, args, argc);
            }
        }
        if (recv instanceof Channel ch) {
            return channel(t, ch, name, args, argc);
        }
        if (recv instanceof AtomicValue cell) {
            return atomic(t, cell, name, args, argc);
        }
        if (recv instanceof FutureValue f) {
            return future(f, name, argc);
        }
        throw noMethod(recv, name);
    }

    private static LimnError noMethod(Object recv, String name) {
        return LimnError.typeMismatch(Values.typeName(recv) + " has no method '" + name + "'");
    }

    private static void arity(String name, int expected, int argc) {
        if (argc != expected) {
            throw new LimnError("ArityMismatch", "method " + name + " expects " + expected
                    + (expected == 1 ? " argument" : " arguments") + ", got " + argc);
        }
    }

    private static String strArg(TaskContext t, int reg, String method) {
        Object v = t.get(reg);
        if (!(v instanceof String s)) {
            throw LimnError.typeMismatch(method + " expects a str argument, got " + Values.typeName(v));
        }
        return s;
    }

    private static Object str(TaskContext t, String s, String name, int args, int argc) {
        switch (name) {
            case "len": arity(name, 0, argc); return (long) s.length();
            case "upper", "to_upper": arity(name, 0, argc); return s.toUpperCase();
            case "lower", "to_lower": arity(name, 0, argc); return s.toLowerCase();
            case "trim": arity(name, 0, argc); return s.strip();
            case "contains": arity(name, 1, argc); return s.contains(strArg(t, args, name));
            case "starts_with": arity(name, 1, argc); return s.startsWith(strArg(t, args, name));
            case "ends_with": arity(name, 1, argc); return s.endsWith(strArg(t, args, name));
            case "replace": arity(name, 2, argc); return s.replace(strArg(t, args, name), strArg(t, args + 1, name));
            case "split": {
                arity(name, 1, argc);
                String sep = strArg(t, args, name);
                ArrayList<Object> parts = new ArrayList<>();
                if (sep.isEmpty()) {
                    s.codePoints().forEach(cp -> parts.add(new String(Character.toChars(cp))));
                } else {
                    int from = 0;
                    for (;;) {
                        int at = s.indexOf(sep, from);
                        if (at < 0) {
                            parts.add(s.substring(from));
                            break;
                        }
                        parts.add(s.substring(from, at));
                        from = at + sep.length();
                    }
                }
                return new ListValue(parts);
            }
            default: throw noMethod(s, name);
        }
    }

    private static Object list(TaskContext t, ListValue l, String name, int args, int argc) {
        ArrayList<Object> items = l.items;
        switch (name) {
            case "push": arity(name, 1, argc); items.add(t.get(args)); return null;
            case "pop":
                arity(name, 0, argc);
                if (items.isEmpty()) {
                    throw new LimnError("IndexOutOfBounds", "pop from an empty list");
                }
                return items.removeLast();
            case "len": arity(name, 0, argc); return (long) items.size();
            case "contains": {
                arity(name, 1, argc);
                Object v = t.get(args);
                for (Object o : items) {
                    if (Values.equal(o, v)) {
                        return true;
                    }
                }
                return false;
            }
            case "join": {
                arity(name, 1, argc);
                String sep = strArg(t, args, name);
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < items.size(); i++) {
                    if (i > 0) {
                        sb.append(sep);
                    }
                    sb.append(Values.str(items.get(i)));
                }
                return sb.toString();
            }
            case "insert": {
                arity(name, 2, argc);
                int at = Collections.index(t.get(args), items.size() + 1);
                items.add(at, t.get(args + 1));
                return null;
            }
            case "remove": {
                arity(name, 1, argc);
                return items.remove(Collections.index(t.get(args), items.size()));
            }
            case "sort": {
                // in place, ascending (numbers numerically, strings lexicographically); returns the list
                arity(name, 0, argc);
                items.sort((x, y) -> Operators.compare(x, y, "<"));
                return l;
            }
            default: throw noMethod(l, name);
        }
    }

    private static Object dict(TaskContext t, DictValue d, String name, int args, int argc) {
        switch (name) {
            case "keys": {
                arity(name, 0, argc);
                ArrayList<Object> keys = new ArrayList<>(d.size());
                for (DictValue.Key k : d.map.keySet()) {
                    keys.add(k.value());
                }
                return new ListValue(keys);
            }
            case "values": arity(name, 0, argc); return new ListValue(new ArrayList<>(d.map.values()));
            case "has": arity(name, 1, argc); return d.has(t.get(args));
            case "len": arity(name, 0, argc); return (long) d.size();
            case "remove": {
                arity(name, 1, argc);
                Object key = t.get(args);
                DictValue.Key k = new DictValue.Key(key);
                if (!d.map.containsKey(k)) {
                    throw new LimnError("KeyNotFound", "key " + Values.repr(key) + " not found");
                }
                return d.map.remove(k);
            }
            case "get": {
                arity(name, 2, argc);
                DictValue.Key k = new DictValue.Key(t.get(args));
                return d.map.containsKey(k) ? d.map.get(k) : t.get(args + 1);
            }
            default: throw noMethod(d, name);
        }
    }

    private static Object channel(TaskContext t, Channel ch, String name, int args, int argc) {
        switch (name) {
            case "send" -> {
                arity(name, 1, argc);
                Channels.send(t, ch, args);
                return null;
            }
            case "recv" -> {
                arity(name, 0, argc);
                Object v = Channels.recv(t, ch);
                if (v == Channel.END) {
                    throw new LimnError("ChannelClosed", "receive at end of stream");
                }
                return v;
            }
            case "try_recv" -> {
                arity(name, 0, argc);
                Channels.checkReceivable(ch);
                Object v = ch.tryRecv();
                if (v == Channel.END) {
                    Channels.checkFailure(ch);
                }
                return v == Channel.EMPTY || v == Channel.END ? null : v;
            }
            case "close" -> {
                arity(name, 0, argc);
                ch.close();
                return null;
            }
            case "len" -> {
                arity(name, 0, argc);
                return (long) ch.len();
            }
            case "is_closed" -> {
                arity(name, 0, argc);
                return ch.isClosed();
            }
            default -> throw noMethod(ch, name);
        }
    }

    private static Object atomic(TaskContext t, AtomicValue cell, String name, int args, int argc) {
        switch (name) {
            case "add" -> {
                arity(name, 1, argc);
                return cell.add(t.get(args));
            }
            case "cas" -> {
                arity(name, 2, argc);
                return cell.cas(t.get(args), t.get(args + 1));
            }
            case "swap" -> {
                arity(name, 1, argc);
                return cell.swap(t.get(args));
            }
            case "load" -> {
                arity(name, 0, argc);
                return cell.load();
            }
            case "store" -> {
                arity(name, 1, argc);
                cell.store(t.get(args));
                return null;
            }
            default -> throw noMethod(cell, name);
        }
    }

    private static Object future(FutureValue f, String name, int argc) {
        switch (name) {
            case "done" -> {
                arity(name, 0, argc);
                return f.isDone();
            }
            case "cancel" -> {
                arity(name, 0, argc);
                f.cancel();
                return null;
            }
            default -> throw noMethod(f, name);
        }
    }
}
