package dev.limn.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.sched.Scheduler;

import net.openhft.affinity.Affinity;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.BitSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The media driver's thread: it runs the driver's duty cycle on a thread of Limn's until
 * closed, and with pinning on pins itself to the CPU the scheduler spares (none when the
 * carriers take every CPU), at start or when pinning is asked for later.
 */
@Timeout(60)
class DriverThreadTest {
    /** An agent that counts its duty cycles and records the affinity of the thread running it. */
    static final class CountingAgent implements Agent {
        final AtomicInteger cycles = new AtomicInteger();
        final AtomicReference<BitSet> mask = new AtomicReference<>();
        final AtomicReference<Thread> thread = new AtomicReference<>();
        volatile boolean closed;

        @Override
        public int doWork() {
            thread.set(Thread.currentThread());
            mask.set(Affinity.getAffinity());
            return cycles.incrementAndGet() % 2; // work on every other cycle: the idle strategy runs too
        }

        @Override
        public void onClose() {
            closed = true;
        }

        @Override
        public String roleName() {
            return "counting";
        }
    }

    private static AgentInvoker invoker(Agent agent) {
        AgentInvoker invoker = new AgentInvoker(Throwable::printStackTrace, null, agent);
        invoker.start();
        return invoker;
    }

    private static void awaitCycles(CountingAgent agent, int n) throws InterruptedException {
        int from = agent.cycles.get();
        while (agent.cycles.get() < from + n) {
            Thread.sleep(1);
        }
    }

    @Test
    void itRunsTheDutyCycleOnItsOwnThreadUntilClosed() throws Exception {
        CountingAgent agent = new CountingAgent();
        try (Scheduler s = Scheduler.builder().carriers(1).build()) {
            DriverThread t = new DriverThread(invoker(agent), s, "limn-aeron-driver").start();
            awaitCycles(agent, 100);
            assertEquals("limn-aeron-driver", agent.thread.get().getName());
            assertTrue(agent.thread.get().isDaemon(), "a daemon: it never keeps the JVM alive");
            assertEquals(-1, t.cpu(), "no pinning: not pinned");
            t.close();
            assertFalse(t.thread().isAlive());
            int after = agent.cycles.get();
            Thread.sleep(20);
            assertEquals(after, agent.cycles.get(), "no cycle after close");
            assertFalse(agent.closed, "closing the driver's agents is the driver's, after the thread ended");
            t.close(); // idempotent
        }
    }

    @Test
    void withPinningItTakesTheSpareCpuOrStaysUnpinned() throws Exception {
        CountingAgent agent = new CountingAgent();
        try (Scheduler s = Scheduler.builder().carriers(1).pin(true).build()) {
            DriverThread t = new DriverThread(invoker(agent), s, "limn-aeron-driver").start();
            awaitCycles(agent, 10);
            checkPin(t, agent, s);
            t.close();
        }
    }

    @Test
    void pinningAskedForLaterPinsAtTheNextCycle() throws Exception {
        CountingAgent agent = new CountingAgent();
        try (Scheduler s = Scheduler.builder().carriers(1).build()) {
            DriverThread t = new DriverThread(invoker(agent), s, "limn-aeron-driver").start();
            awaitCycles(agent, 10);
            assertEquals(-1, t.cpu());
            s.requestPinning(); // a parallel(pin=true) block
            awaitCycles(agent, 10);
            checkPin(t, agent, s);
            t.close();
        }
    }

    @Test
    void whenTheCarriersTakeEveryCpuItStaysUnpinned() throws Exception {
        CountingAgent agent = new CountingAgent();
        int all = Math.max(1, Affinity.getAffinity().cardinality());
        try (Scheduler s = Scheduler.builder().carriers(all).pin(true).build()) {
            assertEquals(-1, s.spareCpu());
            DriverThread t = new DriverThread(invoker(agent), s, "limn-aeron-driver").start();
            awaitCycles(agent, 10);
            assertEquals(-1, t.cpu());
            t.close();
        }
    }

    /** The thread is pinned to the scheduler's spare CPU alone, or (no spare, or refused) not at all. */
    private static void checkPin(DriverThread t, CountingAgent agent, Scheduler s) throws InterruptedException {
        int spare = s.spareCpu();
        int cpu = t.cpu();
        if (spare < 0) {
            assertEquals(-1, cpu, "no spare CPU: unpinned");
            return;
        }
        assertTrue(cpu == spare || cpu == -1, "pinned to " + cpu + ", spare " + spare);
        if (cpu == spare) {
            awaitCycles(agent, 2);
            BitSet only = new BitSet();
            only.set(spare);
            assertEquals(only, agent.mask.get(), "the driver's thread runs on the spare CPU alone");
        }
    }
}
