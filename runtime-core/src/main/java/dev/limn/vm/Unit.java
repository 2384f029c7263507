package dev.limn.vm;

import dev.limn.block.BlockRun;
import dev.limn.block.RangeChunk;
import dev.limn.sched.Carrier;
import dev.limn.value.FutureValue;

/**
 * A task as a unit of its block (SPEC §6.2): the one home of what the block, error strategies
 * and diagnostics know of it. The main task is no unit; every other {@link TaskContext} has one.
 *
 * <ul>
 *   <li>its block and its kind: a task, a worker, an async call (which completes a future
 *       instead of reporting to its block), or a chunk running many units in one task context
 *       (a parallel loop's chunk, or a task family's chunk whose elements are tasks);</li>
 *   <li>its number in the block, its variable and current item, for diagnostics
 *       ({@code task 3 (i = 3) of concurrent block at f.lm:2:1});</li>
 *   <li>its attempt (on_error=Retry) and whether it holds one of the block's {@code cores}
 *       permits;</li>
 *   <li>for a chunk: the range it runs, its position and the counts not yet reported.</li>
 * </ul>
 * Written only by the carrier running the task; other threads read it only for diagnostics.
 */
final class Unit {
    enum Kind { TASK, WORKER, ASYNC_CALL, LOOP_CHUNK, FAMILY_CHUNK }

    final BlockRun block;
    final Kind kind;
    /** The unit's number in its block; for a family chunk, the number of the task at index 0. */
    private final int number;
    /** The name of the unit's variable ({@code task(i in e)}, {@code worker(x from c)}), or null. */
    private final String variable;
    private Object item;
    private boolean hasItem;
    /** SPEC §6.2: which run of the current unit this is (1 = first; on_error=Retry counts up). */
    int attempt = 1;
    /** A task of a block with {@code cores=N} holds one of the block's permits until it ends. */
    boolean heldPermit;
    /** SPEC §7: the future an async call completes, else null. */
    final FutureValue future;
    /** A chunk's range and position, else null. */
    final Chunk chunk;

    private Unit(BlockRun block, Kind kind, int number, String variable, FutureValue future, Chunk chunk) {
        this.block = block;
        this.kind = kind;
        this.number = number;
        this.variable = variable;
        this.future = future;
        this.chunk = chunk;
    }

    /** A task without an item ({@code task { ... }}). */
    static Unit task(BlockRun block, int number) {
        return new Unit(block, Kind.TASK, number, null, null, null);
    }

    /** A task of {@code task(variable in e)}, for the element {@code item}. */
    static Unit task(BlockRun block, int number, String variable, Object item) {
        Unit u = new Unit(block, Kind.TASK, number, variable, null, null);
        u.item = item;
        u.hasItem = true;
        return u;
    }

    /** A worker instance of {@code worker(variable from c)}; its items come as it receives them ({@link #item}). */
    static Unit worker(BlockRun block, int number, String variable) {
        return new Unit(block, Kind.WORKER, number, variable, null, null);
    }

    /** A call of an async function in the scope {@code block}, completing {@code future}. */
    static Unit asyncCall(BlockRun block, int number, FutureValue future) {
        return new Unit(block, Kind.ASYNC_CALL, number, null, future, null);
    }

    /** A chunk of a parallel loop: every iteration of {@code range} is a unit of its own. */
    static Unit loopChunk(BlockRun block, int number, String variable, RangeChunk range, ParallelLoops.Elements elements) {
        return new Unit(block, Kind.LOOP_CHUNK, number, variable, null, new Chunk(range, elements, 0));
    }

    /**
     * A chunk of a concurrent block's task family ({@code task(v in e)}): element {@code i} is
     * task {@code firstNumber + i}, with a random generator derived from {@code seed} and i.
     */
    static Unit familyChunk(BlockRun block, int firstNumber, String variable, RangeChunk range,
                            ParallelLoops.Elements elements, long seed) {
        return new Unit(block, Kind.FAMILY_CHUNK, firstNumber, variable, null, new Chunk(range, elements, seed));
    }

    /** Whether this is a task family's chunk: the block's tasks it runs are counted one by one. */
    boolean runsFamily() {
        return kind == Kind.FAMILY_CHUNK;
    }

    /** The number of the unit running now: in a task family, the number of the chunk's current task. */
    int number() {
        return kind == Kind.FAMILY_CHUNK ? number + (int) Math.max(chunk.index, 0) : number;
    }

    /** A worker's next item: a new unit for SPEC §6.2 (attempts count per unit). */
    void item(Object v) {
        item = v;
        hasItem = true;
        attempt = 1;
    }

    /** "task 3" or "worker 2", as deadlock diagnostics name it. */
    String shortName() {
        return (kind == Kind.WORKER ? "worker " : "task ") + number();
    }

    /** E.g. {@code task 3 (i = 3) of concurrent block at f.lm:2:1}; {@code function} names an async call. */
    String description(Proto function) {
        return description(function, Integer.MAX_VALUE);
    }

    /**
     * As {@link #description(Proto)}, read from another thread (a task dump): the item's form
     * is bounded ({@link Values#reprBounded}); a running chunk's item is the one at its index
     * when read, which may be a step behind.
     */
    String describeForDump(Proto function, int maxItem) {
        return description(function, maxItem);
    }

    private String description(Proto function, int maxItem) {
        if (kind == Kind.ASYNC_CALL) {
            return "async call " + number() + " of fn " + function.displayName() + " in " + block.label();
        }
        StringBuilder sb = new StringBuilder(shortName());
        if (chunk != null && chunk.index >= 0 && variable != null) {
            // a chunk's current item is found from its index only when a diagnostic needs it
            sb.append(" (").append(variable).append(" = ").append(itemForm(chunkItem(), maxItem)).append(')');
        } else if (hasItem && variable != null) {
            sb.append(" (").append(variable).append(" = ").append(itemForm(item, maxItem)).append(')');
        }
        return sb.append(" of ").append(block.label()).toString();
    }

    private Object chunkItem() {
        return chunk.elements.at(chunk.index);
    }

    private static String itemForm(Object v, int maxItem) {
        return maxItem == Integer.MAX_VALUE ? Values.repr(v) : Values.reprBounded(v, maxItem);
    }

    /** Who owns a variable this unit created, for a message read from another task: no item, no number. */
    String owner() {
        return (kind == Kind.WORKER ? "a worker of " : "a task of ") + block.label();
    }

    /** What a chunk knows of its range. */
    static final class Chunk {
        final RangeChunk range;
        final ParallelLoops.Elements elements;
        /** A task family's seed of its tasks' random generators. */
        final long seed;
        /** The carrier running the chunk now (set at the start of every run). */
        Carrier carrier;
        /** The index of the running (or last) iteration, -1 before the first. */
        long index = -1;
        /** Family tasks started since the last flush. */
        long tasksStarted;

        Chunk(RangeChunk range, ParallelLoops.Elements elements, long seed) {
            this.range = range;
            this.elements = elements;
            this.seed = seed;
        }
    }
}
