// Raw Aeron's ping-pong beside Limn's ping.lm/pong.lm (docs/benchmarks.md, "Remote channels"):
// 5-byte messages (the size of Limn's frame of the ints ping.lm sends), WARMUP round trips, then
// COUNT measured with System.nanoTime, over aeron:ipc (streams 1001/1002) and then UDP on
// 127.0.0.1 (ports 40511/40512), through the media driver the pong process starts in DIR with
// Limn's driver settings (shared threading, back-off idle). IDLE is the client's wait:
// "spin" (busy spin) or "backoff" (Limn's bridge threads' BackoffIdleStrategy(100, 10, 1 us, 1 ms)).
// WHERE is ipc, udp or both. Busy-spinning clients over UDP need a third core for the driver's
// thread, which moves the messages: on two cores it starves (pingpong.sh runs fewer of those).
//   java -cp CLI_JAR RawAeronPingPong.java pong DIR IDLE WHERE &   (first)
//   java -cp CLI_JAR RawAeronPingPong.java ping DIR IDLE WHERE WARMUP COUNT
import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

public class RawAeronPingPong {
    static final String[][] TRANSPORTS = {
        {"aeron:ipc", "aeron:ipc", "aeron:ipc"},
        {"udp 127.0.0.1", "aeron:udp?endpoint=127.0.0.1:40511", "aeron:udp?endpoint=127.0.0.1:40512"},
    };
    static final int LENGTH = 5;

    public static void main(String[] args) throws Exception {
        String dir = args[1];
        String idleName = args[2];
        String where = args[3];
        String[][] transports = where.equals("both") ? TRANSPORTS
                : where.equals("ipc") ? new String[][] {TRANSPORTS[0]} : new String[][] {TRANSPORTS[1]};
        IdleStrategy idle = idleName.equals("spin") ? new BusySpinIdleStrategy()
                : new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);
        if (args[0].equals("pong")) {
            try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(dir)
                    .threadingMode(ThreadingMode.SHARED)
                    .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 1_000_000))
                    .dirDeleteOnStart(true).dirDeleteOnShutdown(true).termBufferSparseFile(true));
                    Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir))) {
                for (String[] t : transports) {
                    pong(aeron, t[1], t[2], idle);
                }
            }
        } else {
            int warmup = Integer.parseInt(args[4]);
            int count = Integer.parseInt(args[5]);
            try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir))) {
                for (String[] t : transports) {
                    ping(aeron, t, idle, idleName, warmup, count);
                }
            }
        }
    }

    /** Echoes each message until a 1-byte one (the end), which it echoes too. */
    static void pong(Aeron aeron, String pingUri, String pongUri, IdleStrategy idle) {
        try (Subscription pings = aeron.addSubscription(pingUri, 1001);
                Publication pongs = aeron.addPublication(pongUri, 1002)) {
            boolean[] done = {false};
            FragmentHandler echo = (buffer, offset, length, header) -> {
                while (pongs.offer(buffer, offset, length) < 0) {
                    idle.idle();
                }
                done[0] = length == 1;
            };
            while (!done[0]) {
                idle.idle(pings.poll(echo, 16));
            }
        }
    }

    static void ping(Aeron aeron, String[] t, IdleStrategy idle, String idleName, int warmup, int count) {
        try (Publication pings = aeron.addPublication(t[1], 1001);
                Subscription pongs = aeron.addSubscription(t[2], 1002)) {
            UnsafeBuffer out = new UnsafeBuffer(new byte[LENGTH]);
            int[] back = {-1};
            FragmentHandler receive = (DirectBuffer buffer, int offset, int length, io.aeron.logbuffer.Header header) ->
                    back[0] = length == LENGTH ? buffer.getInt(offset) : -2;
            long[] times = new long[count];
            for (int i = 1; i <= warmup + count; i++) {
                long start = System.nanoTime();
                out.putInt(0, i);
                while (pings.offer(out, 0, LENGTH) < 0) {
                    idle.idle();
                }
                back[0] = -1;
                idle.reset();
                while (back[0] == -1) {
                    idle.idle(pongs.poll(receive, 1));
                }
                long rtt = System.nanoTime() - start;
                if (back[0] != i) {
                    throw new IllegalStateException("pong " + back[0] + " for ping " + i);
                }
                if (i > warmup) {
                    times[i - warmup - 1] = rtt;
                }
            }
            while (pings.offer(out, 0, 1) < 0) { // the end
                idle.idle();
            }
            back[0] = -1;
            while (back[0] == -1) {
                idle.idle(pongs.poll(receive, 1));
            }
            Arrays.sort(times);
            System.out.printf("raw %s %s: %d round trips, p50 %.3f us, p99 %.3f us, p99.9 %.3f us, max %.3f us%n",
                    idleName, t[0], count, times[count / 2] / 1e3, times[count * 99 / 100] / 1e3,
                    times[count * 999 / 1000] / 1e3, times[count - 1] / 1e3);
        }
    }
}
