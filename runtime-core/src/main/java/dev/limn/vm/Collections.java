package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.c;
import static dev.limn.vm.Instr.k;
import static dev.limn.vm.Registers.lpPayload;
import static dev.limn.vm.Registers.lpTag;

import dev.limn.value.LimnError;
import dev.limn.vm.Opcode.Op;

import java.util.ArrayList;

/**
 * Collection values: serves NEWLIST NEWDICT RANGE GETINDEX SETINDEX. Lists and dicts may be
 * shared between tasks: every single operation holds the collection's monitor (SPEC §6.1;
 * uncontended it costs a few nanoseconds).
 * Indexing ({@code xs[i]}, {@code s[i]}, {@code d[k]}) and index assignment. A negative or
 * too large index raises IndexOutOfBounds; a missing dict key on read raises KeyNotFound.
 */
final class Collections {
    private Collections() {}

    /** Executes one of this class's opcodes; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int base = t.base;
        int ra = base + a(i);
        switch (Instr.op(i)) {
            case Op.NEWLIST -> {
                int from = base + b(i);
                ArrayList<Object> items = new ArrayList<>(c(i));
                for (int j = 0; j < c(i); j++) {
                    items.add(t.get(from + j));
                }
                t.set(ra, new ListValue(items));
            }
            case Op.NEWDICT -> {
                int from = base + b(i);
                DictValue d = new DictValue();
                for (int j = 0; j < c(i); j++) {
                    d.put(t.get(from + 2 * j), t.get(from + 2 * j + 1));
                }
                t.set(ra, d);
            }
            case Op.RANGE -> {
                Object lo = t.get(base + b(i));
                Object hi = t.get(base + c(i));
                if (!(lo instanceof Long l) || !(hi instanceof Long h)) {
                    Object bad = lo instanceof Long ? hi : lo;
                    throw LimnError.typeMismatch("range bounds must be int, got " + Values.typeName(bad));
                }
                t.set(ra, new RangeValue(l, h, k(i) != 0));
            }
            case Op.GETINDEX -> {
                int rb = base + b(i);
                int rc = base + c(i);
                // list[int] without boxing the index
                if (lpTag(t, rb) == Tag.REF && t.refs[rb] instanceof ListValue l && lpTag(t, rc) == Tag.INT) {
                    long index = lpPayload(t, rc);
                    Object item = null;
                    boolean found = false;
                    synchronized (l) { // lists shared between tasks: single operations are atomic
                        if (index >= 0 && index < l.items.size()) {
                            item = l.items.get((int) index);
                            found = true;
                        }
                    }
                    if (found) {
                        t.set(ra, item);
                        return pc;
                    }
                }
                t.set(ra, get(t.get(rb), t.get(rc)));
            }
            case Op.SETINDEX -> {
                int rb = base + b(i);
                if (lpTag(t, ra) == Tag.REF && t.refs[ra] instanceof ListValue l && lpTag(t, rb) == Tag.INT) {
                    long index = lpPayload(t, rb);
                    Object v = t.get(base + c(i));
                    synchronized (l) {
                        if (index >= 0 && index < l.items.size()) {
                            l.items.set((int) index, v);
                            return pc;
                        }
                    }
                }
                set(t.get(ra), t.get(rb), t.get(base + c(i)));
            }
            default -> throw new IllegalStateException("no handler for opcode " + Opcode.of(Instr.op(i)));
        }
        return pc;
    }

    static Object get(Object target, Object index) {
        if (target instanceof ListValue l) {
            synchronized (l) {
                return l.items.get(index(index, l.items.size()));
            }
        }
        if (target instanceof String s) {
            int i = index(index, s.length());
            return String.valueOf(s.charAt(i));
        }
        if (target instanceof DictValue d) {
            DictValue.Key key = new DictValue.Key(index);
            synchronized (d) {
                Object v = d.map.get(key);
                if (v != null || d.map.containsKey(key)) {
                    return v;
                }
            }
            throw new LimnError("KeyNotFound", "key " + Values.repr(index) + " not found");
        }
        if (target instanceof RangeValue r) {
            if (!(index instanceof Long i)) {
                throw LimnError.typeMismatch("index must be int, got " + Values.typeName(index));
            }
            Long v = r.at(i);
            if (v == null) {
                throw new LimnError("IndexOutOfBounds", "index " + i + " out of bounds for range " + r);
            }
            return v;
        }
        throw LimnError.typeMismatch("cannot index " + Values.typeName(target));
    }

    static void set(Object target, Object index, Object value) {
        if (target instanceof ListValue l) {
            synchronized (l) {
                l.items.set(index(index, l.items.size()), value);
            }
            return;
        }
        if (target instanceof DictValue d) {
            DictValue.Key key = new DictValue.Key(index);
            synchronized (d) {
                d.map.put(key, value);
            }
            return;
        }
        throw LimnError.typeMismatch("cannot assign to an index of " + Values.typeName(target));
    }

    static int index(Object index, int length) {
        if (!(index instanceof Long i)) {
            throw LimnError.typeMismatch("index must be int, got " + Values.typeName(index));
        }
        if (i < 0 || i >= length) {
            throw new LimnError("IndexOutOfBounds", "index " + i + " out of bounds for length " + length);
        }
        return (int) (long) i;
    }
}
