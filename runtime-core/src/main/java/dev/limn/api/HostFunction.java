package dev.limn.api;

/**
 * A Java function that Limn programs call by name, defined with {@link LimnRuntime#define}.
 * Its arguments arrive as Java values (see {@link Instance} for the conversions) and its result
 * goes back the same way. An exception it throws becomes a Limn error of kind
 * {@code HostError}, which a program can handle with {@code attempt/handle}; uncaught, it
 * reaches the host as a {@link LimnException} whose cause is the exception.
 */
@FunctionalInterface
public interface HostFunction {
    /** How a host function runs. */
    enum Mode {
        /** On the calling task's thread, like a builtin: it must not block. */
        PLAIN,
        /** It may block: it runs on a virtual thread while the calling task is suspended. */
        BLOCKING
    }

    Object call(Object... args) throws Exception;
}
