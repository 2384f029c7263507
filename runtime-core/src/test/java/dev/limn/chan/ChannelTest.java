package dev.limn.chan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import dev.limn.sched.Carrier;
import dev.limn.sched.Fiber;
import org.junit.jupiter.api.Test;

/** The channel: the shared contract plus its single-threaded behaviour. */
class ChannelTest extends ChannelContractTest {

    @Override
    Channel newChannel(int capacity) {
        return new Channel(0, capacity, null);
    }

    @Test
    void boundedChannelHoldsExactlyItsCapacity() {
        Channel c = Channel.bounded(3);
        assertEquals(Channel.SendResult.SENT, c.trySend(1));
        assertEquals(Channel.SendResult.SENT, c.trySend(2));
        assertEquals(Channel.SendResult.SENT, c.trySend(3));
        assertEquals(Channel.SendResult.FULL, c.trySend(4));
        assertEquals("<channel 3/3 open>", c.toString());
        assertEquals(1, c.tryRecv());
        assertEquals(Channel.SendResult.SENT, c.trySend(4));
        assertEquals(3, c.len());
    }

    @Test
    void everyCapacityIsExact() {
        for (int capacity : new int[] {1, 2, 3, 4, 5, 1000, 1024}) {
            Channel c = Channel.bounded(capacity);
            for (int i = 0; i < capacity; i++) {
                assertEquals(Channel.SendResult.SENT, c.trySend(i), "capacity " + capacity);
            }
            assertEquals(Channel.SendResult.FULL, c.trySend(-1), "capacity " + capacity);
            assertEquals(capacity, c.len());
            assertEquals(0, c.tryRecv());
            assertEquals(Channel.SendResult.SENT, c.trySend(capacity));
            assertEquals(Channel.SendResult.FULL, c.trySend(-1));
        }
    }

    @Test
    void aRingOfAnyCapacityStaysInOrderOverManyLaps() {
        for (int capacity : new int[] {1, 3, 7, 8}) {
            Channel c = Channel.bounded(capacity);
            int sent = 0;
            int received = 0;
            for (int round = 0; round < 1_000; round++) {
                int burst = 1 + round % capacity;
                for (int i = 0; i < burst; i++) {
                    assertEquals(Channel.SendResult.SENT, c.trySend(sent++), "capacity " + capacity);
                }
                for (int i = 0; i < burst; i++) {
                    assertEquals(received++, c.tryRecv(), "capacity " + capacity);
                }
            }
            assertEquals(Channel.EMPTY, c.tryRecv());
        }
    }

    @Test
    void intsSentUnboxedKeepTheirPlaceAmongObjects() {
        for (int capacity : new int[] {4, 5, -1}) {
            Channel c = new Channel(0, capacity, null);
            Fiber f = runningFiber();
            assertEquals(Channel.SendResult.SENT, c.sendInt(f, 5));
            assertEquals(Channel.SendResult.SENT, c.send(f, "x"));
            assertEquals(Channel.SendResult.SENT, c.send(f, null));
            assertEquals(Channel.SendResult.SENT, c.sendInt(f, Long.MIN_VALUE));
            Object first = c.recvUnboxed(f);
            if (capacity == -1) {
                assertEquals(5L, first, "an unbounded channel boxes");
            } else {
                assertEquals(Channel.INT, first);
                assertEquals(5, f.receivedInt());
            }
            assertEquals("x", c.recvUnboxed(f));
            assertNull(c.recvUnboxed(f));
            assertEquals(Long.MIN_VALUE, c.tryRecv(), "the object API receives an unboxed int as a Long");
            c.close();
            assertEquals(Channel.SendResult.CLOSED, c.sendInt(f, 1));
            assertEquals(Channel.END, c.recvUnboxed(f));
        }
    }

    @Test
    void aSenderParkedOnAFullPowerOfTwoChannelIsWokenByAReceive() {
        Channel c = Channel.bounded(2);
        c.trySend(1);
        c.trySend(2);
        Fiber sender = runningFiber();
        assertEquals(Channel.SendResult.PARKED, c.send(sender, 3));
        assertEquals(1, c.tryRecv());
        assertTrue(sender.commitPark(), "the receive left a wake-up");
        sender.beginRun();
        assertEquals(Channel.SendResult.SENT, c.send(sender, 3));
        assertEquals(2, c.tryRecv());
        assertEquals(3, c.tryRecv());
    }

    @Test
    void capacityOneAlternates() {
        Channel c = Channel.bounded(1);
        assertEquals(Channel.SendResult.SENT, c.trySend("a"));
        assertEquals(Channel.SendResult.FULL, c.trySend("b"));
        assertEquals("a", c.tryRecv());
        assertEquals(Channel.EMPTY, c.tryRecv());
    }

