package dev.limn.chan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import dev.limn.sched.Fiber;
import dev.limn.sched.Scheduler;
import dev.limn.sched.TestFibers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The channel contract of SPEC §5.3, for every channel implementation (subclasses supply the
 * channel): FIFO per sender, every value received exactly once, many senders and receivers,
 * end of stream after close and drain. Parameterized by senders, receivers, capacity
 * (bounded 1/3/16/1024, unbounded) and mode (fibers on a scheduler, with boxed or unboxed
 * ints, or host threads).
 */
abstract class ChannelContractTest {

    static final int VALUES_PER_SENDER = 20_000;

    /** FIBERS_UNBOXED: fibers sending ints with {@code sendInt}, receiving with {@code recvUnboxed}. */
    enum Mode { FIBERS, FIBERS_UNBOXED, HOST_THREADS }

    private static Scheduler scheduler;

    /** A new open channel; capacity -1 means unbounded. */
    abstract Channel newChannel(int capacity);

    @BeforeAll
    static void startScheduler() {
        scheduler = Scheduler.builder().carriers(2).build();
    }

    @AfterAll
    static void stopScheduler() {
        scheduler.close();
    }

    static Stream<Arguments> topologies() {
        List<Arguments> all = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            for (int capacity : new int[] {1, 3, 16, 1024, -1}) {
                for (int[] pc : new int[][] {{1, 1}, {1, 4}, {4, 1}, {4, 4}}) {
                    all.add(Arguments.of(mode, capacity, pc[0], pc[1]));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} capacity={1} senders={2} receivers={3}")
    @MethodSource("topologies")
    void everyValueArrivesExactlyOnceInSenderOrder(Mode mode, int capacity, int senders, int receivers)
            throws Exception {
        Channel channel = newChannel(capacity);
        // Value = sender * VALUES_PER_SENDER + sequence.
        List<List<Object>> received = new ArrayList<>();
        for (int r = 0; r < receivers; r++) {
            received.add(new ArrayList<>());
        }
        AtomicInteger sendersLeft = new AtomicInteger(senders);
        Runnable senderDone = () -> {
            if (sendersLeft.decrementAndGet() == 0) {
                channel.close();
            }
        };
        if (mode != Mode.HOST_THREADS) {
            boolean unboxed = mode == Mode.FIBERS_UNBOXED;
            List<Fiber> fibers = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                fibers.add(TestFibers.sender(channel, values(s), senderDone, unboxed));
            }
            for (int r = 0; r < receivers; r++) {
                fibers.add(TestFibers.receiver(channel, received.get(r)::add, unboxed));
            }
            scheduler.runMain(TestFibers.spawner(fibers));
        } else {
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                List<Integer> vs = values(s);
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (Integer v : vs) {
                            channel.put(v);
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    senderDone.run();
                }));
            }
            for (int r = 0; r < receivers; r++) {
                List<Object> sink = received.get(r);
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        Object v;
                        while ((v = channel.take()) != Channel.END) {
                            sink.add(v);
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
        }

        Map<Integer, Boolean> seen = new ConcurrentHashMap<>();
        for (List<Object> sink : received) {
            int[] lastSeq = new int[senders];
            java.util.Arrays.fill(lastSeq, -1);
            for (Object o : sink) {
                // An Integer sent as an object comes back as that object; an int sent unboxed comes
                // back unboxed (bounded) or as a Long (unbounded buffers box).
                assertTrue(mode == Mode.FIBERS_UNBOXED || o instanceof Integer, "received " + o.getClass());
                int v = ((Number) o).intValue();
                assertTrue(seen.put(v, Boolean.TRUE) == null, "received twice: " + v);
                int sender = v / VALUES_PER_SENDER;
                int seq = v % VALUES_PER_SENDER;
                assertTrue(seq > lastSeq[sender], "out of order from sender " + sender + ": " + seq + " after " + lastSeq[sender]);
                lastSeq[sender] = seq;
            }
        }
        assertEquals(senders * VALUES_PER_SENDER, seen.size(), "values received");
        assertTrue(channel.isClosed());
        assertEquals(0, channel.len());
        assertEquals(Channel.END, channel.tryRecv());
    }

    private static List<Integer> values(int sender) {
        List<Integer> vs = new ArrayList<>(VALUES_PER_SENDER);
        for (int i = 0; i < VALUES_PER_SENDER; i++) {
            vs.add(sender * VALUES_PER_SENDER + i);
        }
        return vs;
    }
}
