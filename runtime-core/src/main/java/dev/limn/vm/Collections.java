package dev.limn.vm;

import dev.limn.value.LimnError;

/**
 * Lists and dicts may be shared between tasks: every single operation holds the collection's
 * monitor (SPEC §6.1; uncontended it costs a few nanoseconds).
 * Indexing ({@code xs[i]}, {@code s[i]}, {@code d[k]}) and index assignment. A negative or
 * too large index raises IndexOutOfBounds; a missing dict key on read raises KeyNotFound.
 */
final class Collections {
    private Collections() {}

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
