package dev.limn.vm;

import dev.limn.block.BlockRun;
import dev.limn.chan.Channel;
import dev.limn.sched.Fiber;
import dev.limn.sched.Timer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * A dump of every live task of an engine's programs, read from another thread while they run
 * ({@code limn run} on SIGUSR1, {@code LimnRuntime.taskDump}): each task's id, description,
 * state and what it waits on, its Limn call stack, and the tree of blocks it belongs to.
 *
 * <h2>Where the tasks are found</h2>
 * Each run's entries (its top level, a host's latest call) give the tasks that are no unit;
 * the run's {@link dev.limn.block.LiveBlocks} give its blocks not yet complete, and each block
 * its live units. A task is therefore found without any per-task registry: a block records the
 * task running its body, which makes the tree (entry task, its blocks, their units, their
 * blocks...). A block whose starter has ended (it failed, and its units wind down) is a root
 * of its own.
 *
 * <h2>What is exact</h2>
 * A task that is parked or runnable is not running: its state, what it waits on and its stack
 * are exact (read after the volatile state that its carrier stored once it had left the
 * task; the stack is checked by the task's sequence lock, see {@link TaskContext#readStack}).
 * A running task is shown as running, with a stack read by plain reads while it runs: a
 * best effort, marked as such, that may be stale or miss a frame, but never raises (every
 * index is checked against the array read). A task that starts or ends while the dump is
 * taken may be missing or shown twice over its life; the counts are each read once.
 *
 * <h2>Bounds</h2>
 * At most {@link #MAX_TASKS} tasks, {@link #MAX_BLOCKS} blocks and {@link #MAX_FRAMES} frames
 * per task are shown (the counts of the rest are given), an item's form is cut at
 * {@link #MAX_ITEM} characters and no list or dict is walked: a dump allocates in proportion
 * to what it shows, whatever the program holds. It takes each block's unit lock and each
 * stripe lock of the live blocks once, briefly, and nothing else that the program waits on.
 */
public final class TaskDump {
    static final int MAX_TASKS = 1000;
    static final int MAX_BLOCKS = 1000;
    static final int MAX_FRAMES = 32;
    static final int MAX_ITEM = 40;
    /** Deeper nesting is drawn at this indentation, so a deep tree does not draw quadratic text. */
    private static final int MAX_INDENT = 32;

    /** A task's call stack as read: the innermost {@link #MAX_FRAMES} frames, and how many there are. */
    static final class Stack {
        final Proto[] protos = new Proto[MAX_FRAMES];
        final int[] pcs = new int[MAX_FRAMES];
        int shown;
        int total;

        void clear() {
            shown = 0;
            total = 0;
        }

        void add(Proto p, int pc) {
            if (shown < protos.length) {
                protos[shown] = p;
                pcs[shown] = pc;
                shown++;
            }
            total++;
        }
    }

    /** One frame of a stack: the function, and the file and line of the instruction it is at. */
    record Frame(String function, String file, int line) {}

    /**
     * What a parked task waits on: {@code kind} is receive, send, permit, sleep, await,
     * hostCall or parked; {@code channel} the channel's id (receive, send), else -1;
     * {@code remainingNanos} the time left of a sleep, else -1; {@code function} a host call's.
     */
    record Wait(String kind, String text, long channel, long remainingNanos, String function) {}

    static final class TaskInfo {
        long id;
        String description;
        String state;
        Wait wait;
        final List<Frame> stack = new ArrayList<>();
        int frames;
        boolean stackExact;
        BlockInfo block;
        final List<BlockInfo> started = new ArrayList<>();
        /** How deep in the tree it is drawn (0: a root). */
        int depth;
    }

    static final class BlockInfo {
        final BlockRun run;
        int number;
        String label;
        /** The id of the task running the block's body, or -1. */
        long startedBy = -1;
        TaskInfo body;
        int liveUnits;
        final List<TaskInfo> units = new ArrayList<>();
        boolean visited;
        int depth;

        BlockInfo(BlockRun run) {
            this.run = run;
        }
    }

    private final List<TaskInfo> tasks = new ArrayList<>();
    private final List<BlockInfo> blocks = new ArrayList<>();
    private final List<TaskInfo> roots = new ArrayList<>();
    /** The tree in drawing order, depth first: TaskInfos and BlockInfos. */
    private final List<Object> tree = new ArrayList<>();
    private final IdentityHashMap<Object, TaskInfo> byTask = new IdentityHashMap<>();
    private final Stack stack = new Stack();
    private long liveTasks;
    private long liveBlocks;

    private TaskDump() {}

    /** The dump of {@code engine}'s tasks as text, one line per task and per frame; never throws. */
    public static String text(Engine engine) {
        try {
            return of(engine).text();
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            return FAILED_TEXT;
        }
    }

    /** The dump of {@code engine}'s tasks as JSON (see docs/embedding.md); never throws. */
    public static String json(Engine engine) {
        try {
            return of(engine).json();
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            return FAILED_JSON;
        }
    }

    private static final String FAILED_TEXT = "Limn task dump: could not be taken\n";
    private static final String FAILED_JSON = "{\"error\":\"the task dump could not be taken\",\"tasks\":[],\"blocks\":[]}";

    /** Reads the tasks of every program run on {@code engine} now. */
    static TaskDump of(Engine engine) {
        TaskDump d = new TaskDump();
        for (ProgramRun run : engine.runs()) {
            d.read(run);
        }
        d.order();
        return d;
    }

    private void read(ProgramRun run) {
        Entry main = run.main();
        Entry current = run.current();
        entry(main);
        if (current != main) {
            entry(current);
        }
        List<BlockRun> live = new ArrayList<>();
        liveBlocks += run.liveBlocks.snapshot(live, MAX_BLOCKS - blocks.size());
        List<Fiber> units = new ArrayList<>();
        for (BlockRun b : live) {
            BlockInfo bi = new BlockInfo(b);
            bi.label = b.label();
            blocks.add(bi);
            units.clear();
            bi.liveUnits = b.liveUnits(units, Math.max(0, MAX_TASKS - tasks.size()));
            liveTasks += bi.liveUnits;
            units.sort(Comparator.comparingLong(Fiber::id));
            for (Fiber f : units) {
                TaskInfo ti = task(f);
                if (ti != null) {
                    ti.block = bi;
                    bi.units.add(ti);
                }
            }
        }
        for (BlockInfo bi : blocks) {
            Fiber body = bi.run.body();
            if (body != null && bi.body == null) {
                bi.startedBy = body.id();
                TaskInfo owner = byTask.get(body);
                if (owner != null) {
                    bi.body = owner;
                    owner.started.add(bi);
                }
            }
        }
    }

    /** Adds the task of {@code e}, if it has one that has not ended. */
    private void entry(Entry e) {
        if (e == null) {
            return;
        }
        TaskContext t = e.task();
        if (t == null || t.status >= 0 || t.isClosed() || byTask.containsKey(t)) {
            return;
        }
        liveTasks++;
        TaskInfo ti = task(t);
        if (ti != null) {
            roots.add(ti);
        }
    }

    /** A new TaskInfo for {@code f}, or null when {@link #MAX_TASKS} are shown already or it is known. */
    private TaskInfo task(Fiber f) {
        if (tasks.size() >= MAX_TASKS || byTask.containsKey(f)) {
            return null;
        }
        TaskInfo ti = new TaskInfo();
        ti.id = f.id();
        try {
            describe(f, ti);
        } catch (RuntimeException raced) {
            // a value read while the task changed it: what was read so far stands
            if (ti.description == null) {
                ti.description = f.toString();
            }
            if (ti.state == null) {
                ti.state = "unknown";
            }
        }
        tasks.add(ti);
        byTask.put(f, ti);
        return ti;
    }

    private void describe(Fiber f, TaskInfo ti) {
        TaskContext t = f instanceof TaskContext c ? c : null;
        int state = f.lvState();
        boolean running = state == Fiber.RUNNING || state == Fiber.RUNNING_NOTIFIED || (t != null && t.runningNow());
        if (running) {
            ti.state = "running";
        } else if (state == Fiber.RUNNABLE) {
            ti.state = "runnable";
        } else if (state == Fiber.DONE) {
            ti.state = "ending";
        } else {
            ti.wait = waitOf(f, t);
            ti.state = switch (ti.wait.kind()) {
                case "receive", "send", "permit" -> "blocked";
                case "sleep" -> "sleeping";
                case "await" -> "awaiting";
                case "hostCall" -> "host call";
                default -> "parked";
            };
        }
        if (t == null) {
            ti.description = f.toString();
            return;
        }
        ti.description = t.unit == null ? t.description() : t.unit.describeForDump(t.closure.proto, MAX_ITEM);
        ti.stackExact = t.readStack(stack);
        for (int k = 0; k < stack.shown; k++) {
            ti.stack.add(frame(stack.protos[k], stack.pcs[k]));
        }
        ti.frames = stack.total;
    }

    private static Frame frame(Proto p, int pc) {
        int[] lines = p.lines;
        int line = lines.length == 0 ? 0 : lines[Math.max(0, Math.min(pc, lines.length - 1))];
        return new Frame(p.displayName(), p.source == null ? "" : p.source.name(), line);
    }

    /** What the parked fiber {@code f} waits on (read after its PARKED state, which its carrier stored after writing it). */
    private static Wait waitOf(Fiber f, TaskContext t) {
        Fiber.WaitKind kind = f.waitKind();
        Object target = f.waitTarget();
        return switch (kind) {
            case RECEIVE, SEND -> {
                String verb = kind == Fiber.WaitKind.RECEIVE ? "receive" : "send";
                long id = target instanceof Channel c ? c.id() : -1;
                yield new Wait(verb, (kind == Fiber.WaitKind.RECEIVE ? "receive from channel " : "send to channel ") + id,
                        id, -1, null);
            }
            case PERMIT -> new Wait("permit", "a permit of " + target, -1, -1, null);
            case SLEEP -> {
                Timer timer = t == null ? null : t.sleepTimer;
                if (timer == null || f.scheduler() == null) {
                    yield new Wait("sleep", "a timer", -1, -1, null);
                }
                long left = Math.max(0, timer.deadline() - f.scheduler().nanoTime());
                yield new Wait("sleep", "wakes in " + seconds(left) + " s", -1, left, null);
            }
            case AWAIT -> new Wait("await", target == null ? "a future" : target.toString(), -1, -1, null);
            case HOST_CALL -> {
                String name = target instanceof HostFn h ? h.name : null;
                yield new Wait("hostCall", name == null ? "a host function" : name, -1, -1, name);
            }
            case NONE -> new Wait("parked", "nothing recorded", -1, -1, null);
        };
    }

    private static String seconds(long nanos) {
        long millis = nanos / 1_000_000L;
        return millis / 1000 + "." + String.format("%03d", millis % 1000);
    }

    /**
     * Numbers the blocks and orders the tasks as the tree is drawn: each entry's task, the
     * blocks it started, their units, theirs...; then the blocks whose starter is not shown.
     */
    private void order() {
        List<TaskInfo> ordered = new ArrayList<>(tasks.size());
        List<BlockInfo> numbered = new ArrayList<>(blocks.size());
        for (TaskInfo root : roots) {
            visit(root, 0, ordered, numbered);
        }
        for (BlockInfo b : blocks) {
            if (!b.visited) {
                visit(b, 0, ordered, numbered);
            }
        }
        tasks.clear();
        tasks.addAll(ordered);
        blocks.clear();
        blocks.addAll(numbered);
    }

    private void visit(TaskInfo t, int depth, List<TaskInfo> ordered, List<BlockInfo> numbered) {
        t.depth = depth;
        ordered.add(t);
        tree.add(t);
        for (BlockInfo b : t.started) {
            if (!b.visited) {
                visit(b, depth + 1, ordered, numbered);
            }
        }
    }

    private void visit(BlockInfo b, int depth, List<TaskInfo> ordered, List<BlockInfo> numbered) {
        b.visited = true;
        b.depth = depth;
        b.number = numbered.size() + 1;
        numbered.add(b);
        tree.add(b);
        for (TaskInfo u : b.units) {
            visit(u, depth + 1, ordered, numbered);
        }
    }

    // ------------------------------------------------------------------ text

    /** The dump as text: a header line, then the tree, each task followed by its frames. */
    String text() {
        StringBuilder sb = new StringBuilder(256 + 128 * tasks.size());
        sb.append("Limn task dump: ").append(liveTasks).append(liveTasks == 1 ? " live task, " : " live tasks, ")
                .append(liveBlocks).append(liveBlocks == 1 ? " live block" : " live blocks");
        if (tasks.size() < liveTasks || blocks.size() < liveBlocks) {
            sb.append(" (").append(tasks.size()).append(" tasks and ").append(blocks.size()).append(" blocks shown)");
        }
        sb.append('\n');
        for (Object node : tree) {
            if (node instanceof TaskInfo t) {
                task(sb, t);
            } else {
                block(sb, (BlockInfo) node);
            }
        }
        return sb.toString();
    }

    private static void block(StringBuilder sb, BlockInfo b) {
        indent(sb, b.depth);
        sb.append("block ").append(b.number).append(": ").append(b.label).append(", ").append(b.liveUnits)
                .append(b.liveUnits == 1 ? " live unit" : " live units");
        if (b.body == null && b.startedBy >= 0) {
            sb.append(", started by #").append(b.startedBy).append(" (not live)");
        }
        sb.append('\n');
    }

    private static void task(StringBuilder sb, TaskInfo t) {
        indent(sb, t.depth);
        sb.append('#').append(t.id).append(' ').append(t.description).append(": ").append(t.state);
        if (t.wait != null) {
            sb.append(": ").append(t.wait.text());
        }
        if (!t.stackExact && !t.stack.isEmpty()) {
            sb.append(" (stack read while it ran: it may be stale)");
        }
        sb.append('\n');
        for (Frame f : t.stack) {
            indent(sb, t.depth + 2);
            sb.append("at ").append(f.function()).append(" (").append(f.file()).append(':').append(f.line()).append(")\n");
        }
        if (t.frames > t.stack.size()) {
            indent(sb, t.depth + 2);
            sb.append("... ").append(t.frames - t.stack.size()).append(" more frames\n");
        }
    }

    private static void indent(StringBuilder sb, int depth) {
        sb.repeat("  ", Math.max(0, Math.min(depth, MAX_INDENT)));
    }

    // ------------------------------------------------------------------ JSON

    /**
     * The dump as one JSON object: {@code liveTasks}, {@code liveBlocks}, {@code tasks} (id,
     * description, state, waitingOn, stack of {function, file, line}, frames, stackExact, block)
     * and {@code blocks} (id, label, startedBy, parent, liveUnits), in the order of the tree.
     */
    String json() {
        StringBuilder sb = new StringBuilder(256 + 256 * tasks.size());
        sb.append("{\"liveTasks\":").append(liveTasks).append(",\"liveBlocks\":").append(liveBlocks).append(",\"tasks\":[");
        for (int i = 0; i < tasks.size(); i++) {
            TaskInfo t = tasks.get(i);
            sb.append(i == 0 ? "{" : ",{");
            sb.append("\"id\":").append(t.id);
            sb.append(",\"description\":");
            Json.string(sb, t.description);
            sb.append(",\"state\":");
            Json.string(sb, t.state);
            sb.append(",\"waitingOn\":");
            if (t.wait == null) {
                sb.append("null");
            } else {
                sb.append("{\"kind\":");
                Json.string(sb, t.wait.kind());
                sb.append(",\"text\":");
                Json.string(sb, t.wait.text());
                if (t.wait.channel() >= 0) {
                    sb.append(",\"channel\":").append(t.wait.channel());
                }
                if (t.wait.remainingNanos() >= 0) {
                    sb.append(",\"remainingMillis\":").append(t.wait.remainingNanos() / 1_000_000L);
                }
                if (t.wait.function() != null) {
                    sb.append(",\"function\":");
                    Json.string(sb, t.wait.function());
                }
                sb.append('}');
            }
            sb.append(",\"stack\":[");
            for (int k = 0; k < t.stack.size(); k++) {
                Frame f = t.stack.get(k);
                sb.append(k == 0 ? "{" : ",{").append("\"function\":");
                Json.string(sb, f.function());
                sb.append(",\"file\":");
                Json.string(sb, f.file());
                sb.append(",\"line\":").append(f.line()).append('}');
            }
            sb.append("],\"frames\":").append(t.frames);
            sb.append(",\"stackExact\":").append(t.stackExact);
            sb.append(",\"block\":");
            if (t.block == null) {
                sb.append("null");
            } else {
                sb.append(t.block.number);
            }
            sb.append('}');
        }
        sb.append("],\"blocks\":[");
        for (int i = 0; i < blocks.size(); i++) {
            BlockInfo b = blocks.get(i);
            sb.append(i == 0 ? "{" : ",{");
            sb.append("\"id\":").append(b.number).append(",\"label\":");
            Json.string(sb, b.label);
            sb.append(",\"startedBy\":");
            if (b.startedBy >= 0) {
                sb.append(b.startedBy);
            } else {
                sb.append("null");
            }
            sb.append(",\"parent\":");
            if (b.body != null && b.body.block != null) {
                sb.append(b.body.block.number);
            } else {
                sb.append("null");
            }
            sb.append(",\"liveUnits\":").append(b.liveUnits).append('}');
        }
        return sb.append("]}").toString();
    }
}
