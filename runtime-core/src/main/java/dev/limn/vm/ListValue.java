package dev.limn.vm;

import java.util.ArrayList;
import java.util.List;

/** A mutable Limn list; items are values in their boxed form (Long, Double, String...). */
public final class ListValue {
    final ArrayList<Object> items;

    public ListValue(List<Object> items) {
        this.items = new ArrayList<>(items);
    }

    public ListValue() {
        this.items = new ArrayList<>();
    }

    public List<Object> items() {
        return items;
    }
}
