package dev.limn.block;

import dev.limn.sched.Fiber;

import java.util.List;

/**
 * The blocks of one program run that have not completed, for task dumps. A dump finds the
 * live tasks through them (each block already keeps its live units), so a task costs nothing
 * here; a block costs one uncontended lock to join and one to leave, and allocates nothing.
 *
 * <p>One intrusive doubly linked list per stripe, through the blocks' own link fields: a block
 * joins the stripe of the thread that starts it and leaves from whichever thread completes it
 * (it keeps its stripe), so carriers that start blocks at once rarely meet on a lock. A block
 * is in at most one set, once.
 */
public final class LiveBlocks {
    /** A stripe's list; its monitor guards the list and the link fields of the blocks in it. */
    static final class Stripe {
        private BlockRun head;
        private int size;
    }

    private static final int MAX_STRIPES = 64;

    private final Stripe[] stripes;
    private final int mask;

    /** A set for a run on {@code carriers} carrier threads (one stripe per carrier, rounded up to a power of two). */
    public LiveBlocks(int carriers) {
        int n = 1;
        while (n < carriers && n < MAX_STRIPES) {
            n <<= 1;
        }
        stripes = new Stripe[n];
        for (int i = 0; i < n; i++) {
            stripes[i] = new Stripe();
        }
        mask = n - 1;
    }

    /**
     * {@code block}, whose body the fiber {@code body} runs, has started: it is in the set until
     * it completes. Call before its first unit starts (the units' spawns publish it).
     */
    public void add(BlockRun block, Fiber body) {
        block.body = body;
        long id = Thread.currentThread().threadId();
        Stripe s = stripes[(int) ((id * 0x9E3779B97F4A7C15L) >>> 40) & mask];
        synchronized (s) {
            if (block.liveStripe != null) {
                return;
            }
            block.liveStripe = s;
            block.livePrev = null;
            block.liveNext = s.head;
            if (s.head != null) {
                s.head.livePrev = block;
            }
            s.head = block;
            s.size++;
        }
    }

    /** {@code block} completed: it leaves the set it is in, if any; idempotent. */
    static void remove(BlockRun block) {
        Stripe s = block.liveStripe;
        if (s == null) {
            return;
        }
        synchronized (s) {
            if (block.liveStripe != s) {
                return;
            }
            BlockRun prev = block.livePrev;
            BlockRun next = block.liveNext;
            if (prev != null) {
                prev.liveNext = next;
            } else {
                s.head = next;
            }
            if (next != null) {
                next.livePrev = prev;
            }
            block.livePrev = null;
            block.liveNext = null;
            block.liveStripe = null;
            s.size--;
        }
    }

    /**
     * Adds to {@code into} at most {@code max} live blocks (each stripe's newest first) and
     * returns how many are live; each stripe is read under its lock, one after another.
     */
    public int snapshot(List<BlockRun> into, int max) {
        int live = 0;
        int taken = 0;
        for (Stripe s : stripes) {
            synchronized (s) {
                live += s.size;
                for (BlockRun b = s.head; b != null && taken < max; b = b.liveNext) {
                    into.add(b);
                    taken++;
                }
            }
        }
        return live;
    }

    /** How many blocks are live now. */
    public int size() {
        int live = 0;
        for (Stripe s : stripes) {
            synchronized (s) {
                live += s.size;
            }
        }
        return live;
    }
}
