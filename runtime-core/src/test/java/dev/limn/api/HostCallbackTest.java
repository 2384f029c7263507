package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Host functions that call back into the instance whose code called them: on the caller's
 * thread, on a carrier (after the call suspended once), and on a blocking function's virtual
 * thread. Each call back runs nested inside the call in progress; none of them may wait for
 * that call's lock, which would hang.
 */
@org.junit.jupiter.api.Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostCallbackTest {
    private static final String SOURCE = """
            var count = 0;
            fn inner(x) { return x * 2; }
            fn sleepy(x) { sleep(1ms); return x * 3; }
            fn bump(x) { count += x; return count; }
            fn outer(x) { return cb("inner", x) + 1; }
            fn outer_bump(x) { count += 1; return cb("bump", x) + count; }
            fn outer_after_sleep(x) { sleep(1ms); return cb("inner", x) + 1; }
            fn outer_sleepy(x) { return cb("sleepy", x) + 1; }
            fn outer_sleepy_after_sleep(x) { sleep(1ms); return cb("sleepy", x) + 1; }
            fn blocking_sleepy(x) { sleep(1ms); return cbb("sleepy", x) + 1; }
            fn blocking_bump(x) { count += 1; sleep(1ms); return cbb("bump", x) + count; }
            fn in_task(x) {
                var r = 0;
                concurrent(ch=out) { task { return cb("inner", x); } }
                iter (v in out) { r = v; }
                return r;
            }
            fn in_task_bump(x) {
                concurrent(ch=out) { task { return cb("bump", x); } }
                iter (v in out) { }
            }
            fn read_after_sleep() { count = 7; sleep(1ms); return getc(); }
            fn lambda_after_sleep(x) { sleep(1ms); return apply(fn(y) { return y + 100; }, x); }
            fn channel_to_host() { var ch = channel(4); ch.send(41); ch.close(); return drain(ch); }
            fn close_self() { return closeme(); }
            """;

    private LimnRuntime rt;
    private Instance s;

    private void start(int carriers) {
        rt = LimnRuntime.builder().carriers(carriers).timeout(Duration.ofSeconds(20)).build();
        Instance[] self = new Instance[1];
        rt.define("cb", args -> self[0].call((String) args[0], args[1]));
        rt.define("cbb", args -> self[0].call((String) args[0], args[1]), HostFunction.Mode.BLOCKING);
        rt.define("getc", args -> self[0].get("count"));
        rt.define("apply", args -> ((LimnFunction) args[0]).call(args[1]));
        rt.define("drain", args -> {
            long sum = 0;
            for (Object v : (LimnChannel) args[0]) {
                sum += (Long) v;
            }
            return sum + 1;
        });
        rt.define("closeme", args -> {
            self[0].close();
            return null;
        });
        s = rt.load(rt.compile("callback.lm", SOURCE));
        self[0] = s;
    }

    @AfterEach
    void stop() {
        if (rt != null) {
            rt.close();
        }
    }

    @ParameterizedTest(name = "{0} carrier(s)")
    @ValueSource(ints = {1, 2})
    void callsBackOnEveryThread(int carriers) throws InterruptedException {
        start(carriers);
        assertEquals(11L, s.call("outer", 5L), "on the caller's thread");
        assertEquals(11L, s.call("outer_after_sleep", 5L), "on a carrier");
        assertEquals(16L, s.call("outer_sleepy", 5L), "a call back that suspends, from the caller's thread");
        assertEquals(16L, s.call("blocking_sleepy", 5L), "a call back that suspends, from a blocking host function");
        assertEquals(10L, s.call("in_task", 5L), "from a task of a block");
        assertEquals(105L, s.call("lambda_after_sleep", 5L), "a function value passed to the host");
        assertEquals(42L, s.call("channel_to_host"), "a channel passed to the host");
        assertEquals(7L, s.call("read_after_sleep"), "a read of a variable from a carrier");
        assertLiveCountsZero();
    }

    @Test
    void aCallBackWritesTheVariablesOfTheTaskWaitingForIt() {
        start(2);
        assertEquals(12L, s.call("outer_bump", 5L)); // count 1, then 6 by the call back: 6 + 6
        assertEquals(6L, s.get("count"));
        assertEquals(26L, s.call("blocking_bump", 6L)); // count 7, then 13 by the call back: 13 + 13
        assertEquals(13L, s.get("count"));
    }

    @Test
    void aCallBackFromAnotherTaskCannotWriteTheCallersVariables() {
        start(2);
        s.call("outer_bump", 0L); // the host's call task owns count now
        LimnException e = assertThrows(LimnException.class, () -> s.call("in_task_bump", 1L));
        assertEquals("HostError", e.kind());
        LimnException cause = assertInstanceOf(LimnException.class, e.getCause());
        assertEquals("SharedWrite", cause.kind());
        assertEquals(1L, s.get("count"), "the refused write lost nothing and wrote nothing");
    }

    @ParameterizedTest(name = "{0} carrier(s)")
    @ValueSource(ints = {1, 2})
    void aCallBackThatSuspendsOnACarrierFailsInsteadOfWaiting(int carriers) throws InterruptedException {
        start(carriers);
        LimnException e = assertThrows(LimnException.class, () -> s.call("outer_sleepy_after_sleep", 5L));
        assertEquals("HostError", e.kind());
        IllegalStateException cause = assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(cause.getMessage().contains("HostFunction.Mode.BLOCKING"), cause.getMessage());
        assertEquals(2L, s.call("inner", 1L), "the instance goes on");
        assertLiveCountsZero();
    }

    @Test
    void anInstanceCannotBeClosedByItsOwnHostFunction() {
        start(2);
        LimnException e = assertThrows(LimnException.class, () -> s.call("close_self"));
        assertEquals("HostError", e.kind());
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals(2L, s.call("inner", 1L), "still open");
    }

    private void assertLiveCountsZero() throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Map<String, Long> counts = rt.liveCounts();
        while (System.nanoTime() < end && !zero(counts)) {
            Thread.sleep(5);
            counts = rt.liveCounts();
        }
        assertTrue(zero(counts), counts.toString());
    }

    private static boolean zero(Map<String, Long> counts) {
        for (String k : List.of("tasks.live", "channels.open", "atomic.cells.live")) {
            if (counts.get(k) != 0) {
                return false;
            }
        }
        return true;
    }
}
