package dev.limn.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class FiberSetTest {
    private static Fiber fiber() {
        return new Fiber() {
            @Override
            protected Status run(Carrier carrier) {
                return Status.DONE;
            }
        };
    }

    @Test
    void addsRemovesInAnyOrderAndRemovingTwiceOrFromAnotherSetDoesNothing() {
        FiberSet set = new FiberSet();
        FiberSet other = new FiberSet();
        Fiber a = fiber(), b = fiber(), c = fiber();
        set.add(a);
        set.add(b);
        set.add(c);
        assertEquals(List.of(c, b, a), set.snapshot());
        set.remove(b); // middle
        other.remove(a); // not in that set
        assertEquals(List.of(c, a), set.snapshot());
        set.remove(c); // head
        set.remove(c);
        set.remove(a); // last
        assertEquals(0, set.size());
        assertTrue(set.snapshot().isEmpty());
        set.add(b); // a removed fiber may join again
        assertEquals(List.of(b), set.snapshot());
    }

    @Test
    void concurrentAddersAndRemoversLeaveExactlyWhatWasNotRemoved() throws Exception {
        FiberSet set = new FiberSet();
        int perThread = 50_000;
        List<Thread> threads = new ArrayList<>();
        List<Fiber> kept = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            List<Fiber> mine = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
                mine.add(fiber());
            }
            kept.add(mine.getLast());
            threads.add(new Thread(() -> {
                for (Fiber f : mine) {
                    set.add(f);
                }
                for (int i = 0; i < mine.size() - 1; i++) {
                    set.remove(mine.get(i));
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(2, set.size());
        assertTrue(set.snapshot().containsAll(kept));
    }
}
