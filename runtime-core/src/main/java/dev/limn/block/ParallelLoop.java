package dev.limn.block;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

import dev.limn.sched.Fiber;
import dev.limn.sched.Scheduler;

/**
 * One running parallel loop (SPEC §5.4): the indices {@code [0, count)} run by chunk fibers on
 * the scheduler's carriers, split lazily with work stealing (see {@link RangeChunk}). Ranges
 * and lists both map to indices; the body turns an index into the element.
 *
 * <h2>Chunks</h2>
 * The loop starts with one chunk over the whole range. A running chunk splits its remaining
 * range in half when a carrier is idle and fewer than {@code maxChunks} chunks are live, where
 * {@code maxChunks} is the block's {@code cores} (at most the number of carriers). So
 * {@code cores=1} runs the whole loop as one chunk, and the number of chunks a loop creates
 * grows with the carriers, not with the iterations. A concurrent block's task family
 * ({@link #startFamily}) also detaches chunks: a chunk whose running task suspends hands the
 * rest of its range, and its split slot, to a new chunk; so {@code slots} (chunks that may
 * split, at most {@code maxChunks}) and {@code pending} (live chunks) are counted apart.
 *
 * <h2>Completion: one waitable unit</h2>
 * {@code pending} counts live chunks; it is incremented before a chunk is spawned (by the
 * chunk that splits, which is itself live), so it reaches 0 exactly once, when every chunk is
 * done. The chunk that brings it to 0 sets {@code done} and wakes the joining fiber
 * ({@link #join}: store joiner, then load done; completion: store done, then load joiner; both
 * volatile, so one of them sees the other) and any host thread in {@link #awaitHost}.
 *
 * <h2>Errors and cancellation (SPEC §6.2 Stop)</h2>
 * The first iteration to fail wins: its error and index are recorded and the loop stops: the
 * stop flag is raised (no chunk is launched after it) and every live chunk fiber is cancelled
 * (trap bit + unpark). A chunk reads its trap before each iteration, and chunks suspended
 * inside an iteration wake and the VM raises {@code Cancelled} there. Failures that happen
 * before the stop are counted as other failures; throws after it, and iterations that never
 * ran, as cancelled. {@link #cancel()} stops the loop without an error (the enclosing block
 * was cancelled). Registration of chunk fibers and the stop happen under one lock, so a chunk
 * is either cancelled or never spawned; both are rare (a few per carrier per loop).
 *
 * <p>In a {@code parallel} block the loop does not stop itself ({@code stopsOnError} false):
 * its chunks are units of the block, and the block's Stop must record the failing chunk's
 * error before the chunks it cancels report their {@code Cancelled}; the block cancels every
 * unit, chunks included, and a chunk split off afterwards is cancelled as it registers.
 */
public final class ParallelLoop {

    /** Makes the fiber that runs a chunk (a VM task context, or a {@link ChunkFiber}) and spawns it. */
    @FunctionalInterface
    public interface ChunkFibers {
        Fiber newFiber(RangeChunk chunk);

        /** Spawns a chunk's fiber; the VM overrides it to count the task in its program run. */
        default void spawn(Scheduler scheduler, Fiber fiber) {
            scheduler.spawn(fiber);
        }
    }

    private final Scheduler scheduler;
    private final ParallelStats stats;
    private final long count;
    private final int maxChunks;
    private final ChunkFibers fibers;
    private final boolean stopsOnError;
    /** A concurrent block's task family: its chunks are not counted in the parallel statistics. */
    private final boolean family;

    /** Live chunks: the loop is done when it reaches 0. */
    private final AtomicInteger pending = new AtomicInteger();
    /**
     * Chunks that may still split: at most {@code maxChunks}. Equal to {@code pending} except
     * in a task family, where a chunk whose task suspended detaches the rest of its range into
     * a new chunk and gives that chunk its slot (see {@link RangeChunk#detachRest}).
     */
    private final AtomicInteger slots = new AtomicInteger();
    private volatile boolean stopped;
    private volatile boolean done;
    private volatile Fiber joiner;
    private final CountDownLatch hostDone = new CountDownLatch(1);

    private final Object lock = new Object();
    /** Live chunk fibers; guarded by {@code lock}. */
    private final Set<Fiber> live = new HashSet<>();