    @Test
    void nilTravelsAsNull() {
        Channel c = Channel.unbounded();
        c.trySend(null);
        assertNull(c.tryRecv());
        assertEquals(Channel.EMPTY, c.tryRecv());
    }

    @Test
    void closeIsIdempotentAndEndsTheStreamAfterDrain() {
        AtomicLong open = new AtomicLong();
        Channel c = new Channel(1, -1, open);
        assertEquals(1, open.get());
        c.trySend(7);
        assertTrue(c.close());
        assertFalse(c.close());
        assertEquals(0, open.get());
        assertEquals(Channel.SendResult.CLOSED, c.trySend(8));
        assertEquals("<channel 1/unbounded closed>", c.toString());
        assertEquals(7, c.tryRecv());
        assertEquals(Channel.END, c.tryRecv());
        assertEquals(-1, c.capacity());
        assertThrows(ChannelClosedException.class, () -> c.put(9));
    }

    @Test
    void aWakeUpChosenForAReceiverThatLeavesIsPassedOn() {
        Channel c = Channel.bounded(4);
        Fiber first = runningFiber();
        Fiber second = runningFiber();
        assertEquals(Channel.PARKED, c.recv(first));
        assertEquals(Channel.PARKED, c.recv(second));
        c.trySend(1); // wakes the first registered receiver only
        Channel.abandonWait(first); // ...which is cancelled instead of receiving
        assertTrue(first.commitPark(), "first was woken");
        assertTrue(second.commitPark(), "the wake-up was passed on to second");
        assertEquals(1, c.tryRecv());
    }

    @Test
    void aReceiverRetryingOnTheSameChannelKeepsItsWakeUp() {
        Channel c = Channel.bounded(4);
        Fiber first = runningFiber();
        Fiber second = runningFiber();
        assertEquals(Channel.PARKED, c.recv(first));
        assertEquals(Channel.PARKED, c.recv(second));
        c.trySend(1);
        first.commitPark();
        first.beginRun();
        assertEquals(1, c.recv(first));
        assertFalse(second.commitPark(), "no spare wake-up for second");
    }

    @Test
    void drainAndPutAllKeepOrderAcrossLapsAndKinds() throws Exception {
        for (int capacity : new int[] {1, 3, 8, 4096, -1}) {
            Channel c = new Channel(0, capacity, null);
            long[] bits = new long[5];
            Object[] refs = new Object[5];
            long[] got = new long[16];
            Object[] gotRefs = new Object[16];
            int sent = 0;
            int received = 0;
            for (int round = 0; round < 300; round++) {
                int n = 1 + round % 5;
                for (int i = 0; i < n; i++) {
                    int v = sent++;
                    bits[i] = v;
                    refs[i] = v % 3 == 0 ? "s" + v : v % 3 == 1 ? null : Channel.NIL;
                }
                int put = 0;
                while (put < n) { // a host thread's putAll waits when full: here the test drains
                    int room = capacity == -1 ? n : Math.min(n - put, capacity - c.len());
                    if (room > 0) {
                        c.putAll(java.util.Arrays.copyOfRange(bits, put, put + room),
                                java.util.Arrays.copyOfRange(refs, put, put + room), room);
                        put += room;
                    }
                    int k = c.drain(got, gotRefs, 16);
                    for (int i = 0; i < k; i++) {
                        int v = received++;
                        String what = "capacity " + capacity + ", value " + v;
                        if (v % 3 == 0) {
                            assertEquals("s" + v, gotRefs[i], what);
                        } else if (v % 3 == 1) {
                            Object r = gotRefs[i];
                            assertEquals((long) v, r == null ? got[i] : (long) (Long) r, what);
                        } else {
                            assertTrue(gotRefs[i] == Channel.NIL, what);
                        }
                    }
                }
            }
            int k;
            while ((k = c.drain(got, gotRefs, 16)) > 0) {
                received += k;
            }
            assertEquals(sent, received, "capacity " + capacity);
            assertEquals(0, c.drain(got, gotRefs, 16), "empty");
            c.close();
            assertEquals(-1, c.drain(got, gotRefs, 16), "closed and drained");
            assertThrows(ChannelClosedException.class, () -> c.putAll(bits, refs, 1));
        }
    }

