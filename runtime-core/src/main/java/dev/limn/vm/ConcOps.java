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
import dev.limn.offheap.RegisterFile;
import dev.limn.sched.Fiber;
import dev.limn.sched.Timer;
import dev.limn.value.DurationValue;
import dev.limn.value.ErrorValue;
import dev.limn.value.FutureValue;
import dev.limn.value.LimnError;
import dev.limn.vm.Opcode.Op;

import java.util.ArrayList;

/**
 * The concurrency operations of the VM (SPEC §5, §6.1, §6.2, §7 for block handles): serves
 * NEWATOMIC ALOAD AUPDATE UPSTORE UPCAS BLOCKBEGIN SPAWN SPAWNW BLOCKEND BLOCKABORT
 * BLOCKFUTURE SENDOUT AWAIT SCOPEWAIT UNITITEM ARELEASE PARNEXT (PARLOOP and TASKLOOP go on in
 * {@link ParallelOps}), the channel, atomic and future methods, the builtins {@code channel}
 * and {@code sleep}, and iteration over channels.
 *
 * <p>Waiting (Lua's {@code Protect} discipline): the caller ({@link ColdOps}, or
 * {@link TaskContext#call} for a builtin called through a variable) has saved the pc of the
 * instruction in {@code t.pc}. An operation that cannot go on registers the task with what
 * will wake it and throws {@link Suspend#PARK}; the task parks, and when it runs again the
 * same instruction executes again from the start, finding its condition met (or parking
 * again after a spurious wake-up). State that must survive the retry (a sleep's timer, the
 * body's "ended" flag) lives in the task or the block, never in Java locals.
 *
 * <p>Every waiting operation is a safepoint (SPEC §6.3): {@link #safepoint} raises Cancelled
 * when the cancel trap is set and stops the task when the terminate trap is set.
 */
final class ConcOps {
    private ConcOps() {}

    /** Executes one of this class's opcodes; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int base = t.base;
        int ra = base + a(i);
        switch (Instr.op(i)) {
            case Op.NEWATOMIC -> {
                AtomicValue cell = AtomicValue.of(t.engine.cells, t.get(base + b(i)));
                t.hold(cell);
                t.set(ra, cell);
            }
            case Op.ALOAD -> {
                Object v = t.get(base + b(i));
                t.set(ra, v instanceof AtomicValue cell ? cell.load() : v);
            }
            case Op.AUPDATE -> {
                if (!(t.get(ra) instanceof AtomicValue cell)) {
                    throw LimnError.typeMismatch("not an atomic: " + Values.typeName(t.get(ra)));
                }
                int rb = base + b(i);
                int op = c(i);
                if (op <= 1 && cell.holdsInt() && RegisterFile.lpTag(t.regs, rb) == Tag.INT) {
                    // the common shared counter: an int added to an int cell, unboxed
                    long d = RegisterFile.lpPayload(t.regs, rb);
                    if (op == 0) {
                        cell.addInt(d);
                        return pc;
                    }
                    if (d != Long.MIN_VALUE) {
                        cell.addInt(-d);
                        return pc;
                    }
                }
                Object v = t.get(rb);
                switch (op) {
                    case 0 -> cell.add(v);
                    case 1 -> cell.add(Arith.neg(v));
                    case 2 -> cell.multiply(v);
                    default -> cell.store(v);
                }
            }
            case Op.UPSTORE -> t.closure.upvals[b(i)].store(t.get(ra));
            case Op.UPCAS -> {
                if (!t.closure.upvals[b(i)].compareAndSet(t.get(ra), t.get(ra + 1))) {
                    return pc + sc(i);
                }
            }
            case Op.BLOCKBEGIN -> blockBegin(t, ra, (BlockSpec) t.closure.proto.kRef[c(i)]);
            case Op.SPAWN -> spawnTask(t, (BlockRun) t.refs[ra], base + b(i), k(i), (String) t.closure.proto.kRef[c(i)]);
            case Op.SPAWN2 -> spawnTask(t, (BlockRun) t.refs[ra], base + b(i), 2, (String) t.closure.proto.kRef[c(i)]);
            case Op.SPAWNW -> spawnWorkers(t, (BlockRun) t.refs[ra], base + b(i), k(i) != 0, (String) t.closure.proto.kRef[c(i)]);
            case Op.BLOCKEND -> blockEnd(t, (BlockRun) t.refs[ra]);
            case Op.BLOCKABORT -> blockAbort(t, (BlockRun) t.refs[ra], t.get(base + b(i)));
            case Op.BLOCKFUTURE -> t.set(ra, ((BlockRun) t.refs[base + b(i)]).completion());
            case Op.SENDOUT -> {
                BlockRun block = t.unit == null ? null : t.unit.block;
                Channel out = block == null ? null : block.output();
                if (out != null) {
                    send(t, out, ra);
                }
            }
            case Op.AWAIT -> t.set(ra, await(t, t.get(base + b(i))));
            case Op.SCOPEWAIT -> scopeWait(t);
            case Op.UNITITEM -> t.unit.item(t.get(ra));
            case Op.ARELEASE -> {
                if (t.get(ra) instanceof AtomicValue cell) {
                    t.releaseHeld(cell);
                }
            }
            case Op.PARLOOP -> {
                safepoint(t);
                ParallelOps.startLoop(t, (BlockRun) t.refs[ra], base + b(i), (String) t.closure.proto.kRef[c(i)], k(i) != 0);
            }
            case Op.TASKLOOP -> {
                safepoint(t);
                int fnReg = base + b(i);
                boolean started = ParallelOps.startFamily(t, (BlockRun) t.refs[ra], fnReg, (String) t.closure.proto.kRef[c(i)]);
                t.set(fnReg + 2, started);
            }
            case Op.PARNEXT -> {
                if (!t.nextChunkElement(ra)) {
                    return pc + sc(i);
                }
            }
            case Op.UNITFAIL -> {
                t.pc = pc - 1; // saves pc: a retry waits its backoff here
                return unitFail(t, ra, pc, pc + sc(i));
            }
            default -> throw new IllegalStateException("no handler for opcode " + Opcode.of(Instr.op(i)));
        }
        return pc;
    }

    // ---- safepoints ------------------------------------------------------------------------------

    /** Acts on the cancel and terminate trap bits at a waiting point. */
    static void safepoint(TaskContext t) {
        if (t.lpTrap() == 0) {
            return;
        }
        int bits = t.lvTrap();
        if ((bits & Fiber.TRAP_TERMINATE) != 0) {
            leaveWait(t);
            throw Suspend.TERMINATE;
        }
        if ((bits & Fiber.TRAP_CANCEL) != 0) {
            t.clearTrap(Fiber.TRAP_CANCEL);
            leaveWait(t);
            throw new LimnError("Cancelled", "the task was cancelled");
        }
    }

