package dev.limn.vm;

import java.util.LinkedHashMap;
import java.util.Objects;

/**
 * An insertion-ordered Limn dict. Keys are wrapped in {@link Key} so that hashing agrees
 * with Limn's {@code ==}: an int and a float of equal value are the same key, strings,
 * lists and dicts compare structurally, everything else by identity.
 */
public final class DictValue {
    final LinkedHashMap<Key, Object> map = new LinkedHashMap<>();

    public int size() {
        return map.size();
    }

    public Object get(Object key) {
        return map.get(new Key(key));
    }

    public boolean has(Object key) {
        return map.containsKey(new Key(key));
    }

    public void put(Object key, Object value) {
        map.put(new Key(key), value);
    }

    /** Each key and value in insertion order (hold this dict's lock while a program may change it). */
    public void forEach(java.util.function.BiConsumer<Object, Object> action) {
        map.forEach((k, v) -> action.accept(k.value(), v));
    }

    /** A dict key: the value with Limn equality and a hash consistent with it. */
    public record Key(Object value) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Values.equal(value, k.value);
        }

        @Override
        public int hashCode() {
            return Values.hash(value);
        }

        @Override
        public String toString() {
            return Objects.toString(value);
        }
    }
}
