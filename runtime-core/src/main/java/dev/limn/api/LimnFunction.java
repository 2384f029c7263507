package dev.limn.api;

import dev.limn.vm.Closure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A handle on a Limn function: a top-level function ({@link Instance#function}) or a function
 * value that reached Java. Calling it looks nothing up; it runs as {@link Instance#call} does,
 * serialised with the other calls of the instance it belongs to.
 */
public final class LimnFunction {
    final Instance owner;
    final Closure closure;

    LimnFunction(Instance owner, Closure closure) {
        this.owner = owner;
        this.closure = closure;
    }

    /** Calls the function with {@code args} (see {@link Instance} for the values); returns its result. */
    public Object call(Object... args) {
        return owner.invoke(closure, args, owner.runtime.defaultTimeoutNanos);
    }

    /** As {@link #call(Object...)}, ending with a LimnException of kind Timeout after {@code timeout}. */
    public Object call(Duration timeout, Object... args) {
        return owner.invoke(closure, args, Instance.nanos(timeout));
    }

    /** Calls the function on the runtime's carriers; cancelling the future cancels the call. */
    public CompletableFuture<Object> callAsync(Object... args) {
        return owner.invokeAsync(closure, args);
    }

    /** The function's name ("add", or "fn" for an anonymous one). */
    public String name() {
        return closure.proto.displayName();
    }

    @Override
    public String toString() {
        return closure.toString();
    }
}
