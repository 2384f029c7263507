package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.c;
import static dev.limn.vm.Instr.k;
import static dev.limn.vm.Instr.sc;

import dev.limn.block.BlockConfig;
import dev.limn.block.BlockRun;
import dev.limn.block.BlockSpec;
import dev.limn.chan.Channel;
import dev.limn.sched.Fiber;
import dev.limn.value.ErrorValue;
import dev.limn.value.LimnError;
import dev.limn.vm.Opcode.Op;

import java.util.ArrayList;

/**
 * Blocks and their units in the VM (SPEC §5, §6.2): serves BLOCKBEGIN SPAWN SPAWN2 SPAWNW
 * BLOCKEND BLOCKABORT BLOCKFUTURE SCOPEWAIT UNITITEM UNITFAIL: a block's run, starting its
 * tasks and workers, waiting for them at the block's end, cancelling them when the body
 * fails, an on_error=Auto/Retry unit's failure, and the scope that async calls belong to.
 * The parallel loops and task families of a block are {@link ParallelLoops}'.
 */
final class Units {
    private Units() {}

    /** Executes one of this class's opcodes; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int base = t.base;
        int ra = base + a(i);
        switch (Instr.op(i)) {
            case Op.BLOCKBEGIN -> blockBegin(t, ra, (BlockSpec) t.closure.proto.kRef[c(i)]);
            case Op.SPAWN -> spawnTask(t, (BlockRun) t.refs[ra], base + b(i), k(i), (String) t.closure.proto.kRef[c(i)]);
            case Op.SPAWN2 -> spawnTask(t, (BlockRun) t.refs[ra], base + b(i), 2, (String) t.closure.proto.kRef[c(i)]);
            case Op.SPAWNW -> spawnWorkers(t, (BlockRun) t.refs[ra], base + b(i), k(i) != 0, (String) t.closure.proto.kRef[c(i)]);
            case Op.BLOCKEND -> blockEnd(t, (BlockRun) t.refs[ra]);
            case Op.BLOCKABORT -> blockAbort(t, (BlockRun) t.refs[ra], t.get(base + b(i)));
            case Op.BLOCKFUTURE -> t.set(ra, ((BlockRun) t.refs[base + b(i)]).completion());
            case Op.SCOPEWAIT -> scopeWait(t);
            case Op.UNITITEM -> t.unit.item(t.get(ra));
            case Op.UNITFAIL -> {
                return unitFail(t, ra, pc, pc + sc(i));
            }
            default -> throw new IllegalStateException("no handler for opcode " + Opcode.of(Instr.op(i)));
        }
        return pc;
    }

    private static void blockBegin(TaskContext t, int ra, BlockSpec spec) {
        Waiting.requireScheduler(t);
        Channel out = channelOrNil(t.get(ra + 1), "ch");
        Channel in = channelOrNil(t.get(ra + 2), "input");
        Channel errors = channelOrNil(t.get(ra + 3), "errors");
        if (errors != null && errors.remote() != null) {
            throw LimnError.typeMismatch("'errors' names a remote channel (" + errors.remote().describe()
                    + "); a block's errors cannot cross processes, name a local channel");
        }
        BlockRun block = new BlockRun(spec, out, in, errors);
        block.completion().owner(block);
        block.completion().onCancel(block::cancelUnits);
        block.startClock(t.scheduler(), t.run::warn);
        t.run.blocks.increment();
        t.run.liveBlocks.add(block, t);
        block.recordBegin(t.run.flightBlockIds, t.id());
        t.set(ra, block);
        if (t.openBlocks == null) {
            t.openBlocks = new ArrayList<>(2);
        }
        t.openBlocks.add(block);
    }

    /** The body of {@code block} ended (normally or not): async calls no longer belong to it. Idempotent. */
    private static void leaveBlock(TaskContext t, BlockRun block) {
        ArrayList<BlockRun> open = t.openBlocks;
        if (open != null && !open.isEmpty() && open.getLast() == block) {
            open.removeLast();
        }
    }

