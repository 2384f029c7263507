package dev.limn.vm;

/** A function value: its compiled {@link Proto} and the boxes it captured. */
public final class Closure {
    public final Proto proto;
    final Box[] upvals;

    public Closure(Proto proto, Box[] upvals) {
        this.proto = proto;
        this.upvals = upvals;
    }

    @Override
    public String toString() {
        return "<fn " + proto.displayName() + ">";
    }
}
