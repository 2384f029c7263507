package dev.limn.vm;

import dev.limn.block.BlockRun;
import dev.limn.block.ParallelLoop;
import dev.limn.block.RangeChunk;
import dev.limn.sched.Fiber;
import dev.limn.sched.Scheduler;

/**
 * The parallel loop of the VM (SPEC §5.4): serves PARLOOP, which {@code iter(v in e)} (and
 * {@code task(v in e)}) in a {@code parallel} block compiles to.
 *
 * <p>The loop's source is evaluated once: a range, or a snapshot of a list (iterations that
 * push to it do not change what the loop runs over). The loop runs on
 * {@link ParallelLoop}: its chunks are task contexts, units of the block, each running the
 * body closure once per index of its range ({@link TaskContext}'s chunk mode). The block's
 * Stop cancels them like any unit; the block statement waits for them at its end.
 */
final class ParallelOps {
    private ParallelOps() {}

    /** The elements of a parallel loop by index: a range or a list snapshot. */
    interface Elements {
        long count();

        /** The element at {@code index}, boxed (for diagnostics). */
        Object at(long index);

        /** Puts the element at {@code index} in register {@code reg} of {@code t} (per iteration: no boxing for ranges). */
        void place(TaskContext t, int reg, long index);
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

    /** PARLOOP: starts the loop of block {@code block} with closure R[fnReg] over R[fnReg + 1]. */
    static void startLoop(TaskContext t, BlockRun block, int fnReg, String var) {
        if (block.isStopping()) {
            return; // Stop: no new units after the first failure
        }
        Closure fn = (Closure) t.get(fnReg);
        Elements elements = elements(t.get(fnReg + 1));
        Scheduler scheduler = t.scheduler();
        if (block.spec().config().pin()) {
            scheduler.requestPinning();
        }
        ParallelLoop.start(scheduler, elements.count(), block.spec().config().cores(), new ParallelLoop.ChunkFibers() {
            @Override
            public Fiber newFiber(RangeChunk chunk) {
                // Runs on the splitting chunk's carrier (or the block's, for the first chunk):
                // that fiber's random generator is confined to this thread.
                TaskContext from = chunk.splitFrom() instanceof TaskContext splitter ? splitter : t;
                TaskContext unit = new TaskContext(t.run, fn, new Object[] {null}, from.random.split(), block,
                        block.nextUnitNumber(), false, var, null, false);
                unit.runsChunk(chunk, elements);
                ConcOps.holdCapturedCells(unit, fn);
                block.unitStarted(unit);
                return unit;
            }

            @Override
            public void spawn(Scheduler s, Fiber fiber) {
                t.run.spawn((TaskContext) fiber);
            }
        }, false);
    }

    private static Elements elements(Object source) {
        if (source instanceof RangeValue r) {
            return new RangeElements(r.from(), r.length());
        }
        if (source instanceof ListValue l) {
            Object[] items;
            synchronized (l) { // lists shared between tasks: a snapshot is one operation
                items = l.items().toArray();
            }
            return new ListElements(items);
        }
        throw LimnError.typeMismatch("a parallel loop runs over a range or a list, got " + Values.typeName(source));
    }
}
