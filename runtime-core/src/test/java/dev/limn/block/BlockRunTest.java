package dev.limn.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.chan.Channel;
import dev.limn.lang.Ast;
import dev.limn.sched.Carrier;
import dev.limn.sched.Fiber;
import dev.limn.text.Span;
import dev.limn.value.ErrorValue;

import org.junit.jupiter.api.Test;

/** The state of one running block: completion, Stop, counts and cores permits (SPEC §5.1, §6.2). */
class BlockRunTest {
    /** A unit that is never run: the tests drive the block's callbacks by hand. */
    private static final class Unit extends Fiber {
        @Override
        protected Status run(Carrier carrier) {
            return Status.DONE;
        }
    }

    private static BlockRun block(int cores, boolean closeOutput, Channel output) {
        BlockConfig config = new BlockConfig(false, output == null ? null : "out", null,
                BlockConfig.Mode.BATCH, null, cores, false, BlockConfig.OnError.STOP, BlockConfig.DEFAULT_RETRIES,
                BlockConfig.DEFAULT_BACKOFF_NANOS, null, 0, BlockConfig.DEFAULT_GRACE_NANOS,
                BlockConfig.OnTimeout.PARTIAL, new Span(1, 1, 1));
        return new BlockRun(new BlockSpec(config, closeOutput, "concurrent block at t.lm:1:1"), output, null, null);
    }

    @Test
    void completesWhenTheBodyAndEveryUnitHaveEnded() {
        Channel out = Channel.unbounded();
        BlockRun b = block(0, true, out);
        Unit u1 = new Unit();
        Unit u2 = new Unit();
        b.unitStarted(u1);
        b.unitStarted(u2);
        b.unitFinished(u1, null);
        b.bodyEnded();
        assertFalse(b.completion().isDone(), "one unit still runs");
        assertFalse(out.isClosed());
        b.unitFinished(u2, null);
        assertTrue(b.completion().isDone());
        assertTrue(out.isClosed(), "the output channel closes when the block completes");
        assertNull(b.firstError());
    }

    @Test
    void bodyEndedIsIdempotentBecauseARetriedInstructionCallsItAgain() {
        BlockRun b = block(0, true, null);
        Unit u = new Unit();
        b.unitStarted(u);
        b.bodyEnded();
        b.bodyEnded();
        assertFalse(b.completion().isDone());
        b.unitFinished(u, null);
        assertTrue(b.completion().isDone());
    }

    @Test
    void workersReadingTheOutputLeaveItOpen() {
        Channel out = Channel.unbounded();
        BlockRun b = block(0, false, out);
        b.bodyEnded();
        assertTrue(b.completion().isDone());
        assertFalse(out.isClosed());
        assertSame(out, b.workerSource());
    }

    @Test
    void theFirstFailureCancelsTheOthersAndLaterOnesAreCounted() {
        BlockRun b = block(0, true, null);
        Unit failing = new Unit();
        Unit cancelled = new Unit();
        Unit alsoFailing = new Unit();
        b.unitStarted(failing);
        b.unitStarted(cancelled);
        b.unitStarted(alsoFailing);
        b.bodyEnded();
        ErrorValue first = new ErrorValue("Boom", "first");
        b.unitFinished(failing, first);
        assertTrue(b.isStopping());
        assertNotEquals(0, cancelled.lvTrap() & Fiber.TRAP_CANCEL, "Stop sets the cancel trap of the others");
        assertNotEquals(0, alsoFailing.lvTrap() & Fiber.TRAP_CANCEL);
        b.unitFinished(cancelled, new ErrorValue("Cancelled", "the task was cancelled"));
        b.unitFinished(alsoFailing, new ErrorValue("Other", "second"));
        assertTrue(b.completion().isDone());
        assertSame(first, b.firstError(), "the block raises the first error unchanged");
        assertEquals("1 other units failed, 1 cancelled", first.blockNote());
    }

    @Test
    void aUnitStartedWhileTheBlockStopsIsCancelledAtOnce() {
        BlockRun b = block(0, true, null);
        Unit failing = new Unit();
        b.unitStarted(failing);
        b.unitFinished(failing, new ErrorValue("Boom", ""));
        Unit late = new Unit();
        b.unitStarted(late);
        assertNotEquals(0, late.lvTrap() & Fiber.TRAP_CANCEL);
    }

    @Test
    void coresLimitsPermitsAndAFinishedTaskGivesItsPermitBack() {
        BlockRun b = block(2, true, null);
        Unit spawner = new Unit();
        assertTrue(b.limitsTasks());
        assertTrue(b.acquirePermit(spawner));
        assertTrue(b.acquirePermit(spawner));
        assertFalse(b.acquirePermit(spawner), "a third task waits for a permit");
        Unit u = new Unit();
        b.unitStarted(u);
        b.releasePermit();
        b.unitFinished(u, null);
        assertTrue(b.acquirePermit(spawner));
        assertFalse(block(0, true, null).limitsTasks(), "cores=Auto: no limit");
    }

    @Test
    void unitNumbersStartAtOneInStartOrder() {
        BlockRun b = block(0, true, null);
        assertEquals(1, b.nextUnitNumber());
        assertEquals(2, b.nextUnitNumber());
        assertEquals("concurrent block at t.lm:1:1", b.label());
    }
}
