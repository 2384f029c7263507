package dev.limn.block;

import dev.limn.sched.Carrier;
import dev.limn.sched.Fiber;
import dev.limn.sched.Scheduler;

/**
 * A work item of a {@link ParallelLoop}: the index range {@code [next, end)} that one fiber
 * runs. Ranges are split lazily: before each iteration the running chunk looks at the
 * scheduler's idle-carrier count, and when a carrier is idle (and the loop may still grow) it
 * keeps the lower half of what is left and hands the upper half to a new chunk, which it
 * spawns onto its own carrier's work-stealing deque; the idle carrier that the spawn wakes
 * steals it. So a loop makes work items in proportion to the carriers that take part, not to
 * its iterations, and a carrier that runs dry gets half of someone's remaining work. (In a
 * deterministic run, the one carrier is never idle: the seed decides when to split, see
 * {@link Scheduler#wantsSplit}.)
 *
 * <h2>Ownership</h2>
 * {@code next} and {@code end} are touched only by the fiber that runs the chunk (splitting is
 * done by the owner, not by thieves), so they are plain fields; the fiber's runs on
 * successive carriers are ordered by the scheduler's queues.
 *
 * <h2>Per iteration</h2>
 * Before each iteration: the fiber's trap word (one opaque read) — a cancelled fiber (the loop
 * stopped: it cancels every live chunk) ends the chunk, its remaining iterations counted as
 * cancelled; a time-slice trap makes it yield between iterations — then the split test (one
 * volatile read of the idle count, skipped when the loop cannot grow). The iteration counter
 * is flushed to the carrier once per run, not per iteration.
 */
public final class RangeChunk {

    private final ParallelLoop loop;
    private final int createdOn;
    /** The fiber of the chunk this one was split from (null for a loop's first chunk). */
    private final Fiber splitFrom;
    private long next;
    private long end;
    /** An iteration started and suspended; the next run resumes it. */
    private boolean suspended;
    private boolean started;
    /** The chunk ended because its fiber was cancelled or terminated, with iterations left. */
    private boolean stoppedByTrap;
    /** Set by the loop when it creates this chunk's fiber. */
    Fiber fiber;
    /** Whether this chunk counts towards the loop's split budget (false once it detached its rest). */
    private boolean holdsSlot = true;

    RangeChunk(ParallelLoop loop, long start, long end, int createdOn, Fiber splitFrom) {
        this.loop = loop;
        this.next = start;
        this.end = end;
        this.createdOn = createdOn;
        this.splitFrom = splitFrom;
    }

    /**
     * The fiber of the chunk that split this one off, or null for a loop's first chunk. A chunk
     * fiber factory runs on that fiber's carrier, so it may use that fiber's own state (its
     * random generator, say) without a race.
     */
    public Fiber splitFrom() {
        return splitFrom;
    }

    /** Whether the chunk ended with iterations left because its fiber was cancelled or terminated. */
    public boolean stoppedByTrap() {
        return stoppedByTrap;
    }

    boolean holdsSlot() {
        return holdsSlot;
    }

    /** The loop this chunk belongs to. */
    public ParallelLoop loop() {
        return loop;
    }

    /**
     * Runs this chunk's iterations on {@code carrier} as {@code self} (the chunk's fiber) until
     * the range is done, the loop stops, or an iteration suspends; returns what {@code self}'s
     * run must return. Call it from the fiber's {@code run} only.
     */
    public Fiber.Status drive(Fiber self, Carrier carrier, ChunkBody body) {
        ParallelLoop loop = this.loop;
        if (!started) {
            started = true;
            if (createdOn >= 0 && createdOn != carrier.index()) {
                loop.stats().countSteal();
            }
        }
        long ran = 0;
        Throwable error = null;
        try {
            if (suspended) {
                Fiber.Status status = body.resume();
                if (status != Fiber.Status.DONE) {
                    return status;
                }
                suspended = false;
                next++;
                ran++;
            }
            Scheduler scheduler = loop.scheduler();
            boolean mayGrow = loop.mayGrow();
            long cursor = this.next;
            while (cursor < end) {
                // One opaque read per iteration covers the loop's stop too: stopping cancels
                // every live chunk fiber, and no chunk is launched after the stop.
                int trap = self.lpTrap();
                if (trap != 0) {
                    if ((trap & (Fiber.TRAP_CANCEL | Fiber.TRAP_TERMINATE)) != 0) {
                        stoppedByTrap = true;
                        break;
                    }
                    if ((trap & Fiber.TRAP_TIME_SLICE) != 0) {
                        this.next = cursor;
                        loop.stats().addIterations(carrier.index(), ran);
                        return Fiber.Status.YIELD;
                    }
                }
                if (mayGrow && end - cursor >= 2 && scheduler.wantsSplit()) {
                    trySplit(cursor, carrier);
                }
                this.next = cursor; // the body may suspend or throw: this index is the one it was on
                Fiber.Status status = body.begin(cursor);
                if (status != Fiber.Status.DONE) {
                    suspended = true;
                    loop.stats().addIterations(carrier.index(), ran);
                    return status;
                }
                cursor++;
                ran++;
            }
            this.next = cursor;
        } catch (Throwable t) {
            error = t;
        }
        // Flushed before chunkDone: whoever joins the loop then sees every count.
        loop.stats().addIterations(carrier.index(), ran);
        if (error != null) {
            // The failed iteration is this.next; the ones after it in this chunk never run.
            suspended = false;
            loop.iterationFailed(error, this.next, end - this.next - 1);
        } else if (this.next < end) {
            loop.iterationsCancelled(end - this.next);
        }
        this.next = end;
        loop.chunkDone(this);
        return Fiber.Status.DONE;
    }

