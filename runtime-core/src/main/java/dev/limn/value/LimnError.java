package dev.limn.value;

/**
 * A raised Limn error travelling through Java code. It has no stack trace: raising is an
 * ordinary control transfer of the language and must stay cheap, and no Java frames may
 * ever reach a Limn user.
 */
public final class LimnError extends RuntimeException {
    public final ErrorValue value;

    public LimnError(ErrorValue value) {
        super(value.toString(), null, false, false);
        this.value = value;
    }

    public LimnError(String kind, String message) {
        this(new ErrorValue(kind, message));
    }

    public static LimnError typeMismatch(String message) {
        return new LimnError("TypeMismatch", message);
    }
}
