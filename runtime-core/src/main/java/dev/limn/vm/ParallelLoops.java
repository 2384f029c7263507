package dev.limn.vm;

import static dev.limn.vm.Instr.a;
import static dev.limn.vm.Instr.b;
import static dev.limn.vm.Instr.c;
import static dev.limn.vm.Instr.k;
import static dev.limn.vm.Instr.sc;

import dev.limn.block.BlockRun;
import dev.limn.block.ParallelLoop;
import dev.limn.block.RangeChunk;
import dev.limn.sched.Fiber;
import dev.limn.sched.Scheduler;
import dev.limn.value.LimnError;
import dev.limn.vm.Opcode.Op;

/**
 * The parallel loops of the VM (SPEC §5.4): serves PARLOOP, which {@code iter(v in e)} (and
 * {@code task(v in e)}) in a {@code parallel} block compiles to, PARNEXT, the step of a
 * chunk's loop, and TASKLOOP, which starts the tasks {@code task(v in e)} of a concurrent
 * block as a task family.
 *
 * <p>The loop's source is evaluated once: a range, or a snapshot of a list (iterations that
 * push to it do not change what the loop runs over). The loop runs on
 * {@link ParallelLoop}: its chunks are task contexts, units of the block, each running the
 * loop over its chunk: the body as the compiler emits it for a parallel loop, which loops
 * itself (PARNEXT at its top: the split and stop tests, the element into its registers; the
 * body inline, no call per iteration), or, for any other closure, {@link #driver}, which
 * asks the chunk for its next element and calls the closure with it. The block's
 * Stop cancels them like any unit; the block statement waits for them at its end.
 */
final class ParallelLoops {
    private ParallelLoops() {}

    /** The elements of a parallel loop or task family by index: a range or a list snapshot. */
    interface Elements {
        long count();

        /** The element at {@code index}, boxed (for diagnostics). */
        Object at(long index);

        /** Puts the element at {@code index} in register {@code reg} of {@code t} (per iteration: no boxing for ranges). */
        void place(TaskContext t, int reg, long index);
    }

    /** Executes one of this class's opcodes; returns the next pc. */
    static int exec(TaskContext t, long i, int pc) {
        int base = t.base;
        int ra = base + a(i);
        switch (Instr.op(i)) {
            case Op.PARLOOP -> {
                Waiting.safepoint(t);
                startLoop(t, (BlockRun) t.refs[ra], base + b(i), (String) t.closure.proto.kRef[c(i)], k(i) != 0);
            }
            case Op.TASKLOOP -> {
                Waiting.safepoint(t);
                int fnReg = base + b(i);
                boolean started = startFamily(t, (BlockRun) t.refs[ra], fnReg, (String) t.closure.proto.kRef[c(i)]);
                t.set(fnReg + 2, started);
            }
            case Op.PARNEXT -> {
                if (!t.nextChunkElement(ra)) {
                    return pc + sc(i);
                }
            }
            default -> throw new IllegalStateException("no handler for opcode " + Opcode.of(Instr.op(i)));
        }
        return pc;
    }

    private record RangeElements(long from, long count) implements Elements {
        @Override
        public Object at(long index) {
            return from + index;
        }

        @Override
        public void place(TaskContext t, int reg, long index) {
            t.setInt(reg, from + index);
        }
    }

    private record ListElements(Object[] items) implements Elements {
        @Override
        public long count() {
            return items.length;
        }

        @Override
        public Object at(long index) {
            return items[(int) index];
        }

        @Override
        public void place(TaskContext t, int reg, long index) {
            t.set(reg, items[(int) index]);
        }
    }

    /**
     * The elements of a two-variable loop, {@code iter(k, v in e)}: the first variable gets
     * {@code keys}' element, the second {@code values}' (same index); diagnostics name the key.
     */
    private record PairElements(Elements keys, Elements values) implements Elements {
        @Override
        public long count() {
            return values.count();
        }

        @Override
        public Object at(long index) {
            return keys.at(index);
        }

        @Override
        public void place(TaskContext t, int reg, long index) {
            keys.place(t, reg, index);
            values.place(t, reg + 1, index);
        }
    }