    private final AtomicReference<Throwable> firstError = new AtomicReference<>();
    private volatile long failedIndex = -1;
    private final AtomicLong otherFailures = new AtomicLong();
    private final AtomicLong cancelledIterations = new AtomicLong();

    private ParallelLoop(Scheduler scheduler, ParallelStats stats, long count, int maxChunks, ChunkFibers fibers, boolean stopsOnError,
                         boolean family) {
        this.scheduler = scheduler;
        this.stats = stats;
        this.count = count;
        this.maxChunks = maxChunks;
        this.fibers = fibers;
        this.stopsOnError = stopsOnError;
        this.family = family;
    }

    /**
     * Starts a loop over {@code [0, count)} with at most {@code cores} chunks live at once
     * ({@code cores <= 0}: Auto, one per carrier; capped at the number of carriers) that stops
     * itself on the first error. Safe from a fiber or from a host thread; returns at once. An
     * empty loop is done at once.
     */
    public static ParallelLoop start(Scheduler scheduler, ParallelStats stats, long count, int cores, ChunkFibers fibers) {
        return start(scheduler, stats, count, cores, fibers, true);
    }

    /**
     * As {@link #start(Scheduler, long, int, ChunkFibers)}; with {@code stopsOnError} false the
     * first error is recorded but the loop leaves the stop to its owner: a {@code parallel}
     * block, whose Stop must see the failing chunk's error before the cancelled chunks report
     * theirs, cancels the chunks itself ({@link #cancel()} or its own unit cancellation).
     */
    public static ParallelLoop start(Scheduler scheduler, ParallelStats stats, long count, int cores, ChunkFibers fibers,
                                     boolean stopsOnError) {
        return start(scheduler, stats, count, cores, fibers, stopsOnError, false);
    }

    /**
     * Starts the tasks {@code [0, count)} of a concurrent block's task family
     * ({@code task(i in R)}): chunks on every carrier, split like a parallel loop's, whose
     * running task may suspend and detach the rest of the chunk ({@link RangeChunk#detachRest}).
     * The block stops it on the first error; it is not counted in the parallel statistics.
     */
    public static ParallelLoop startFamily(Scheduler scheduler, ParallelStats stats, long count, ChunkFibers fibers) {
        return start(scheduler, stats, count, 0, fibers, false, true);
    }

    private static ParallelLoop start(Scheduler scheduler, ParallelStats stats, long count, int cores, ChunkFibers fibers,
                                      boolean stopsOnError, boolean family) {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(fibers, "fibers");
        if (count < 0) {
            throw new IllegalArgumentException("negative iteration count " + count);
        }
        int carriers = scheduler.parallelWidth();
        int maxChunks = cores <= 0 ? carriers : Math.min(cores, carriers);
        ParallelLoop loop = new ParallelLoop(scheduler, stats, count, maxChunks, fibers, stopsOnError, family);
        if (!family) {
            stats.countLoop();
        }
        if (count == 0) {
            loop.complete();
            return loop;
        }
        loop.pending.set(1);
        loop.slots.set(1);
        loop.launch(new RangeChunk(loop, 0, count, -1, null));
        return loop;
    }

    /** Runs {@code body} for each index with Java iterations that never suspend. */
    public static ParallelLoop forEach(Scheduler scheduler, ParallelStats stats, long count, int cores, LongConsumer body) {
        Objects.requireNonNull(body, "body");
        ChunkBody javaBody = new ChunkBody() {
            @Override
            public Fiber.Status begin(long index) {
                body.accept(index);
                return Fiber.Status.DONE;
            }

            @Override
            public Fiber.Status resume() {
                throw new IllegalStateException("a Java iteration never suspends");
            }
        };
        return start(scheduler, stats, count, cores, chunk -> new ChunkFiber(chunk, self -> javaBody));
    }

    // ---- for chunks ------------------------------------------------------------------------------

