package dev.limn.stress.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.sched.CallLock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Property: {@link CallLock} excludes, and its fenceless release still publishes what the
 * holder wrote. Two threads each take the lock, read and write two plain fields, and let it
 * go; the second often finds it held, queues and is woken (or finds the lock free after a
 * missed wake-up). Every increment lands, and the threads saw the counter at 0 and at 1. (r1: final count, r2: the sum of the counts each thread read,
 * r3: whether the lock was free at the end.) A lost update shows as a count below 2 or a
 * repeated read; a lock never given back would hang the test.
 */
@JCStressTest
@Outcome(id = "2, 1, 1", expect = ACCEPTABLE, desc = "every section ran alone, in some order")
@Outcome(expect = FORBIDDEN, desc = "two sections overlapped, or the lock stayed held")
@State
public class CallLockExclusionStress {

    private final CallLock lock = new CallLock();
    private int count;
    private int seen;

    private void section() {
        lock.lock();
        try {
            int c = count;
            seen += c; // 0 + 1 when the second section saw the first one's write
            count = c + 1;
        } finally {
            lock.unlock();
        }
    }

    @Actor
    public void first() {
        section();
    }

    @Actor
    public void second() {
        section();
    }

    @Arbiter
    public void after(III_Result r) {
        r.r1 = count;
        r.r2 = seen;
        r.r3 = lock.isLocked() ? 0 : 1;
    }
}
