package dev.limn.vm;

/**
 * The type tag of a register, constant or box value. The payload beside it is an int, the
 * raw bits of a float, a bool (0/1), a duration in nanoseconds, or unused for {@link #REF}
 * (the object lives in the on-heap shadow slot of the same index).
 */
public final class Tag {
    public static final byte NIL = 0;
    public static final byte BOOL = 1;
    public static final byte INT = 2;
    public static final byte FLOAT = 3;
    public static final byte DURATION = 4;
    /** str, list, dict, range, function, error: the object is in the shadow array. */
    public static final byte REF = 5;
    /** A parameter the caller did not pass; only the callee's default-value prologue sees it. */
    public static final byte ABSENT = 6;

    private Tag() {}
}
