package dev.limn.vm;

import dev.limn.block.BlockRun;
import dev.limn.chan.Channel;
import dev.limn.sched.Fiber;
import dev.limn.sched.Scheduler;
import dev.limn.value.ErrorValue;
import dev.limn.value.FutureValue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds tasks blocked forever while the rest of the program runs (a partial deadlock), as a
 * program-wide deadlock is found when every task is blocked (SPEC §5.3). Run for a whole-program
 * run by the scheduler's watch hook: on the timer thread about four times a second, or, in a
 * deterministic run, on the carrier between two tasks.
 *
 * <h2>Reachability</h2>
 * A task parked on a channel send or receive, or awaiting the end of a block, is a candidate.
 * Every other live task may still run: its registers, the functions of its frames and, through
 * their captured variables, lists, dicts, loops, futures and channel buffers, everything it
 * reaches is marked. A channel so reached may still be used, so a candidate waiting on it may
 * be woken: it is no longer a candidate, and what it reaches is marked in turn. A task that
 * awaits a block may resume once a unit of that block may run; a block with a timeout, or
 * being stopped, wakes its units itself. The top level and the host's current call are always
 * marked. What stays a candidate can never be woken: nothing that may run can reach what it
 * waits on.
 *
 * <h2>Acting on it</h2>
 * A look is trusted only when the next look finds the same tasks, none of which ran in
 * between (each task's run sequence is unchanged): a running task's registers are read
 * without stopping it, so one look may miss a reference it was moving. Then, as at the end of a
 * whole program, receivers get end of stream first: if any of the stuck tasks receive, they
 * are woken with end of stream, which may let the rest go on. Otherwise each outermost block
 * whose units are all stuck, and whose body waits for it, raises PartialDeadlock: its units
 * are cancelled and the error, listing them, is raised where the block stands, so the enclosing
 * {@code attempt} may handle it.
 */
final class PartialDeadlocks {
    /**
     * Objects a look walks at most; a program holding more is not looked at (no report, never a
     * wrong one). A look holds what it walked until it ends, so it is bounded to about a 40th of
     * the heap (some 100 bytes a value): a program that fills its heap and handles OutOfMemory
     * must find the memory it dropped back, not held by a look.
     */
    private static final int MAX_WALK = (int) Math.max(10_000, Math.min(2_000_000, Runtime.getRuntime().maxMemory() / 4096));

    /** What the previous look found stuck, and each task's run sequence then; null when nothing. */
    private Map<TaskContext, Integer> previous;

    /** One look at {@code run}; acts when the previous look found the same. */
    void look(ProgramRun run) {
        Map<TaskContext, Integer> stuck = find(run);
        if (stuck == null || stuck.isEmpty()) {
            previous = null;
            return;
        }
        boolean confirmed = same(stuck, previous);
        previous = stuck;
        if (confirmed) {
            previous = null;
            act(stuck.keySet());
        }
    }

    /** Whether two looks found the same tasks, none of which ran in between. */
    private static boolean same(Map<TaskContext, Integer> now, Map<TaskContext, Integer> before) {
        if (before == null || now.size() != before.size()) {
            return false;
        }
        for (Map.Entry<TaskContext, Integer> e : now.entrySet()) {
            Integer s = before.get(e.getKey());
            if (s == null || s.intValue() != e.getValue().intValue()) {
                return false;
            }
        }
        return true;
    }

    /** The walk of one look. */
    private static final class Walk {
        final Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        final Set<TaskContext> live = Collections.newSetFromMap(new IdentityHashMap<>());
        final Set<BlockRun> liveBlocks = Collections.newSetFromMap(new IdentityHashMap<>());
        final Map<Channel, List<TaskContext>> onChannel = new IdentityHashMap<>();
        final Map<BlockRun, List<TaskContext>> awaiting = new IdentityHashMap<>();
        /** Each live block by what a task awaiting its end waits on. */
        final Map<Object, BlockRun> byEnd = new IdentityHashMap<>();
        final ArrayDeque<Object> values = new ArrayDeque<>();
        final ArrayDeque<TaskContext> tasks = new ArrayDeque<>();
        final Scheduler scheduler;
        /** The scheduler's count of exhaustions when the look began: a look that sees it move lets go at once. */
        final int exhaustions;
        boolean blind;

        Walk(Scheduler scheduler) {
            this.scheduler = scheduler;
            this.exhaustions = scheduler.exhaustions();
        }

        void task(TaskContext t) {
            if (t != null && live.add(t)) {
                tasks.add(t);
            }
        }

        void value(Object v) {
            if (v != null && !(v instanceof Long || v instanceof Double || v instanceof String || v instanceof Boolean)
                    && seen.add(v)) {
                values.add(v);
            }
        }

        /** Marks until nothing more is reached. */
        void run() {
            for (int step = 1; !blind && (!tasks.isEmpty() || !values.isEmpty()); step++) {
                if (seen.size() > MAX_WALK || ((step & 255) == 0 && scheduler.exhaustions() != exhaustions)) {
                    blind = true;
                    return;
                }
                TaskContext t = tasks.poll();
                if (t != null) {
                    t.forEachRef(this::value);
                    Unit u = t.unit;
                    if (u != null) {
                        block(u.block); // a unit that may run may let its block end, and its body go on
                    }
                    continue;
                }
                walk(values.poll());
            }
        }

        void block(BlockRun b) {
            if (b != null && liveBlocks.add(b)) {
                List<TaskContext> waiters = awaiting.remove(b);
                if (waiters != null) {
                    waiters.forEach(this::task);
                }
                if (b.body() instanceof TaskContext body) {
                    task(body);
                }
            }
        }

        private void walk(Object v) {
            switch (v) {
                case ListValue l -> {
                    ArrayList<Object> items = l.items;
                    for (int i = 0; i < items.size(); i++) {
                        value(items.get(i));
                    }
                }
                case DictValue d -> {
                    for (Map.Entry<DictValue.Key, Object> e : new ArrayList<>(d.map.entrySet())) {
                        value(e.getKey().value());
                        value(e.getValue());
                    }
                }
                case Closure c -> {
                    for (Box b : c.upvals) {
                        value(b);
                    }
                }
                case Box b -> value(b.ref);
                case Channel c -> {
                    List<TaskContext> waiters = onChannel.remove(c);
                    if (waiters != null) {
                        waiters.forEach(this::task);
                    }
                    if (!c.forEachBuffered(this::value)) {
                        blind = true; // its values cannot be seen: nothing is known to be unreachable
                    }
                }
                case FutureValue f -> {
                    value(f.value());
                    if (f.owner() instanceof BlockRun b) {
                        block(b);
                    }
                }
                case LoopIter it -> value(it.source());
                case BlockRun b -> {
                    value(b.output());
                    value(b.workerSource());
                }
                case Object[] a -> {
                    for (Object x : a) {
                        value(x);
                    }
                }
                default -> {
                    // numbers, ranges, durations, atomics, errors, functions' code: no references to follow
                }
            }
        }
    }

    /**
     * The tasks of {@code run} that nothing can wake, with their run sequences; null when the
     * look could not tell (a value it could not see, a collection changed under it, a program
     * too large).
     */
    private static Map<TaskContext, Integer> find(ProgramRun run) {
        Walk w = new Walk(run.scheduler);
        List<BlockRun> blocks = new ArrayList<>();
        run.liveBlocks.snapshot(blocks, Integer.MAX_VALUE);
        List<TaskContext> candidates = new ArrayList<>();
        Map<TaskContext, Integer> seq = new IdentityHashMap<>();
        List<Fiber> units = new ArrayList<>();
        try {
            for (Entry e : new Entry[] {run.main(), run.current()}) {
                TaskContext t = e == null ? null : e.task();
                if (t != null) {
                    w.task(t); // the top level and the host's call: their variables stay reachable
                }
            }
            for (BlockRun b : blocks) {
                w.byEnd.put(b.completion().label(), b);
            }
            for (BlockRun b : blocks) {
                if (b.body() instanceof TaskContext body) {
                    classify(body, w, candidates, seq);
                }
                units.clear();
                b.liveUnits(units, Integer.MAX_VALUE);
                for (Fiber f : units) {
                    if (f instanceof TaskContext t) {
                        if (b.willWakeUnits()) {
                            w.task(t);
                        } else {
                            classify(t, w, candidates, seq);
                        }
                    }
                }
            }
            if (candidates.isEmpty()) {
                return Map.of(); // nothing waits: no walk
            }
            for (TaskContext t : candidates) {
                if (w.live.contains(t)) {
                    continue;
                }
                Object target = t.waitTarget();
                if (target instanceof Channel c && c.remote() != null) {
                    w.task(t); // another process may feed or drain a remote channel at any time
                } else if (target instanceof Channel c) {
                    w.onChannel.computeIfAbsent(c, k -> new ArrayList<>()).add(t);
                } else if (w.byEnd.get(target) instanceof BlockRun b) {
                    if (w.liveBlocks.contains(b)) {
                        w.task(t);
                    } else {
                        w.awaiting.computeIfAbsent(b, k -> new ArrayList<>()).add(t);
                    }
                } else {
                    w.task(t);
                }
            }
            w.run();
        } catch (RuntimeException raced) {
            return null; // a collection changed while it was read: look again later
        }
        if (w.blind) {
            return null;
        }
        Map<TaskContext, Integer> stuck = new IdentityHashMap<>();
        for (TaskContext t : candidates) {
            if (!w.live.contains(t)) {
                stuck.put(t, seq.get(t));
            }
        }
        return stuck;
    }

    /** A candidate if parked on a channel or on a block's end, else a task that may run. */
    private static void classify(TaskContext t, Walk w, List<TaskContext> candidates, Map<TaskContext, Integer> seq) {
        if (seq.containsKey(t) || w.live.contains(t)) {
            return;
        }
        int s = t.lvRunSeq();
        Fiber.WaitKind kind = t.waitKind();
        boolean parked = (s & 1) == 0 && t.lvState() == Fiber.PARKED && t.lpTrap() == 0;
        if (parked && (kind == Fiber.WaitKind.SEND || kind == Fiber.WaitKind.RECEIVE
                || (kind == Fiber.WaitKind.AWAIT && w.byEnd.containsKey(t.waitTarget())))) {
            seq.put(t, s);
            candidates.add(t);
        } else {
            w.task(t);
        }
    }

    /** What a stuck task waits on, in words. */
    private static String waitOf(TaskContext t) {
        Object target = t.waitTarget();
        if (target instanceof Channel c) {
            return (t.waitKind() == Fiber.WaitKind.SEND ? "sending to channel " : "receiving from channel ") + c.id();
        }
        return "awaiting " + target; // the end of a block
    }

    /** Wakes the stuck receivers with end of stream, or, with none, fails the outermost stuck blocks. */
    private static void act(Set<TaskContext> stuck) {
        boolean woke = false;
        for (TaskContext t : stuck) {
            if (t.waitKind() == Fiber.WaitKind.RECEIVE && t.lvState() == Fiber.PARKED) {
                t.wakeWithEndOfStream();
                woke = true;
            }
        }
        if (woke) {
            return;
        }
        Map<BlockRun, List<TaskContext>> byBlock = new IdentityHashMap<>();
        for (TaskContext t : stuck) {
            if (t.unit != null) {
                byBlock.computeIfAbsent(t.unit.block, k -> new ArrayList<>()).add(t);
            }
        }
        // a stuck block: its body awaits it, stuck, and every unit it has left is stuck
        Set<BlockRun> stuckBlocks = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Fiber> units = new ArrayList<>();
        for (Map.Entry<BlockRun, List<TaskContext>> e : byBlock.entrySet()) {
            BlockRun b = e.getKey();
            units.clear();
            b.liveUnits(units, Integer.MAX_VALUE);
            if (b.body() instanceof TaskContext body && stuck.contains(body) && e.getValue().size() == units.size()
                    && stuck.containsAll(units)) {
                stuckBlocks.add(b);
            }
        }
        for (Map.Entry<BlockRun, List<TaskContext>> e : byBlock.entrySet()) {
            BlockRun b = e.getKey();
            // the outermost stuck blocks raise it: an inner one is cancelled with its outer one
            if (!stuckBlocks.contains(b) || (((TaskContext) b.body()).unit instanceof Unit u && stuckBlocks.contains(u.block))) {
                continue;
            }
            List<TaskContext> tasks = e.getValue();
            tasks.sort(Comparator.comparingLong(Fiber::id));
            StringBuilder sb = new StringBuilder();
            sb.append(tasks.size()).append(tasks.size() == 1 ? " task" : " tasks").append(" of ").append(b.label())
                    .append(tasks.size() == 1 ? " is" : " are").append(" blocked forever: nothing else can reach what ")
                    .append(tasks.size() == 1 ? "it waits" : "they wait").append(" on");
            for (TaskContext t : tasks) {
                sb.append("; ").append(t.unit.describeForDump(t.closure.proto, 60)).append(" at line ").append(t.currentLine())
                        .append(", ").append(waitOf(t));
            }
            b.failDeadlocked(new ErrorValue("PartialDeadlock", sb.toString()));
        }
    }
}
