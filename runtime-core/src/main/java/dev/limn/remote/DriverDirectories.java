package dev.limn.remote;

import io.aeron.CommonContext;
import org.agrona.IoUtil;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The directories of embedded media drivers: {@code limn-aeron-PID-HEX} under /dev/shm (or the
 * temporary directory), one per run, named for the process that made it. A run deletes its own
 * when it ends; a process killed with {@code kill -9} cannot, so each run that starts an
 * embedded driver first sweeps the directories left by processes that are gone.
 *
 * <p>A directory is swept only when its name parses, its process is not alive, and its driver
 * has not written a heartbeat in its control file ({@code cnc.dat}) for {@code staleMillis}: a
 * process in another PID namespace sharing /dev/shm looks dead from here but keeps its driver's
 * heartbeat fresh, so it keeps its directory. Any other entry is left alone.
 */
final class DriverDirectories {
    private DriverDirectories() {}

    static final String PREFIX = "limn-aeron-";
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "(\\d{1,19})-([0-9a-f]{1,16})");

    /** How long a silent driver's directory is kept after its process is gone. */
    static final long STALE_MILLIS = TimeUnit.SECONDS.toMillis(Long.getLong("limn.remote.driver.stale.seconds", 10L));

    /** Where embedded drivers' directories go: /dev/shm where it exists, else the temporary directory. */
    static Path base() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** A new directory name for this process's driver, under {@link #base()}. */
    static String uniqueDir() {
        return base().resolve(PREFIX + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFL)).toString();
    }

    /** The process id in a driver directory's name, or -1 when the name is not one of ours. */
    static long pidOf(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            return -1;
        }
        try {
            return Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Sweeps {@link #base()} with the live processes of this machine; returns the directories deleted. */
    static List<Path> sweep() {
        return sweep(base(), pid -> ProcessHandle.of(pid).isPresent(), STALE_MILLIS);
    }

    /**
     * Deletes the driver directories under {@code base} whose process {@code alive} says is gone
     * and whose driver's heartbeat is older than {@code staleMillis}; never throws (a directory
     * that cannot be read or deleted is left, and tried again by the next run).
     */
    static List<Path> sweep(Path base, LongPredicate alive, long staleMillis) {
        List<Path> deleted = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(base, PREFIX + "*")) {
            for (Path dir : entries) {
                long pid = pidOf(dir.getFileName().toString());
                if (pid < 0 || pid == self || alive.test(pid) || !Files.isDirectory(dir) || heartbeatFresh(dir, staleMillis)) {
                    continue;
                }
                IoUtil.delete(dir.toFile(), true);
                if (!Files.exists(dir)) {
                    deleted.add(dir);
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable base: nothing swept this time
        }
        return deleted;
    }

    /**
     * Whether the driver of {@code dir} wrote its heartbeat within {@code staleMillis}. A control
     * file not yet initialised (version 0: a driver starting) counts as fresh while the file
     * itself is that young; a missing, short or foreign one as stale.
     */
    static boolean heartbeatFresh(Path dir, long staleMillis) {
        Path cnc = dir.resolve("cnc.dat");
        try {
            if (!Files.isRegularFile(cnc) || Files.size(cnc) < Integer.BYTES) {
                return false;
            }
            if (cncVersion(cnc) == 0) {
                return System.currentTimeMillis() - Files.getLastModifiedTime(cnc).toMillis() < staleMillis;
            }
            return CommonContext.isDriverActive(dir.toFile(), staleMillis, s -> { });
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The version word at the start of a control file (Aeron's CncFileDescriptor: offset 0, in the machine's byte order). */
    private static int cncVersion(Path cnc) throws IOException {
        try (FileChannel ch = FileChannel.open(cnc, StandardOpenOption.READ)) {
            ByteBuffer word = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder());
            while (word.hasRemaining() && ch.read(word) >= 0) {
                // read the whole word
            }
            return word.hasRemaining() ? 0 : word.getInt(0);
        }
    }
}