    /**
     * PARLOOP: starts the loop of block {@code block} with closure R[fnReg] over R[fnReg + 1];
     * with {@code pair} the closure takes two variables (key or index, then value).
     */
    static void startLoop(TaskContext t, BlockRun block, int fnReg, String var, boolean pair) {
        if (block.isStopping()) {
            return; // Stop: no new units after the first failure
        }
        Closure fn = (Closure) t.get(fnReg);
        Elements elements = pair ? pairElements(t.get(fnReg + 1)) : elements(t.get(fnReg + 1));
        // a body compiled as the chunk's own loop runs as is; any other closure is called by the driver
        boolean loops = Instr.op(fn.proto.code[0]) == Opcode.Op.PARNEXT;
        Closure driver = loops ? fn : new Closure(driver(fn.proto), new Box[0]);
        Object[] args = loops ? new Object[0] : new Object[] {fn};
        Scheduler scheduler = t.scheduler();
        if (block.spec().config().pin()) {
            scheduler.requestPinning();
        }
        int outer = t.startDepth(); // read here: the chunks are made on other carriers while t runs on
        ParallelLoop.start(scheduler, t.run.parallelStats, elements.count(), block.spec().config().cores(), new ParallelLoop.ChunkFibers() {
            @Override
            public Fiber newFiber(RangeChunk chunk) {
                // Runs on the splitting chunk's carrier (or the block's, for the first chunk):
                // that fiber's random generator is confined to this thread.
                TaskContext from = chunk.splitFrom() instanceof TaskContext splitter ? splitter : t;
                TaskContext unit = new TaskContext(t.run, outer, driver, args, from.random().split(),
                        Unit.loopChunk(block, block.nextUnitNumber(), var, chunk, elements));
                Units.register(block, unit, fn);
                return unit;
            }

            @Override
            public void spawn(Scheduler s, Fiber fiber) {
                t.run.spawn((TaskContext) fiber);
            }
        }, false);
    }

    /**
     * TASKLOOP: starts the tasks {@code task(v in e)} of concurrent block {@code block} as a
     * task family: closure R[fnReg] over the range or list R[fnReg + 1] (a list is snapshotted,
     * as a sequential {@code iter} would see it when it starts). The tasks are numbered in
     * order, one number each, and run in chunk tasks on every carrier (the driver loop of
     * {@link #driver}): a task that completes without waiting costs a call of the body, not a
     * task context and a queue entry; a task that suspends keeps its chunk task and the rest of
     * the chunk moves on in a new one ({@link RangeChunk#detachRest}), so no task ever waits
     * behind another. Blocks with {@code cores=N} (permits per task) and other sources take
     * the one-task-per-SPAWN path instead.
     *
     * @return false if this loop must be run as a loop of SPAWNs (the caller's fallback)
     */
    static boolean startFamily(TaskContext t, BlockRun block, int fnReg, String var) {
        if (block.limitsTasks()) {
            return false;
        }
        Object source = t.get(fnReg + 1);
        if (!(source instanceof RangeValue) && !(source instanceof ListValue)) {
            return false;
        }
        if (block.isStopping()) {
            return true; // Stop: no new units after the first failure
        }
        Closure fn = (Closure) t.get(fnReg);
        Elements elements = elements(source);
        long count = elements.count();
        if (count == 0) {
            return true;
        }
        if (count > Integer.MAX_VALUE / 2) {
            // a range of 2^63 elements or more is counted as Long.MAX_VALUE (RangeValue.lengthAtMostMax)
            throw new LimnError("Error", "a concurrent block starts at most " + Integer.MAX_VALUE / 2
                    + " tasks at once, got " + (count == Long.MAX_VALUE ? "more than " + (Long.MAX_VALUE - 1) : count));
        }
        int firstNumber = block.reserveUnitNumbers((int) count);
        long seed = t.random().nextLong();
        Closure driver = new Closure(driver(fn.proto), new Box[0]);
        int outer = t.startDepth(); // read here: the chunks are made on other carriers while t runs on
        ParallelLoop.startFamily(t.scheduler(), t.run.parallelStats, count, new ParallelLoop.ChunkFibers() {
            @Override
            public Fiber newFiber(RangeChunk chunk) {
                TaskContext unit = new TaskContext(t.run, outer, driver, new Object[] {fn}, null,
                        Unit.familyChunk(block, firstNumber, var, chunk, elements, seed));
                Units.register(block, unit, fn);
                return unit;
            }

            @Override
            public void spawn(Scheduler s, Fiber fiber) {
                t.run.spawn((TaskContext) fiber);
            }
        });
        return true;
    }