    /**
     * The block that an async call or a combinator's future started by {@code t} belongs to: the
     * block whose body {@code t} is running, else {@code t}'s own block, else the program's scope.
     */
    static BlockRun scopeOf(TaskContext t) {
        ArrayList<BlockRun> open = t.openBlocks;
        if (open != null && !open.isEmpty()) {
            return open.getLast();
        }
        return t.unit != null ? t.unit.block : t.entry.topScope();
    }

    private static Channel channelOrNil(Object v, String param) {
        if (v == null) {
            return null;
        }
        if (v instanceof Channel c) {
            return c;
        }
        throw LimnError.typeMismatch("'" + param + "' must name a channel, got " + Values.typeName(v));
    }

    /** SPAWN/SPAWN2: a task of {@code block} running closure R[fnReg] with {@code items} (0-2) items after it; {@code var} names the first. */
    private static void spawnTask(TaskContext t, BlockRun block, int fnReg, int items, String var) {
        Waiting.safepoint(t);
        if (block.isStopping()) {
            return; // Stop: no new units after the first failure
        }
        boolean permit = block.limitsTasks();
        if (permit && !block.acquirePermit(t)) {
            t.waitingOn(Fiber.WaitKind.PERMIT, block);
            throw Suspend.PARK;
        }
        Closure fn = (Closure) t.get(fnReg);
        Object[] args = new Object[items];
        for (int n = 0; n < items; n++) {
            args[n] = t.get(fnReg + 1 + n);
        }
        Object item = items > 0 ? args[0] : null;
        Unit u = items > 0 ? Unit.task(block, block.nextUnitNumber(), var, item) : Unit.task(block, block.nextUnitNumber());
        u.heldPermit = permit;
        TaskContext unit = new TaskContext(t.run, t.startDepth(), fn, args, t.random().split(), u);
        start(t, block, unit, fn);
    }

    private static void spawnWorkers(TaskContext t, BlockRun block, int fnReg, boolean withSource, String var) {
        Waiting.safepoint(t);
        if (block.isStopping()) {
            return;
        }
        Object source = withSource ? t.get(fnReg + 1) : block.workerSource();
        if (source == null) {
            throw new LimnError("Error", "worker(" + var + ") without 'from' reads the block's input or ch channel, and it has neither");
        }
        if (!(source instanceof Channel)) {
            throw LimnError.typeMismatch("a worker reads a channel, got " + Values.typeName(source));
        }
        int cores = block.spec().config().cores();
        int instances = cores > 0 ? cores : Runtime.getRuntime().availableProcessors();
        Closure fn = (Closure) t.get(fnReg);
        for (int n = 0; n < instances && !block.isStopping(); n++) {
            TaskContext unit = new TaskContext(t.run, t.startDepth(), fn, new Object[] {source}, t.random().split(),
                    Unit.worker(block, block.nextUnitNumber(), var));
            start(t, block, unit, fn);
        }
    }

    /** Registers {@code unit} (running closure {@code fn}) with {@code block} and spawns it. */
    static void start(TaskContext t, BlockRun block, TaskContext unit, Closure fn) {
        register(block, unit, fn);
        t.run.spawn(unit);
    }

    /** Makes {@code unit} (running closure {@code fn}) a unit of {@code block}, before it is spawned. */
    static void register(BlockRun block, TaskContext unit, Closure fn) {
        holdCapturedCells(block, fn);
        block.unitStarted(unit);
    }

    /**
     * The off-heap atomic cells a unit's closure captures stay alive until the unit ends (SPEC
     * §8): the block holds each of them once, until it completes, since no unit outlives its
     * block. (A heap cell needs no hold: the closure's reference keeps it.)
     */
    private static void holdCapturedCells(BlockRun block, Closure fn) {
        for (Box box : fn.upvals) {
            if (box.ref instanceof OffHeapAtomic cell && block.holdUntilComplete(cell, cell::release)) {
                cell.reserve();
            }
        }
    }

