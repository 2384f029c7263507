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