    /**
     * The loop a chunk task runs, in one run of the interpreter (so the body's hot loops are
     * compiled the way a sequential loop's are, instead of the interpreter being entered
     * afresh for every iteration); R[0] is the body closure:
     * <pre>
     *   0  PARNEXT r2 +3     r2 := next element of the chunk; chunk over: to 4
     *   1  MOVE    r1 r0
     *   2  CALL    r1 1      r1 := body(r2)
     *   3  JMP     -4        back-edge: time slices, cancellation
     *   4  RETNIL
     * </pre>
     */
    static Proto driver(Proto body) {
        boolean pair = body.numParams == 2; // iter(k, v in e): PARNEXT fills r2 and r3
        long[] code = {
                Instr.make(Opcode.PARNEXT, 2, 0, 3, pair),
                Instr.make(Opcode.MOVE, 1, 0, 0),
                Instr.make(Opcode.CALL, 1, pair ? 2 : 1, 0),
                Instr.make(Opcode.JMP, 0, 0, -4),
                Instr.make(Opcode.RETNIL, 0, 0, 0),
        };
        // every instruction is placed at the body: an error of the driver's own (the CALL's
        // StackOverflow) points at the body it could not enter
        int[] lines = new int[code.length];
        int[] cols = new int[code.length];
        int[] lens = new int[code.length];
        if (body.span != null) {
            java.util.Arrays.fill(lines, body.span.line());
            java.util.Arrays.fill(cols, body.span.col());
            java.util.Arrays.fill(lens, body.span.length());
        }
        return new Proto.Builder("parallel chunk").source(body.source, body.span).params(1, 1).registers(pair ? 4 : 3)
                .code(code).positions(lines, cols, lens).build();
    }

    private static Elements elements(Object source) {
        if (source instanceof RangeValue r) {
            return new RangeElements(r.from(), r.lengthAtMostMax());
        }
        if (source instanceof ListValue l) {
            Object[] items;
            synchronized (l) { // lists shared between tasks: a snapshot is one operation
                items = l.items().toArray();
            }
            return new ListElements(items);
        }
        if (source instanceof DictValue d) {
            return new ListElements(dictSnapshot(d)[0]); // one variable: the keys, as a sequential iter
        }
        if (source instanceof String s) {
            return new ListElements(characters(s, null));
        }
        throw LimnError.typeMismatch("a parallel loop runs over a range, a list, a dict or a string, got "
                + Values.typeName(source));
    }

    /**
     * The elements of {@code iter(k, v in e)}: what a sequential two-variable iter binds — a
     * dict's key and value (a snapshot of its entries, taken under its lock: lists and dicts
     * shared between tasks are safe for single operations), a list's or range's index and
     * element, a string's index and one-character string.
     */
    private static Elements pairElements(Object source) {
        if (source instanceof DictValue d) {
            Object[][] entries = dictSnapshot(d);
            return new PairElements(new ListElements(entries[0]), new ListElements(entries[1]));
        }
        if (source instanceof String s) {
            java.util.ArrayList<Object> indices = new java.util.ArrayList<>();
            Object[] chars = characters(s, indices);
            return new PairElements(new ListElements(indices.toArray()), new ListElements(chars));
        }
        Elements values = elements(source);
        return new PairElements(new RangeElements(0, values.count()), values);
    }

    /** The keys and the values of {@code d}, one snapshot of its entries. */
    private static Object[][] dictSnapshot(DictValue d) {
        Object[] keys;
        Object[] values;
        synchronized (d) {
            keys = new Object[d.map.size()];
            values = new Object[keys.length];
            int n = 0;
            for (java.util.Map.Entry<DictValue.Key, Object> e : d.map.entrySet()) {
                keys[n] = e.getKey().value();
                values[n++] = e.getValue();
            }
        }
        return new Object[][] {keys, values};
    }

    /** The one-character strings of {@code s} (by code point, as a sequential iter); their indices into {@code indices} if not null. */
    private static Object[] characters(String s, java.util.List<Object> indices) {
        java.util.ArrayList<Object> chars = new java.util.ArrayList<>();
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (indices != null) {
                indices.add((long) i);
            }
            chars.add(new String(Character.toChars(cp)));
            i += Character.charCount(cp);
        }
        return chars.toArray();
    }
}