    private static void leaveWait(TaskContext t) {
        t.abandonWait();
        if (t.sleepTimer != null) {
            t.scheduler().cancel(t.sleepTimer);
            t.sleepTimer = null;
        }
    }

    /** The cancel bit at a point where the task must first wait for its units: cleared and reported. */
    private static boolean takeCancel(TaskContext t) {
        if (t.lpTrap() == 0) {
            return false;
        }
        int bits = t.lvTrap();
        if ((bits & Fiber.TRAP_TERMINATE) != 0) {
            throw Suspend.TERMINATE;
        }
        if ((bits & Fiber.TRAP_CANCEL) != 0) {
            t.clearTrap(Fiber.TRAP_CANCEL);
            return true;
        }
        return false;
    }

    private static void requireScheduler(TaskContext t) {
        if (t.scheduler() == null) {
            throw new LimnError("Error", "concurrency needs the scheduler: run the program with Limn.run");
        }
    }

    // ---- channels --------------------------------------------------------------------------------

    /** {@code channel()} and {@code channel(n)}. */
    static Object channel(TaskContext t, int args, int argc) {
        int capacity = -1;
        if (argc == 1) {
            Object n = t.get(args);
            if (!(n instanceof Long l)) {
                throw LimnError.typeMismatch("channel capacity must be an int, got " + Values.typeName(n));
            }
            if (l < 1 || l > Integer.MAX_VALUE / 2) {
                throw new LimnError("Error", "channel capacity must be at least 1, got " + l);
            }
            capacity = (int) (long) l;
        }
        if (t.run == null) {
            return new Channel(t.engine.nextChannelNumber(), capacity, t.engine.openChannels);
        }
        return t.run.newChannel(capacity);
    }

    /** Sends register {@code reg}: an int unboxed, any other value as its object. */
    static void send(TaskContext t, Channel ch, int reg) {
        safepoint(t);
        requireScheduler(t);
        Channel.SendResult r = RegisterFile.lpTag(t.regs, reg) == Tag.INT
                ? ch.sendInt(t, RegisterFile.lpPayload(t.regs, reg))
                : ch.send(t, t.get(reg));
        switch (r) {
            case SENT -> { }
            case CLOSED -> throw new LimnError("ChannelClosed", "send on closed channel");
            default -> throw Suspend.PARK;
        }
    }

    /** A received value, or {@link Channel#END} at end of stream. */
    static Object recv(TaskContext t, Channel ch) {
        Object v = recvUnboxed(t, ch);
        return v == Channel.INT ? (Object) t.receivedInt() : v;
    }

