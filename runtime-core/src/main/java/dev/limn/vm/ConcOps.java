package dev.limn.vm;

import dev.limn.value.FutureValue;

/** Holds {@link #callAsync}, under the name that {@link TaskContext#call} calls it by. */
final class ConcOps {
    private ConcOps() {}

    /** {@link Futures#callAsync}: a call of an {@code async fn}. */
    static FutureValue callAsync(TaskContext t, Closure fn, int args, int argc) {
        return Futures.callAsync(t, fn, args, argc);
    }
}
