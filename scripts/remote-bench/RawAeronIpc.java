// Raw Aeron beside Limn's remote channels (docs/benchmarks.md, "Remote channels"): COUNT
// messages of 3 bytes (the size of a small int's frame) from a publisher process to a
// subscriber process over aeron:ipc, through the media driver the subscriber starts in DIR.
//   java -cp CLI_JAR RawAeronIpc.java sub DIR COUNT   (first; prints the seconds from first to last message)
//   java -cp CLI_JAR RawAeronIpc.java pub DIR COUNT
import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.concurrent.UnsafeBuffer;

public class RawAeronIpc {
    public static void main(String[] args) throws Exception {
        String dir = args[1];
        long count = Long.parseLong(args[2]);
        if (args[0].equals("sub")) {
            try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(dir)
                    .threadingMode(ThreadingMode.SHARED).dirDeleteOnStart(true).dirDeleteOnShutdown(true));
                    Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir));
                    Subscription s = aeron.addSubscription("aeron:ipc", 99)) {
                long[] got = {0, 0, 0};
                while (got[0] < count) {
                    if (s.poll((b, o, l, h) -> {
                        if (got[0]++ == 0) {
                            got[2] = System.nanoTime();
                        }
                        got[1] += b.getByte(o + 2);
                    }, 256) == 0) {
                        Thread.onSpinWait();
                    }
                }
                System.out.printf("%d messages in %.3f s%n", got[0], (System.nanoTime() - got[2]) / 1e9);
            }
        } else {
            try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir));
                    Publication p = aeron.addPublication("aeron:ipc", 99)) {
                UnsafeBuffer b = new UnsafeBuffer(new byte[] {1, 3, 10});
                for (long i = 0; i < count; i++) {
                    while (p.offer(b, 0, 3) < 0) {
                        Thread.onSpinWait();
                    }
                }
            }
        }
    }
}
