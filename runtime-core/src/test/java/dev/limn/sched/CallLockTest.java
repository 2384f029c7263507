package dev.limn.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CallLockTest {

    @Test
    void waitersTakeTheLockInArrivalOrder() throws Exception {
        CallLock lock = new CallLock();
        lock.lock();
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int n = i;
            Thread t = Thread.ofPlatform().start(() -> {
                lock.lock();
                order.add(n);
                lock.unlock();
            });
            threads.add(t);
            awaitWaiting(lock, i + 1); // the next one starts only once this one queued
        }
        lock.unlock();
        for (Thread t : threads) {
            t.join(10_000);
            assertFalse(t.isAlive(), "a waiter never got the lock");
        }
        assertEquals(List.of(0, 1, 2, 3), order);
        assertFalse(lock.isLocked());
        assertEquals(0, lock.waiting());
    }

    @Test
    void anInterruptDoesNotEndTheWaitAndStaysSet() throws Exception {
        CallLock lock = new CallLock();
        lock.lock();
        CountDownLatch done = new CountDownLatch(1);
        boolean[] interruptedAfter = new boolean[1];
        Thread t = Thread.ofPlatform().start(() -> {
            lock.lock();
            interruptedAfter[0] = Thread.currentThread().isInterrupted();
            lock.unlock();
            done.countDown();
        });
        awaitWaiting(lock, 1);
        t.interrupt();
        assertFalse(done.await(50, TimeUnit.MILLISECONDS), "the interrupt ended the wait");
        assertTrue(lock.isLocked());
        lock.unlock();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertTrue(interruptedAfter[0], "the interrupt was swallowed");
    }

    @Test
    void manyThreadsNeverOverlap() throws Exception {
        CallLock lock = new CallLock();
        int[] counter = new int[1];
        int perThread = 20_000;
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int k = 0; k < perThread; k++) {
                    lock.lock();
                    counter[0]++;
                    lock.unlock();
                }
            }));
        }
        for (Thread t : threads) {
            t.join(60_000);
            assertFalse(t.isAlive());
        }
        assertEquals(4 * perThread, counter[0]);
        assertFalse(lock.isLocked());
    }

    private static void awaitWaiting(CallLock lock, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lock.waiting() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + lock.waiting() + " of " + n + " threads queued");
            }
            Thread.sleep(1);
        }
    }
}
