package dev.limn.block;

import dev.limn.chan.Channel;
import dev.limn.sched.Fiber;
import dev.limn.sched.FiberSet;
import dev.limn.sched.Scheduler;
import dev.limn.sched.Timer;
import dev.limn.sched.events.BlockEndEvent;
import dev.limn.sched.events.FlightEvents;
import dev.limn.value.DurationValue;
import dev.limn.value.ErrorValue;
import dev.limn.value.FutureValue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The state of one running {@code concurrent} block (SPEC §5.1, §6.2 Stop), all in one
 * object: its units, the count of work still running, the first error, the {@code cores}
 * permits, the output and input channels and the completion future.
 *
 * <h2>Completion</h2>
 * {@code pending} counts the block's body (1, until the body reaches its end) plus every
 * unit started and not yet finished. Whoever brings it to 0 completes the block: closes the
 * output channel (unless workers read it as their input), adds the Stop counts to the first
 * error, and completes {@link #completion()}, which wakes the fiber waiting at the end of the
 * body (batch mode), the awaiters of its handle and the scopes that wait for stream work.
 *
 * <h2>Stop</h2>
 * The first unit that fails with an unhandled error wins a CAS on {@code firstError} and
 * cancels every other live unit (cancel trap + unpark, so parked units notice). A unit that
 * starts while the block stops is cancelled right after it registers (the body checks
 * {@link #isStopping()} before it starts a unit, and {@link #unitStarted} checks again after
 * registering, so no unit escapes the cancellation). Later failures count as "other units
 * failed"; units that end with Cancelled while the block stops count as cancelled.
 *
 * <h2>Auto and Retry (SPEC §6.2)</h2>
 * Under {@code on_error=Auto} and {@code Retry} a unit's body runs inside a handler the
 * compiler adds (UNITFAIL, see {@code Units.unitFail}): Retry reruns the body there, and
 * Auto hands the error to {@link #unitErrorAbsorbed}, which sends it to the {@code errors}
 * channel or keeps it for the summary written to stderr when the block completes (one line
 * per error kind). The unit goes on (a worker with its next item) and the block is not stopped.
 *
 * <h2>Timeout and grace (SPEC §6.3)</h2>
 * With {@code timeout=D} a timer cancels every live unit D after the block started, and no
 * new unit starts. Any cancellation (the timeout, Stop, a cancelled body or handle) starts
 * the grace timer once: units still live {@code grace} later are terminated (they stop at
 * their next instruction and cannot catch it). A failure before the timeout is the block's
 * error as under Stop; failures after it are only counted. When the block completes after a
 * timeout, it completes normally ({@code on_timeout=partial}) or with a Timeout error
 * naming the counts of units finished, cancelled and terminated. Both timers are cancelled
 * at completion, so a block that ends early leaves nothing pending. Timer actions run on the
 * scheduler's timer thread; they only set flags and traps and unpark.
 *
 * <h2>Permits</h2>
 * With {@code cores=N} at most N tasks run at once: the body takes a permit before starting
 * each task (and parks when none is left), a task gives it back when it ends. Worker
 * instances take none: {@code cores} already bounds how many are started. Wake-up: the
 * waiter publishes itself, then tries again; a releaser returns the permit, then wakes the
 * published waiter (store then load on both sides, so one of them sees the other).
 */
public final class BlockRun {
    private final BlockSpec spec;
    private final Channel output;
    private final Channel input;
    private final Channel errors;
    private final FutureValue completion;
    private final AtomicInteger pending = new AtomicInteger(1);
    private final AtomicInteger unitNumbers = new AtomicInteger();
    private final AtomicInteger permits;
    private final FiberSet units = new FiberSet();
    /** What the block holds until it completes (the atomic cells its units capture), and how to let each go. */
    private final List<Object> held = new ArrayList<>(2);
    private final List<Runnable> releases = new ArrayList<>(2);
    private final AtomicReference<ErrorValue> firstError = new AtomicReference<>();
    private final AtomicInteger otherFailures = new AtomicInteger();
    private final AtomicInteger cancelledUnits = new AtomicInteger();
    private final AtomicInteger finishedUnits = new AtomicInteger();
    private final AtomicInteger terminatedUnits = new AtomicInteger();
    /** Iterations of this block's parallel loops that ran to their end (for a parallel block's Timeout message). */
    private final java.util.concurrent.atomic.AtomicLong iterationsDone = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean stopping;
    private volatile boolean timedOut;
    private volatile ErrorValue outcome;
    /** Set by {@link #startClock}; null for a block run without a scheduler (tests). Guards the two timers. */
    private Scheduler scheduler;
    private Consumer<String> warnings;
    /** on_error=Auto without an errors channel: per error kind, how many and the first (guarded by itself). */
    private final Map<String, AbsorbedErrors> absorbed = new LinkedHashMap<>();
    /** Futures of async calls (and combinators) made in this block: a failed one nobody awaited becomes its error. */
    private final List<FutureValue> futures = new ArrayList<>();
    private Timer timeoutTimer;
    private Timer graceTimer;
    private boolean graceStarted;
    private boolean completed;
    /** The fiber running the body was cancelled while it waited for the units: it raises Cancelled after them. */
    public volatile boolean bodyCancelled;
    /** Set when the block's units were found blocked forever ({@link #failDeadlocked}). */
    private volatile ErrorValue deadlockError;
    private volatile Fiber permitWaiter;
    private boolean bodyEnded;
    /** Set when the block's handle was awaited, so a scope does not raise its error a second time. */
    private volatile boolean errorRetrieved;
    /** The fiber running the block's body (the task that started it), or null; set by {@link LiveBlocks#add}. */
    Fiber body;
    // Links of the run's LiveBlocks stripe this block is in, or null: guarded by that stripe's lock.
    LiveBlocks.Stripe liveStripe;
    BlockRun livePrev;
    BlockRun liveNext;
    /** The flight recorder's BlockEnd, begun with the block, or null (written by the body before any unit starts). */
    private BlockEndEvent flightEnd;

    /** @param errors the {@code errors=} channel (on_error=Auto), or null */
    public BlockRun(BlockSpec spec, Channel output, Channel input, Channel errors) {
        this.spec = spec;
        this.output = output;
        this.input = input;
        this.errors = errors;
        this.completion = new FutureValue(new Object() {
            @Override
            public String toString() {
                return "the end of " + spec.label();
            }
        });
        int cores = spec.config().cores();
        this.permits = cores > 0 ? new AtomicInteger(cores) : null;
    }

    public BlockSpec spec() {
        return spec;
    }

    public BlockConfig.Mode mode() {
        return spec.config().mode();
    }

    /** {@code concurrent block at f.lm:2:1}. */
    public String label() {
        return spec.label();
    }

    /** The output channel ({@code ch}), or null. */
    public Channel output() {
        return output;
    }

    /** The default source of {@code worker(v)}: the input channel, else the output channel, else null. */
    public Channel workerSource() {
        return input != null ? input : output;
    }

    public FutureValue completion() {
        return completion;
    }

    /** The fiber that runs the block's body (the task that started it), or null when the block is in no {@link LiveBlocks}. */
    public Fiber body() {
        return body;
    }

    /**
     * Adds to {@code into} at most {@code max} of the block's live units and returns how many it
     * has (a task dump's bounded look).
     */
    public int liveUnits(List<Fiber> into, int max) {
        return units.snapshot(into, max);
    }

    /** The next unit number: 1, 2, ... in start order. */
    public int nextUnitNumber() {
        return unitNumbers.incrementAndGet();
    }

    /** Reserves {@code n} consecutive unit numbers (a task family); returns the first. */
    public int reserveUnitNumbers(int n) {
        return unitNumbers.getAndAdd(n) + 1;
    }

    /** Whether a unit has failed (no new unit starts). */
    public boolean isStopping() {
        return stopping;
    }

    public ErrorValue firstError() {
        return firstError.get();
    }

    /** After completion: the error the block statement raises (its first failure, or Timeout), or null. */
    public ErrorValue error() {
        return outcome;
    }

    public boolean errorRetrieved() {
        return errorRetrieved;
    }

    public void markErrorRetrieved() {
        errorRetrieved = true;
    }

    // ---- flight recorder ---------------------------------------------------------------------------

    /**
     * The block begins, its body run by task {@code taskId}: records BlockBegin and begins
     * BlockEnd, each if a recording wants it; {@code ids} numbers the blocks of the program run
     * (moved only then). Called once, by the body, before any unit starts.
     */
    public void recordBegin(AtomicLong ids, long taskId) {
        if (FlightEvents.on()) {
            String kind = (spec.config().parallel() ? "parallel " : "concurrent ") + mode().name().toLowerCase(java.util.Locale.ROOT);
            flightEnd = FlightEvents.blockBegin(ids, kind, label(), taskId);
        }
    }

    /** The block completed with {@code err} (null: normally): ends and commits its BlockEnd, if one was begun. */
    private void recordEnd(ErrorValue err) {
        BlockEndEvent end = flightEnd;
        if (end != null) {
            flightEnd = null;
            FlightEvents.blockEnd(end, unitNumbers.get(), err != null ? err.kind : terminatedUnits.get() > 0 ? "terminated" : "ok");
        }
    }

    // ---- timeout and grace -------------------------------------------------------------------------

    /**
     * Starts the block's clock: schedules its timeout, if it has one. Called once, at the block's
     * start; {@code warnings} takes the lines of the on_error=Auto summary.
     */
    public void startClock(Scheduler scheduler, Consumer<String> warnings) {
        long timeout = spec.config().timeoutNanos();
        synchronized (this) {
            this.scheduler = scheduler;
            this.warnings = warnings;
            if (timeout > 0) {
                timeoutTimer = scheduler.schedule(scheduler.deadlineAfter(timeout), this::timeOut);
            }
        }
    }

    /** Whether the block's timeout expired before it completed. */
    public boolean timedOut() {
        return timedOut;
    }

    private void timeOut() {
        timedOut = true;
        cancelUnits();
    }

    /** After a cancellation: terminates the units still live {@code grace} later (once per block). */
    private void startGrace() {
        synchronized (this) {
            if (graceStarted || completed || scheduler == null) {
                return;
            }
            graceStarted = true;
            graceTimer = scheduler.schedule(scheduler.deadlineAfter(spec.config().graceNanos()), this::terminateUnits);
        }
    }

    private void stopTimers() {
        synchronized (this) {
            completed = true;
            if (timeoutTimer != null) {
                scheduler.cancel(timeoutTimer);
            }
            if (graceTimer != null) {
                scheduler.cancel(graceTimer);
            }
        }
    }

    // ---- permits ---------------------------------------------------------------------------------

    /** Whether tasks of this block need a permit ({@code cores=N}). */
    public boolean limitsTasks() {
        return permits != null;
    }

    /**
     * Takes a permit for {@code fiber}, or registers it to be woken when one is returned and
     * returns false (the caller parks, then tries again).
     */
    public boolean acquirePermit(Fiber fiber) {
        if (tryAcquire()) {
            return true;
        }
        permitWaiter = fiber;
        if (tryAcquire()) {
            permitWaiter = null;
            return true;
        }
        return false;
    }

    private boolean tryAcquire() {
        int p;
        while ((p = permits.get()) > 0) {
            if (permits.compareAndSet(p, p - 1)) {
                return true;
            }
        }
        return false;
    }

    /** A task that took a permit ({@link #acquirePermit}) ended: the next waiting task may start. */
    public void releasePermit() {
        permits.incrementAndGet();
        Fiber w = permitWaiter;
        if (w != null) {
            w.unpark(); // possibly spurious: the waiter tries again
        }
    }

    // ---- units -----------------------------------------------------------------------------------

    /** A unit is about to be spawned: counts it and registers it for cancellation. */
    public void unitStarted(Fiber unit) {
        pending.incrementAndGet();
        units.add(unit);
        if (stopping) {
            unit.cancel();
        }
    }

    /** A unit ended normally, or with its unhandled error {@code failure} (null when it finished). */
    public void unitFinished(Fiber unit, ErrorValue failure) {
        units.remove(unit);
        if (failure == null) {
            finishedUnits.incrementAndGet();
        } else if (stopping && failure.kind.equals("Cancelled")) {
            cancelledUnits.incrementAndGet();
        } else if (!timedOut && firstError.compareAndSet(null, failure)) {
            stop();
        } else {
            otherFailures.incrementAndGet();
        }
        arrive();
    }

    /** A unit was terminated (it could not catch it): it stopped at its next instruction. */
    public void unitTerminated(Fiber unit) {
        units.remove(unit);
        terminatedUnits.incrementAndGet();
        arrive();
    }

    /**
     * A task family's chunk ended between its tasks: it is no unit of its own, and the tasks it
     * ran were counted one by one ({@link #countFinished}).
     */
    public void chunkFinished(Fiber chunk) {
        units.remove(chunk);
        arrive();
    }

    /**
     * on_error=Auto: a unit's body raised {@code err} and the unit goes on. The error is sent
     * to the {@code errors} channel without waiting; when there is none, or it is full or
     * closed, it is kept for the summary written when the block completes.
     */
    public void unitErrorAbsorbed(ErrorValue err) {
        if (errors != null && errors.trySend(err) == Channel.SendResult.SENT) {
            return;
        }
        synchronized (absorbed) {
            absorbed.computeIfAbsent(err.kind, k -> new AbsorbedErrors(err)).count++;
        }
    }

    /**
     * SPEC §7: {@code f} (an async call's future, or a combinator's) belongs to this block:
     * if it fails and nobody awaits it, the block raises its error when it completes.
     */
    public void adopt(FutureValue f) {
        synchronized (futures) {
            futures.add(f);
        }
    }

    /** The error of the first adopted future that failed unawaited (not Cancelled), or null. */
    private ErrorValue unawaitedFailure() {
        synchronized (futures) {
            for (FutureValue f : futures) {
                ErrorValue e = f.unretrievedError();
                if (e != null && !e.kind.equals("Cancelled")) {
                    return e;
                }
            }
            futures.clear();
        }
        return null;
    }

    /** {@code n} iterations of one of this block's parallel loops ran to their end. */
    public void countIterations(long n) {
        iterationsDone.addAndGet(n);
    }

    /** {@code n} tasks of a task family finished normally. */
    public void countFinished(long n) {
        finishedUnits.addAndGet((int) n);
    }

    private void stop() {
        stopping = true;
        cancelUnits();
    }

    /**
     * The block's units are blocked forever and nothing outside can wake them: the block raises
     * {@code error} (PartialDeadlock) once its units, cancelled now, have ended.
     */
    public void failDeadlocked(ErrorValue error) {
        if (deadlockError == null) {
            deadlockError = error;
        }
        cancelUnits();
    }

    /** Whether the block has a timeout, or is being stopped: something that will wake its units. */
    public boolean willWakeUnits() {
        return stopping || timedOut || spec.config().timeoutNanos() > 0;
    }

    /** Cancels every live unit (Stop, the timeout, a cancelled body or handle); those still live after grace are terminated. */
    public void cancelUnits() {
        stopping = true;
        for (Fiber f : units.snapshot()) {
            f.cancel();
        }
        startGrace();
    }

    /** Terminates every live unit (the body's task was terminated). */
    public void terminateUnits() {
        stopping = true;
        for (Fiber f : units.snapshot()) {
            f.terminate();
        }
    }

    /** The body reached its end (or failed); idempotent, so a retried instruction may call it again. */
    public void bodyEnded() {
        if (!bodyEnded) {
            bodyEnded = true;
            arrive();
        }
    }

    private void arrive() {
        if (pending.decrementAndGet() == 0) {
            complete();
        }
    }

    /**
     * Holds {@code resource} until the block completes, then runs {@code release}: false if the
     * block holds it already. Called while the block is live (by the body or a live unit, so
     * never concurrently with completion).
     */
    public boolean holdUntilComplete(Object resource, Runnable release) {
        synchronized (held) {
            for (Object r : held) {
                if (r == resource) {
                    return false;
                }
            }
            held.add(resource);
            releases.add(release);
            return true;
        }
    }

    private void complete() {
        stopTimers();
        LiveBlocks.remove(this);
        if (output != null && spec.closeOutput()) {
            output.close();
        }
        if (errors != null) {
            errors.close();
        }
        writeAbsorbedSummary();
        List<Runnable> toRelease;
        synchronized (held) {
            toRelease = new ArrayList<>(releases);
            held.clear();
            releases.clear();
        }
        for (Runnable release : toRelease) {
            release.run(); // before the completion wakes the body, whose scope may release them next
        }
        ErrorValue err = firstError.get();
        if (deadlockError != null && (err == null || "Cancelled".equals(err.kind))) {
            err = deadlockError;
        } else if (err != null) {
            err.noteIfAbsent(otherFailures.get() + " other units failed, " + cancelledUnits.get() + " cancelled");
        } else if (timedOut && spec.config().onTimeout() == BlockConfig.OnTimeout.ERROR) {
            String counts = spec.config().parallel()
                    ? iterationsDone.get() + " iterations done, " + cancelledUnits.get() + " chunks cancelled, "
                            + terminatedUnits.get() + " terminated"
                    : finishedUnits.get() + " units finished, " + cancelledUnits.get() + " cancelled, "
                            + terminatedUnits.get() + " terminated";
            err = new ErrorValue("Timeout", spec.label() + " timed out after " + new DurationValue(spec.config().timeoutNanos())
                    + ": " + counts + (otherFailures.get() > 0 ? ", " + otherFailures.get() + " failed" : ""));
        } else {
            err = unawaitedFailure(); // an async call failed and nobody awaited it: the block raises it (SPEC §7)
        }
        outcome = err;
        recordEnd(err);
        completion.complete(null, err);
    }

    /** One stderr line per kind of error that on_error=Auto absorbed and no errors channel took. */
    private void writeAbsorbedSummary() {
        List<AbsorbedErrors> kinds;
        synchronized (absorbed) {
            kinds = new ArrayList<>(absorbed.values());
        }
        for (AbsorbedErrors a : kinds) {
            ErrorValue first = a.first;
            String where = first.source() == null || first.span() == null ? ""
                    : " at " + first.source().name() + ":" + first.span().line() + ":" + first.span().col();
            String unit = first.task() == null ? "" : ", in " + first.task();
            String line = "warning[" + first.kind + "]: " + spec.label() + " (on_error=Auto): " + a.count
                    + (a.count == 1 ? " unit" : " units") + " failed with " + first.kind + "; the first: "
                    + (first.message.isEmpty() ? first.kind : first.message) + where + unit;
            if (warnings != null) {
                warnings.accept(line);
            }
        }
    }

    /** How many errors of one kind on_error=Auto absorbed, and the first of them. */
    private static final class AbsorbedErrors {
        final ErrorValue first;
        int count;

        AbsorbedErrors(ErrorValue first) {
            this.first = first;
        }
    }

    @Override
    public String toString() {
        return spec.label();
    }
}
