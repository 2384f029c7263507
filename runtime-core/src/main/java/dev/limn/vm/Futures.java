package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;

import dev.limn.block.BlockRun;
import dev.limn.sched.Timer;
import dev.limn.value.DurationValue;
import dev.limn.value.ErrorValue;
import dev.limn.value.FutureValue;
import dev.limn.value.LimnError;

import java.util.ArrayList;

/**
 * Futures in the VM (SPEC §7): serves AWAIT, calls of an {@code async fn}, and the builtins
 * {@code all}, {@code any} and {@code with_timeout}. A future's methods {@code done} and
 * {@code cancel} ({@link Methods}) are {@link FutureValue}'s; a block's completion future
 * (BLOCKFUTURE) is {@link Units}'.
 */
final class Futures {
    private Futures() {}

    /** Executes AWAIT; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        t.set(t.base + a(i), await(t, t.get(t.base + b(i))));
        return pc;
    }

    /** {@code await v}: a future's value, raising its error; parks until it is done. Any other value as is. */
    static Object await(TaskContext t, Object v) {
        if (!(v instanceof FutureValue f)) {
            return v; // SPEC §7: await on a non-future yields the value
        }
        Waiting.safepoint(t);
        if (!f.awaitDone(t)) {
            Waiting.requireScheduler(t);
            throw Suspend.PARK;
        }
        if (f.owner() instanceof BlockRun b) {
            b.markErrorRetrieved();
        }
        return f.result();
    }

    /**
     * A call of an {@code async fn}: starts its body as a task of the caller's innermost block
     * (the block whose body the caller is running, else the caller's own block, else the
     * program's scope) and returns its future at once. The block waits for it before it
     * completes and cancels it if it fails; a failure nobody awaits is raised by the block.
     * The body's first frame sits one above the caller's ({@link TaskContext#startDepth}):
     * the caller checked the depth limit before this call, as for any call.
     */
    static FutureValue callAsync(TaskContext t, Closure fn, int args, int argc) {
        Waiting.requireScheduler(t);
        Object[] a = new Object[argc];
        for (int i = 0; i < argc; i++) {
            a[i] = t.get(args + i);
        }
        BlockRun owner = Units.scopeOf(t);
        FutureValue f = new FutureValue("async fn " + fn.proto.displayName());
        TaskContext task = new TaskContext(t.run, t.startDepth(), fn, a, t.random().split(), Unit.asyncCall(owner, owner.nextUnitNumber(), f));
        f.onCancel(task::cancel);
        owner.adopt(f);
        Units.start(t, owner, task, fn);
        return f;
    }

    /** {@code all(list)}: the values of every future (other items as they are), in order; the first error fails it. */
    static FutureValue all(TaskContext t, Object list) {
        Object[] items = futureItems(list, "all");
        FutureValue result = combinator(t, "all(...)", items);
        Object[] values = new Object[items.length];
        java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(items.length);
        Runnable oneMore = () -> {
            if (left.decrementAndGet() == 0) {
                result.complete(new ListValue(new ArrayList<>(java.util.Arrays.asList(values))), null);
            }
        };
        if (items.length == 0) {
            result.complete(new ListValue(), null);
        }
        for (int i = 0; i < items.length; i++) {
            int at = i;
            if (items[i] instanceof FutureValue f) {
                f.whenDone(() -> {
                    if (f.error() != null) {
                        result.complete(null, f.error());
                    } else {
                        values[at] = f.value();
                        oneMore.run();
                    }
                });
            } else {
                values[at] = items[i];
                oneMore.run();
            }
        }
        return result;
    }

    /** {@code any(list)}: the first value to arrive; when every item fails, the first error. */
    static FutureValue any(TaskContext t, Object list) {
        Object[] items = futureItems(list, "any");
        if (items.length == 0) {
            throw new LimnError("Error", "any needs at least one future");
        }
        FutureValue result = combinator(t, "any(...)", items);
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<ErrorValue> firstError = new java.util.concurrent.atomic.AtomicReference<>();
        for (Object item : items) {
            if (item instanceof FutureValue f) {
                f.whenDone(() -> {
                    ErrorValue e = f.error();
                    if (e == null) {
                        result.complete(f.value(), null);
                        return;
                    }
                    firstError.compareAndSet(null, e);
                    if (failed.incrementAndGet() == items.length) {
                        result.complete(null, firstError.get());
                    }
                });
            } else {
                result.complete(item, null);
            }
        }
        return result;
    }

    /** {@code with_timeout(f, d)}: f's outcome, or a Timeout error (and f cancelled) when f takes longer than d. */
    static FutureValue withTimeout(TaskContext t, Object future, Object duration) {
        long nanos = Waiting.durationNanos(duration, "with_timeout");
        if (!(future instanceof FutureValue f)) {
            FutureValue done = new FutureValue("with_timeout(...)");
            done.complete(future, null);
            return done;
        }
        Waiting.requireScheduler(t);
        FutureValue result = combinator(t, "with_timeout(...)", new Object[] {f});
        Object shown = duration instanceof DurationValue ? duration : new DurationValue(nanos);
        Timer timer = t.scheduler().schedule(t.scheduler().deadlineAfter(nanos), () -> {
            if (result.complete(null, new ErrorValue("Timeout", "the future did not complete within " + shown))) {
                f.cancel();
            }
        });
        f.whenDone(() -> {
            if (result.complete(f.value(), f.error())) {
                t.scheduler().cancel(timer);
            }
        });
        return result;
    }

    /** A combinator's future: it takes over its items' outcomes, cancelling it cancels them, and it belongs to the caller's scope. */
    private static FutureValue combinator(TaskContext t, String label, Object[] items) {
        FutureValue result = new FutureValue(label);
        for (Object item : items) {
            if (item instanceof FutureValue f) {
                f.markRetrieved();
            }
        }
        result.onCancel(() -> {
            for (Object item : items) {
                if (item instanceof FutureValue f) {
                    f.cancel();
                }
            }
        });
        if (t.scheduler() != null) {
            Units.scopeOf(t).adopt(result);
        }
        return result;
    }

    private static Object[] futureItems(Object list, String fn) {
        if (!(list instanceof ListValue l)) {
            throw LimnError.typeMismatch(fn + " expects a list of futures, got " + Values.typeName(list));
        }
        synchronized (l) {
            return l.items.toArray();
        }
    }
}