    /** {@link #recv}, except that an int may come back as {@link Channel#INT}, its value in {@code t.receivedInt()}. */
    static Object recvUnboxed(TaskContext t, Channel ch) {
        safepoint(t);
        requireScheduler(t);
        Object v = ch.recvUnboxed(t);
        if (v == Channel.PARKED) {
            throw Suspend.PARK;
        }
        return v;
    }

    static Object method(TaskContext t, Object recv, String name, int args, int argc) {
        if (recv instanceof Channel ch) {
            switch (name) {
                case "send" -> {
                    arity(name, 1, argc);
                    send(t, ch, args);
                    return null;
                }
                case "recv" -> {
                    arity(name, 0, argc);
                    Object v = recv(t, ch);
                    if (v == Channel.END) {
                        throw new LimnError("ChannelClosed", "receive at end of stream");
                    }
                    return v;
                }
                case "try_recv" -> {
                    arity(name, 0, argc);
                    Object v = ch.tryRecv();
                    return v == Channel.EMPTY || v == Channel.END ? null : v;
                }
                case "close" -> {
                    arity(name, 0, argc);
                    ch.close();
                    return null;
                }
                case "len" -> {
                    arity(name, 0, argc);
                    return (long) ch.len();
                }
                case "is_closed" -> {
                    arity(name, 0, argc);
                    return ch.isClosed();
                }
                default -> throw noMethod(recv, name);
            }
        }
        if (recv instanceof AtomicValue cell) {
            switch (name) {
                case "add" -> {
                    arity(name, 1, argc);
                    return cell.add(t.get(args));
                }
                case "cas" -> {
                    arity(name, 2, argc);
                    return cell.cas(t.get(args), t.get(args + 1));
                }
                case "swap" -> {
                    arity(name, 1, argc);
                    return cell.swap(t.get(args));
                }
                case "load" -> {
                    arity(name, 0, argc);
                    return cell.load();
                }
                case "store" -> {
                    arity(name, 1, argc);
                    cell.store(t.get(args));
                    return null;
                }
                default -> throw noMethod(recv, name);
            }
        }
        if (recv instanceof FutureValue f) {
            switch (name) {
                case "done" -> {
                    arity(name, 0, argc);
                    return f.isDone();
                }
                case "cancel" -> {
                    arity(name, 0, argc);
                    f.cancel();
                    return null;
                }
                default -> throw noMethod(recv, name);
            }
        }
        throw noMethod(recv, name);
    }

    private static LimnError noMethod(Object recv, String name) {
        return LimnError.typeMismatch(Values.typeName(recv) + " has no method '" + name + "'");
    }

    private static void arity(String name, int expected, int argc) {
        if (argc != expected) {
            throw new LimnError("ArityMismatch", "method " + name + " expects " + expected
                    + (expected == 1 ? " argument" : " arguments") + ", got " + argc);
        }
    }

    // ---- sleep -----------------------------------------------------------------------------------

    /** {@code sleep(d)}: a duration or a number of seconds; parks on a scheduler timer. */
    static Object sleep(TaskContext t, Object d) {
        safepoint(t);
        if (sleepOver(t)) {
            return null;
        }
        long nanos = durationNanos(d, "sleep");
        if (nanos <= 0) {
            return null;
        }
        if (t.scheduler() == null) {
            try {
                Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LimnError("Cancelled", "the task was interrupted");
            }
            return null;
        }
        t.sleepTimer = t.scheduler().sleep(t, nanos);
        throw Suspend.PARK;
    }

    // ---- await -----------------------------------------------------------------------------------

    static Object await(TaskContext t, Object v) {
        if (!(v instanceof FutureValue f)) {
            return v; // SPEC §7: await on a non-future yields the value
        }
        safepoint(t);
        if (!f.awaitDone(t)) {
            requireScheduler(t);
            throw Suspend.PARK;
        }
        if (f.owner() instanceof BlockRun b) {
            b.markErrorRetrieved();
        }
        return f.result();
    }

    // ---- blocks ----------------------------------------------------------------------------------

