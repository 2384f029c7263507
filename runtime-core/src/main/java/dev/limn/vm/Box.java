package dev.limn.vm;

/**
 * The heap cell of a local variable captured by a closure: the enclosing frame's register
 * holds the box, every closure that captured it holds the same box, so all of them see
 * every write (capture by reference). Tasks that capture a box share it across threads: their
 * writes go through {@link #store} and {@link #compareAndSet}.
 *
 * <p>A box knows the task that owns it (the one that created it). A plain write through a
 * closure (SETUPVAL) from any other task raises {@code SharedWrite} (SPEC §6.1): that is a
 * closure the compiler could not see called from concurrent code, and its write would race the
 * owner's. Once the owner has ended, the next task to write claims the box ({@link #claim}).
 */
public final class Box {
    byte tag = Tag.NIL;
    long payload;
    Object ref;
    /** The task whose plain writes are allowed; null for a box made outside any task. Changes only in {@link #claim}. */
    TaskContext owner;

    public Box() {}

    Box(TaskContext owner) {
        this.owner = owner;
    }

    public Object get() {
        return Values.box(tag, payload, ref);
    }

    /**
     * Makes {@code t} the owner if it is the owner already or the owner has ended; false when
     * another live task owns the box, so a plain write by {@code t} could race the owner's. A
     * call that a host function of the owner makes back into Limn ({@link TaskContext#hostCaller})
     * writes as the owner: the owner waits for it.
     */
    synchronized boolean claim(TaskContext t) {
        TaskContext o = owner;
        if (o == t) {
            return true;
        }
        for (TaskContext c = t.hostCaller; c != null; c = c.hostCaller) {
            if (o == c) {
                return true; // a call back from a host function of the owner, which waits for it
            }
        }
        if (o != null && !o.isClosed()) {
            return false;
        }
        owner = t;
        return true;
    }

    /** A box holding {@code v} (object form). */
    public static Box of(Object v) {
        Box b = new Box();
        b.tag = Values.tagOf(v);
        b.payload = Values.payloadOf(v);
        b.ref = b.tag == Tag.REF ? v : null;
        return b;
    }

    // ---- shared writes from concurrent code (SPEC §6.1) -------------------------------------------
    // A variable written by tasks is one atomic update per write: the compiler turns `x += e` and
    // `x = E(x)` into a CAS loop (read with GETUPVAL, compute, UPCAS) and `x = E` into UPSTORE.
    // The three fields cannot be swapped at once, so both take the box's monitor (uncontended it
    // costs a few nanoseconds; the plain reads of GETUPVAL stay free). A read racing a write may
    // see the new tag with the old payload only when the variable changes type; a CAS that read
    // such a mix fails and retries.

    /** Atomic store of {@code v} (object form). */
    public void store(Object v) {
        byte t = Values.tagOf(v);
        long p = Values.payloadOf(v);
        Object r = t == Tag.REF ? v : null;
        synchronized (this) {
            tag = t;
            payload = p;
            ref = r;
        }
    }

    /**
     * Stores {@code update} if the box still holds {@code expected}: the same tag and payload,
     * and the same reference (identity); one step of a read-modify-write loop.
     */
    public boolean compareAndSet(Object expected, Object update) {
        byte et = Values.tagOf(expected);
        long ep = Values.payloadOf(expected);
        Object er = et == Tag.REF ? expected : null;
        byte nt = Values.tagOf(update);
        long np = Values.payloadOf(update);
        Object nr = nt == Tag.REF ? update : null;
        synchronized (this) {
            if (tag != et || payload != ep || ref != er) {
                return false;
            }
            tag = nt;
            payload = np;
            ref = nr;
            return true;
        }
    }
}