    private static void blockEnd(TaskContext t, BlockRun block) {
        leaveBlock(t, block);
        block.bodyEnded();
        if (block.mode() != BlockConfig.Mode.BATCH) {
            if (t.pendingBlocks == null) {
                t.pendingBlocks = new ArrayList<>();
                t.pendingDepths = new ArrayList<>();
            }
            if (!t.pendingBlocks.contains(block)) {
                t.pendingBlocks.add(block);
                t.pendingDepths.add(t.depth);
            }
            return;
        }
        waitFor(t, block);
        ErrorValue err = block.error();
        if (err != null) {
            throw new LimnError(err);
        }
        if (block.bodyCancelled) {
            throw new LimnError("Cancelled", "the task was cancelled");
        }
    }

    /** Waits until every unit of {@code block} has finished; a cancel meanwhile cancels the units. */
    private static void waitFor(TaskContext t, BlockRun block) {
        try {
            if (Waiting.takeCancel(t)) {
                block.bodyCancelled = true;
                block.cancelUnits();
            }
        } catch (Suspend terminate) {
            block.terminateUnits();
            throw terminate;
        }
        if (!block.completion().awaitDone(t)) {
            throw Suspend.PARK;
        }
    }

    private static void blockAbort(TaskContext t, BlockRun block, Object bodyError) {
        leaveBlock(t, block);
        block.bodyEnded();
        block.cancelUnits();
        waitFor(t, block);
        ErrorValue first = block.firstError();
        if (bodyError instanceof ErrorValue e) {
            if (e.kind.equals("Cancelled") && first != null) {
                throw new LimnError(first);
            }
            throw new LimnError(e);
        }
        throw new LimnError("Error", Values.str(bodyError));
    }

    /**
     * UNITFAIL (SPEC §6.2): the body of a unit of an on_error=Auto/Retry block raised R[errReg].
     * Returns where to go on: {@code next} (Auto: the error is recorded; the unit ends, or the
     * worker takes its next item) or {@code retryPc} (Retry, after the backoff: the body again,
     * with the same input). Raises the error again when it is Cancelled, when the block is
     * stopping (timeout, cancellation) or when the retries are used up (then as Stop).
     */
    private static int unitFail(TaskContext t, int errReg, int next, int retryPc) {
        BlockRun block = t.unit == null ? null : t.unit.block;
        if (t.sleepTimer != null) {
            // resumed while waiting out a retry's backoff (or woken early: cancelled, or spuriously)
            Waiting.safepoint(t);
            Waiting.sleepOver(t);
            return retryPc;
        }
        Object raised = t.get(errReg);
        ErrorValue err = raised instanceof ErrorValue e ? e : new ErrorValue("Error", Values.str(raised));
        if (block == null || err.kind.equals("Cancelled") || block.isStopping()) {
            throw new LimnError(err);
        }
        BlockConfig config = block.spec().config();
        if (config.onError() == BlockConfig.OnError.AUTO) {
            t.run.tasksFailed.increment();
            block.unitErrorAbsorbed(err);
            return next;
        }
        int attempt = t.attempt();
        if (attempt > config.retries()) {
            throw new LimnError(err); // retries used up: the unit fails, as under Stop
        }
        t.unit.attempt = attempt + 1;
        t.run.tasksRetried.increment();
        long backoff = config.backoffNanos();
        for (int n = 1; n < attempt && backoff < Long.MAX_VALUE / 4; n++) {
            backoff *= 2;
        }
        if (backoff <= 0) {
            return retryPc;
        }
        t.sleepTimer = t.scheduler().sleep(t, backoff);
        throw Suspend.PARK;
    }

    /** Waits for the stream/async blocks that the current frame (or a deeper one) started. */
    private static void scopeWait(TaskContext t) {
        ArrayList<BlockRun> pending = t.pendingBlocks;
        if (pending == null) {
            return;
        }
        for (int n = pending.size() - 1; n >= 0; n--) {
            if (t.pendingDepths.get(n) < t.depth) {
                continue;
            }
            BlockRun block = pending.get(n);
            waitFor(t, block);
            pending.remove(n);
            t.pendingDepths.remove(n);
            ErrorValue err = block.error();
            if (err != null && !block.errorRetrieved()) {
                block.markErrorRetrieved();
                throw new LimnError(err);
            }
            if (block.bodyCancelled) {
                throw new LimnError("Cancelled", "the task was cancelled");
            }
        }
    }
}