    ParallelStats stats() {
        return stats;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    boolean mayGrow() {
        return maxChunks > 1;
    }

    /** Whether this loop runs a concurrent block's task family. */
    boolean isFamily() {
        return family;
    }

    /** Takes a place for one more chunk if fewer than {@code maxChunks} may split. */
    boolean tryReserveChunk() {
        AtomicInteger slots = this.slots;
        for (int now = slots.get(); now < maxChunks; now = slots.get()) {
            if (slots.compareAndSet(now, now + 1)) {
                pending.incrementAndGet();
                return true;
            }
        }
        return false;
    }

    /**
     * Spawns {@code chunk}'s fiber; its place is already reserved (or, for a detached rest,
     * handed over by its chunk, {@code reserved} false). False if the loop stopped.
     */
    boolean launch(RangeChunk chunk, boolean reserved) {
        synchronized (lock) {
            if (stopped) {
                if (reserved) {
                    slots.decrementAndGet();
                    pending.decrementAndGet(); // the caller is a live chunk: this never reaches 0
                }
                return false;
            }
            if (!reserved) {
                pending.incrementAndGet();
            }
            Fiber fiber = fibers.newFiber(chunk);
            chunk.fiber = fiber;
            live.add(fiber);
            if (!family) {
                stats.countChunk();
            }
            fibers.spawn(scheduler, fiber);
        }
        return true;
    }

    boolean launch(RangeChunk chunk) {
        return launch(chunk, true);
    }

    void chunkDone(RangeChunk chunk) {
        synchronized (lock) {
            live.remove(chunk.fiber);
        }
        if (chunk.holdsSlot()) {
            slots.decrementAndGet();
        }
        if (pending.decrementAndGet() == 0) {
            complete();
        }
    }

    void iterationFailed(Throwable error, long index, long skipped) {
        if (stopped) {
            cancelledIterations.addAndGet(skipped + 1);
            return;
        }
        if (firstError.compareAndSet(null, error)) {
            failedIndex = index;
            if (stopsOnError) {
                stop();
            }
        } else {
            otherFailures.incrementAndGet();
        }
        cancelledIterations.addAndGet(skipped);
    }

    void iterationsCancelled(long n) {
        cancelledIterations.addAndGet(n);
    }

    private void complete() {
        done = true;
        hostDone.countDown();
        Fiber waiter = joiner;
        if (waiter != null) {
            waiter.unpark();
        }
    }

    private void stop() {
        List<Fiber> toCancel;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true;
            toCancel = new ArrayList<>(live);
        }
        for (Fiber fiber : toCancel) {
            fiber.cancel();
        }
    }

    // ---- for the block that runs the loop ------------------------------------------------------------

    /**
     * Called by {@code waiter}'s run: DONE if the loop has finished, else PARKED after
     * registering {@code waiter} to be unparked when it finishes (the caller returns PARKED and
     * calls again when it runs). One joining fiber per loop. The waiter may also wake early
     * (cancelled): it then calls {@link #cancel()} and joins again.
     */
    public Fiber.Status join(Fiber waiter) {
        if (done) {
            return Fiber.Status.DONE;
        }
        waiter.waitingOn(Fiber.WaitKind.AWAIT, this);
        joiner = waiter;
        return done ? Fiber.Status.DONE : Fiber.Status.PARKED;
    }

    /** Blocks a host thread (never a carrier) until the loop has finished. */
    public void awaitHost() throws InterruptedException {
        hostDone.await();
    }

    /** Host thread: waits at most {@code timeout}; true if the loop finished. */
    public boolean awaitHost(long timeout, TimeUnit unit) throws InterruptedException {
        return hostDone.await(timeout, unit);
    }

    /** Stops the loop without an error: chunks end at their next iteration or safepoint. */
    public void cancel() {
        stop();
    }

    /** True once the loop stopped (an error or {@link #cancel()}); no chunk starts an iteration after it sees this. */
    public boolean isStopped() {
        return stopped;
    }

    public boolean isDone() {
        return done;
    }

    /** Number of iterations the loop was started with. */
    public long count() {
        return count;
    }

    /** At most this many chunks are live at once. */
    public int maxChunks() {
        return maxChunks;
    }

    /** The first iteration error, or null; read after the loop is done. */
    public Throwable error() {
        return firstError.get();
    }

    /** Index of the iteration that raised {@link #error()}, or -1. */
    public long failedIndex() {
        return failedIndex;
    }

    /** Iterations that failed after the first one but before the loop stopped. */
    public long otherFailures() {
        return otherFailures.get();
    }

    /** Iterations that never ran, or were interrupted, because the loop stopped. */
    public long cancelledIterations() {
        return cancelledIterations.get();
    }

    @Override
    public String toString() {
        return "parallel loop of " + count + (count == 1 ? " iteration" : " iterations");
    }
}