    // ---- step by step: the VM runs the chunk's loop in its interpreter ---------------------------

    /** An iteration handed out by {@link #nextIndex} is running. */
    private boolean inIteration;
    /** Iterations completed since the last {@link #flushIterations}. */
    private long unflushed;

    /**
     * For a fiber that runs the chunk's loop itself (the VM's chunk task, whose interpreter
     * loops: next index, call the body, jump back): marks the previous index done and returns
     * the next one, or -1 when the chunk is over (range done, or its fiber cancelled or
     * terminated). Does what {@link #drive} does between iterations: the trap test and the
     * split test. Time slices are left to the caller's own back-edge checks. Call
     * {@link #flushIterations} at the end of every run and {@link #endSteps} when the fiber ends.
     */
    public long nextIndex(Fiber self, Carrier carrier) {
        if (!started) {
            started = true;
            if (createdOn >= 0 && createdOn != carrier.index() && !loop.isFamily()) {
                loop.stats().countSteal();
            }
        }
        if (inIteration) {
            inIteration = false;
            next++;
            unflushed++;
        }
        long cursor = next;
        if (cursor >= end) {
            return -1;
        }
        if ((self.lpTrap() & (Fiber.TRAP_CANCEL | Fiber.TRAP_TERMINATE)) != 0) {
            stoppedByTrap = true;
            return -1;
        }
        if (loop.mayGrow() && end - cursor >= 2 && loop.scheduler().wantsSplit()) {
            trySplit(cursor, carrier);
        }
        inIteration = true;
        return cursor;
    }

    /**
     * Owner's carrier thread: adds the iterations completed since the last flush to
     * {@code carrier}'s count (not for a task family: its tasks are counted as tasks) and
     * returns how many they were.
     */
    public long flushIterations(Carrier carrier) {
        long n = unflushed;
        if (n != 0) {
            if (!loop.isFamily()) {
                loop.stats().addIterations(carrier.index(), n);
            }
            unflushed = 0;
        }
        return n;
    }

    /**
     * Whether indices remain after the one running now. Plain reads: any thread may ask for a
     * hint (the timer deciding whether a task family's chunk holds tasks back); the owner's
     * answer is exact.
     */
    public boolean hasMoreAfterCurrent() {
        return next + 1 < end;
    }

    /** Whether an index handed out by {@link #nextIndex} is running (or suspended) now. */
    public boolean inIteration() {
        return inIteration;
    }

    /**
     * A task family's running task suspended (it waits, or its time slice ended): the rest of
     * the chunk must not wait behind it, since a later task may be the one it waits for. The
     * indices after the running one go to a new chunk, spawned on {@code carrier}, which also
     * takes over this chunk's split slot; this chunk ends when its running task does. Owner's
     * carrier thread only, before its fiber's run returns (the fiber cannot be resumed
     * elsewhere until then).
     */
    public void detachRest(Carrier carrier) {
        long from = next + 1;
        if (!inIteration || from >= end) {
            return;
        }
        RangeChunk rest = new RangeChunk(loop, from, end, carrier.index(), fiber);
        long oldEnd = end;
        end = from;
        holdsSlot = false;
        if (!loop.launch(rest, false)) {
            end = oldEnd; // the loop stopped meanwhile: keep the range, the stop check ends it
            holdsSlot = true;
        }
    }

    /**
     * The stepping fiber ended: with {@code error} (the iteration {@link #nextIndex} last
     * handed out failed) or normally (null). Counts what did not run and tells the loop.
     * Flush the iteration count first.
     */
    public void endSteps(Throwable error) {
        long cursor = next;
        if (error != null && inIteration) {
            loop.iterationFailed(error, cursor, end - cursor - 1);
        } else if (cursor < end) {
            loop.iterationsCancelled(end - cursor);
        }
        inIteration = false;
        next = end;
        loop.chunkDone(this);
    }

    /**
     * Ends this chunk without running it, because its fiber failed before its first iteration
     * (it could not even set up its registers): the first index counts as failed, the rest as
     * cancelled, and the loop is told the chunk is done. Call instead of {@link #drive}.
     */
    public void failBeforeStart(Throwable error) {
        long first = next;
        next = end;
        loop.iterationFailed(error, first, end - first - 1);
        loop.chunkDone(this);
    }

    /** Gives the upper half of {@code [from, end)} to a new chunk if the loop may still grow. */
    private void trySplit(long from, Carrier carrier) {
        if (!loop.tryReserveChunk()) {
            return;
        }
        long mid = from + (end - from + 1) / 2;
        RangeChunk upper = new RangeChunk(loop, mid, end, carrier.index(), fiber);
        long oldEnd = end;
        end = mid;
        if (!loop.launch(upper)) {
            end = oldEnd; // the loop stopped meanwhile: keep the range, the stop check ends it
            return;
        }
        if (!loop.isFamily()) {
            loop.stats().countSplit();
        }
    }

    @Override
    public String toString() {
        return "chunk [" + next + ", " + end + ")";
    }
}
