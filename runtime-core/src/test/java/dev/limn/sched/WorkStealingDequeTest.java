package dev.limn.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

class WorkStealingDequeTest {

    @Test
    void ownerPopsNewestThievesStealOldest() {
        WorkStealingDeque<Integer> deque = new WorkStealingDeque<>(2);
        for (int i = 0; i < 10; i++) {
            deque.push(i); // grows past the initial capacity
        }
        assertEquals(10, deque.size());
        assertEquals(0, deque.steal());
        assertEquals(9, deque.pop());
        assertEquals(1, deque.steal());
        List<Integer> rest = new ArrayList<>();
        Integer v;
        while ((v = deque.pop()) != null) {
            rest.add(v);
        }
        assertEquals(List.of(8, 7, 6, 5, 4, 3, 2), rest);
        assertNull(deque.steal());
        assertTrue(deque.isEmpty());
    }

    @Test
    void everyPushedItemIsTakenExactlyOnceUnderConcurrentSteals() throws InterruptedException {
        int items = 200_000;
        WorkStealingDeque<Integer> deque = new WorkStealingDeque<>(16);
        AtomicIntegerArray taken = new AtomicIntegerArray(items);
        AtomicBoolean ownerDone = new AtomicBoolean();
        List<Thread> thieves = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Thread thief = new Thread(() -> {
                while (!ownerDone.get() || !deque.isEmpty()) {
                    Integer v = deque.steal();
                    if (v != null) {
                        taken.incrementAndGet(v);
                    }
                }
            });
            thief.start();
            thieves.add(thief);
        }
        for (int i = 0; i < items; i++) {
            deque.push(i);
            if ((i & 3) == 0) {
                Integer v = deque.pop();
                if (v != null) {
                    taken.incrementAndGet(v);
                }
            }
        }
        Integer v;
        while ((v = deque.pop()) != null) {
            taken.incrementAndGet(v);
        }
        ownerDone.set(true);
        for (Thread thief : thieves) {
            thief.join();
        }
        for (int i = 0; i < items; i++) {
            assertEquals(1, taken.get(i), "item " + i);
        }
    }
}
