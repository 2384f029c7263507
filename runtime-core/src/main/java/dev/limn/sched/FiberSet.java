package dev.limn.sched;

import java.util.ArrayList;
import java.util.List;

/**
 * The live fibers of one owner (a block's units), as an intrusive doubly linked list through
 * the fibers' own link fields: adding and removing allocate nothing and cost one uncontended
 * lock each, however many fibers come and go. A fiber is in at most one set at a time.
 *
 * <p>Why not a concurrent hash set: with 100,000 units per block its put, remove and
 * repeated resizing were about half of the cost of spawning a task. The lock is held for a
 * few pointer writes; spawning carriers and finishing carriers rarely meet on it.
 */
public final class FiberSet {
    private Fiber head;
    private int size;

    /** Adds {@code f}, which must be in no set. */
    public synchronized void add(Fiber f) {
        f.setPrev = null;
        f.setNext = head;
        if (head != null) {
            head.setPrev = f;
        }
        head = f;
        f.inSet = this;
        size++;
    }

    /** Removes {@code f} if it is in this set; idempotent. */
    public synchronized void remove(Fiber f) {
        if (f.inSet != this) {
            return;
        }
        Fiber prev = f.setPrev;
        Fiber next = f.setNext;
        if (prev != null) {
            prev.setNext = next;
        } else {
            head = next;
        }
        if (next != null) {
            next.setPrev = prev;
        }
        f.setPrev = null;
        f.setNext = null;
        f.inSet = null;
        size--;
    }

    /** A snapshot of the fibers in the set now (to act on them outside the lock). */
    public synchronized List<Fiber> snapshot() {
        List<Fiber> all = new ArrayList<>(size);
        for (Fiber f = head; f != null; f = f.setNext) {
            all.add(f);
        }
        return all;
    }

    /**
     * Adds to {@code into} at most {@code max} of the fibers in the set now, newest first, and
     * returns how many the set holds: a bounded look for diagnostics (a task dump).
     */
    public synchronized int snapshot(List<Fiber> into, int max) {
        int n = 0;
        for (Fiber f = head; f != null && n < max; f = f.setNext) {
            into.add(f);
            n++;
        }
        return size;
    }

    public synchronized int size() {
        return size;
    }
}