    @Test
    void aPutAllIntoAFullChannelTakesWhatFitsAndWaitsForTheRest() throws Exception {
        Channel c = Channel.bounded(4);
        long[] bits = new long[10];
        for (int i = 0; i < 10; i++) {
            bits[i] = i;
        }
        Thread producer = Thread.ofPlatform().start(() -> {
            try {
                c.putAll(bits, new Object[10], 10);
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long[] got = new long[3];
        Object[] refs = new Object[3];
        long expected = 0;
        int k;
        while ((k = c.drain(got, refs, 3)) >= 0) {
            assertTrue(c.len() <= 4);
            for (int i = 0; i < k; i++) {
                assertEquals(expected++, got[i]);
            }
            if (k == 0) {
                Thread.onSpinWait();
            }
        }
        producer.join();
        assertEquals(10, expected);
    }

    /**
     * offerAll sends what fits now, in order, and returns at once: 0 on a full channel, -1 on a
     * closed one; each value sent wakes one parked receiver, as putAll's do.
     */
    @Test
    void anOfferAllSendsWhatFitsNowAndNeverWaits() {
        Channel c = Channel.bounded(4);
        Fiber[] receivers = {runningFiber(), runningFiber(), runningFiber()};
        for (Fiber f : receivers) {
            assertEquals(Channel.PARKED, c.recv(f));
        }
        long[] bits = {10, 11, 12, 13, 14, 15};
        Object[] refs = {null, "s", null, null, null, null};
        assertEquals(2, c.offerAll(bits, refs, 0, 2));
        assertTrue(receivers[0].commitPark(), "the first receiver was woken");
        assertTrue(receivers[1].commitPark(), "the second receiver was woken");
        assertFalse(receivers[2].commitPark(), "two values, two wake-ups");
        c = Channel.bounded(4); // the third receiver still waits on the first channel
        assertEquals(2, c.offerAll(bits, refs, 0, 2));
        assertEquals(2, c.offerAll(bits, refs, 2, 4), "room for two of the four");
        assertEquals(0, c.offerAll(bits, refs, 4, 2), "full");
        long[] got = new long[8];
        Object[] gotRefs = new Object[8];
        assertEquals(4, c.drain(got, gotRefs, 8));
        assertEquals(10, got[0]);
        assertEquals("s", gotRefs[1]);
        assertEquals(12, got[2]);
        assertEquals(13, got[3]);
        c.close();
        assertEquals(-1, c.offerAll(bits, refs, 4, 2), "closed");
    }

    @Test
    void aPutAllWakesAReceiverPerValueAndADrainASenderPerValue() throws Exception {
        Channel c = Channel.bounded(2);
        Fiber[] receivers = {runningFiber(), runningFiber(), runningFiber()};
        for (Fiber f : receivers) {
            assertEquals(Channel.PARKED, c.recv(f));
        }
        c.putAll(new long[] {1, 2}, new Object[2], 2);
        assertTrue(receivers[0].commitPark(), "the first receiver was woken");
        assertTrue(receivers[1].commitPark(), "the second receiver was woken");
        assertFalse(receivers[2].commitPark(), "two values, two wake-ups");
        Fiber[] senders = {runningFiber(), runningFiber(), runningFiber()};
        for (Fiber f : senders) {
            assertEquals(Channel.SendResult.PARKED, c.send(f, "x"));
        }
        assertEquals(2, c.drain(new long[4], new Object[4], 4));
        assertTrue(senders[0].commitPark());
        assertTrue(senders[1].commitPark());
        assertFalse(senders[2].commitPark(), "two values taken, two wake-ups");
    }

    /** Two threads: every value crosses once, in order, with putAll and drain racing on a small ring. */
    @Test
    void putAllAndDrainRaceWithoutLossOrReordering() throws Exception {
        Channel c = Channel.bounded(64);
        int total = 200_000;
        Thread producer = Thread.ofPlatform().start(() -> {
            long[] bits = new long[37];
            Object[] refs = new Object[37];
            try {
                for (int v = 0; v < total; ) {
                    int n = Math.min(37, total - v);
                    for (int i = 0; i < n; i++, v++) {
                        bits[i] = v;
                        refs[i] = (v & 7) == 0 ? (Object) Long.valueOf(v) : null;
                    }
                    c.putAll(bits, refs, n);
                }
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long[] got = new long[50];
        Object[] refs = new Object[50];
        long expected = 0;
        int k;
        while ((k = c.drain(got, refs, 50)) >= 0) {
            for (int i = 0; i < k; i++) {
                long v = refs[i] == null ? got[i] : (Long) refs[i];
                assertEquals(expected++, v);
            }
            if (k == 0) {
                Thread.onSpinWait();
            }
        }
        producer.join();
        assertEquals(total, expected);
    }

    /** A fiber in the RUNNING state outside any scheduler: a wake-up only leaves its permit. */
    private static Fiber runningFiber() {
        Fiber f = new Fiber() {
            @Override
            protected Status run(Carrier carrier) {
                return Status.PARKED;
            }
        };
        f.beginRun();
        return f;
    }

    @Test
    void capacityMustBePositiveOrUnbounded() {
        assertThrows(IllegalArgumentException.class, () -> Channel.bounded(0));
    }
}