    private static void blockBegin(TaskContext t, int ra, BlockSpec spec) {
        requireScheduler(t);
        Channel out = channelOrNil(t.get(ra + 1), "ch");
        Channel in = channelOrNil(t.get(ra + 2), "input");
        Channel errors = channelOrNil(t.get(ra + 3), "errors");
        BlockRun block = new BlockRun(spec, out, in, errors);
        block.completion().owner(block);
        block.completion().onCancel(block::cancelUnits);
        block.startClock(t.scheduler(), t.run::warn);
        t.run.blocks.increment();
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

    // ---- async calls and futures (SPEC §7) ------------------------------------------------------

    /**
     * A call of an {@code async fn}: starts its body as a task of the caller's innermost block
     * (the block whose body the caller is running, else the caller's own block, else the
     * program's scope) and returns its future at once. The block waits for it before it
     * completes and cancels it if it fails; a failure nobody awaits is raised by the block.
     */
    static FutureValue callAsync(TaskContext t, Closure fn, int args, int argc) {
        requireScheduler(t);
        Object[] a = new Object[argc];
        for (int i = 0; i < argc; i++) {
            a[i] = t.get(args + i);
        }
        BlockRun owner = scopeOf(t);
        FutureValue f = new FutureValue("async fn " + fn.proto.displayName());
        TaskContext task = new TaskContext(t.run, fn, a, t.random().split(), Unit.asyncCall(owner, owner.nextUnitNumber(), f));
        f.onCancel(task::cancel);
        owner.adopt(f);
        start(t, owner, task, fn);
        return f;
    }

    private static BlockRun scopeOf(TaskContext t) {
        ArrayList<BlockRun> open = t.openBlocks;
        if (open != null && !open.isEmpty()) {
            return open.getLast();
        }
        return t.unit != null ? t.unit.block : t.run.topScope();
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
        long nanos = durationNanos(duration, "with_timeout");
        if (!(future instanceof FutureValue f)) {
            FutureValue done = new FutureValue("with_timeout(...)");
            done.complete(future, null);
            return done;
        }
        requireScheduler(t);
        FutureValue result = combinator(t, "with_timeout(...)", new Object[] {f});
        Object shown = duration instanceof DurationValue ? duration : new DurationValue(nanos);
        Timer timer = t.scheduler().schedule(t.scheduler().nanoTime() + nanos, () -> {
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
            scopeOf(t).adopt(result);
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

    /** A duration, or a number of seconds, in nanoseconds ({@code sleep}, {@code with_timeout}). */
    private static long durationNanos(Object d, String fn) {
        if (d instanceof DurationValue dv) {
            return dv.nanos();
        }
        if (d instanceof Long l) {
            return l >= Long.MAX_VALUE / 1_000_000_000L ? Long.MAX_VALUE / 2 : l * 1_000_000_000L;
        }
        if (d instanceof Double s) {
            if (Double.isNaN(s)) {
                throw LimnError.typeMismatch(fn + " expects a duration or a number of seconds, got nan");
            }
            return (long) Math.min(s * 1e9, Long.MAX_VALUE / 2.0);
        }
        throw LimnError.typeMismatch(fn + " expects a duration or a number of seconds, got " + Values.typeName(d));
    }

    /**
     * After a park on the task's sleep timer: false when there is none; true once it has fired
     * (and is cleared); while it is still pending (a spurious wake-up) the task parks again.
     */
    private static boolean sleepOver(TaskContext t) {
        if (t.sleepTimer == null) {
            return false;
        }
        if (t.sleepTimer.isPending()) {
            t.waitingOn(Fiber.WaitKind.SLEEP, null);
            throw Suspend.PARK;
        }
        t.sleepTimer = null;
        return true;
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
        safepoint(t);
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
        TaskContext unit = new TaskContext(t.run, fn, args, t.random().split(), u);
        start(t, block, unit, fn);
    }

    private static void spawnWorkers(TaskContext t, BlockRun block, int fnReg, boolean withSource, String var) {
        safepoint(t);
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
            TaskContext unit = new TaskContext(t.run, fn, new Object[] {source}, t.random().split(),
                    Unit.worker(block, block.nextUnitNumber(), var));
            start(t, block, unit, fn);
        }
    }

    private static void start(TaskContext t, BlockRun block, TaskContext unit, Closure fn) {
        register(block, unit, fn);
        t.run.spawn(unit);
    }

    /** Makes {@code unit} (running closure {@code fn}) a unit of {@code block}, before it is spawned. */
    static void register(BlockRun block, TaskContext unit, Closure fn) {
        holdCapturedCells(block, fn);
        block.unitStarted(unit);
    }

    /**
     * The atomic cells a unit's closure captures stay alive until the unit ends (SPEC §8): the
     * block holds each of them once, until it completes, since no unit outlives its block.
     * (A hold per unit cost every task two contended updates of the cell's reference count.)
     */
    private static void holdCapturedCells(BlockRun block, Closure fn) {
        for (Box box : fn.upvals) {
            if (box.ref instanceof AtomicValue cell && block.holdUntilComplete(cell, cell::release)) {
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
            if (takeCancel(t)) {
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
            safepoint(t);
            sleepOver(t);
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
