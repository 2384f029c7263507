package dev.limn.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Sweeping the directories that killed processes' drivers left: only names of ours, only
 * dead processes, and never one whose driver still beats.
 */
@Timeout(60)
class DriverDirectoriesTest {
    @TempDir
    Path base;

    private static final long STALE = TimeUnit.SECONDS.toMillis(10);

    /** A pid that no process has: one of a process that ended. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor();
        long pid = p.pid();
        while (ProcessHandle.of(pid).isPresent()) {
            Thread.sleep(5);
        }
        return pid;
    }

    private Path dir(String name, boolean withFile) throws Exception {
        Path d = Files.createDirectories(base.resolve(name));
        if (withFile) {
            Files.write(d.resolve("pub-0.logbuffer"), new byte[64]);
        }
        return d;
    }

    @Test
    void namesOfOursGiveTheirPid() {
        assertEquals(1234, DriverDirectories.pidOf("limn-aeron-1234-9f3a"));
        assertEquals(-1, DriverDirectories.pidOf("limn-aeron-1234"));
        assertEquals(-1, DriverDirectories.pidOf("limn-aeron-x-9f3a"));
        assertEquals(-1, DriverDirectories.pidOf("limn-aeron-1234-XYZ"));
        assertEquals(-1, DriverDirectories.pidOf("limn-aeron-99999999999999999999-1"), "beyond a long");
        assertEquals(-1, DriverDirectories.pidOf("aeron-1234-9f3a"));
        String mine = Path.of(DriverDirectories.uniqueDir()).getFileName().toString();
        assertEquals(ProcessHandle.current().pid(), DriverDirectories.pidOf(mine));
    }

    @Test
    void aDeadProcessesDirectoryIsSweptAndEverythingElseStays() throws Exception {
        long dead = deadPid();
        long live = ProcessHandle.current().pid();
        Path stale = dir("limn-aeron-" + dead + "-ab12", true);
        Path staleEmpty = dir("limn-aeron-" + dead + "-cd34", false);
        Path alive = dir("limn-aeron-" + live + "-ef56", true);
        Path parentAlive = dir("limn-aeron-" + ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L) + "-1", true);
        Path malformed = dir("limn-aeron-" + dead, true);
        Path malformedHex = dir("limn-aeron-" + dead + "-zz", true);
        Path foreign = dir("other-" + dead + "-ab12", true);
        Path file = Files.writeString(base.resolve("limn-aeron-" + dead + "-77"), "a file, not a directory");

        List<Path> swept = DriverDirectories.sweep(base, pid -> ProcessHandle.of(pid).isPresent(), STALE);

        assertEquals(List.of(stale, staleEmpty).stream().sorted().toList(), swept.stream().sorted().toList());
        assertFalse(Files.exists(stale));
        assertFalse(Files.exists(staleEmpty));
        for (Path kept : List.of(alive, parentAlive, malformed, malformedHex, foreign, file)) {
            assertTrue(Files.exists(kept), kept + " was deleted");
        }
    }

    @Test
    void aDirectoryWhoseDriverStillBeatsIsKeptThoughItsPidLooksDead() throws Exception {
        long dead = deadPid();
        Path dir = base.resolve("limn-aeron-" + dead + "-beef");
        // a driver whose process this one cannot see (another PID namespace): here, our own
        try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(dir.toString())
                .threadingMode(ThreadingMode.SHARED).dirDeleteOnShutdown(true).termBufferSparseFile(true)
                .errorHandler(e -> { }))) {
            Thread.sleep(50); // its first heartbeat
            assertTrue(DriverDirectories.heartbeatFresh(dir, STALE));
            assertEquals(List.of(), DriverDirectories.sweep(base, pid -> false, STALE));
            assertTrue(Files.exists(dir.resolve("cnc.dat")));
        }
    }

    @Test
    void aControlFileNotYetWrittenIsFreshOnlyWhileItIsYoung() throws Exception {
        long dead = deadPid();
        Path starting = dir("limn-aeron-" + dead + "-1", false);
        Files.write(starting.resolve("cnc.dat"), new byte[4096]); // version 0: a driver starting
        Path abandoned = dir("limn-aeron-" + dead + "-2", false);
        Files.write(abandoned.resolve("cnc.dat"), new byte[4096]);
        Files.setLastModifiedTime(abandoned.resolve("cnc.dat"), FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Path truncated = dir("limn-aeron-" + dead + "-3", false);
        Files.write(truncated.resolve("cnc.dat"), new byte[2]);

        assertTrue(DriverDirectories.heartbeatFresh(starting, STALE));
        assertFalse(DriverDirectories.heartbeatFresh(abandoned, STALE));
        assertFalse(DriverDirectories.heartbeatFresh(truncated, STALE));
        List<Path> swept = DriverDirectories.sweep(base, pid -> false, STALE);
        assertEquals(List.of(abandoned, truncated), swept.stream().sorted().toList());
        assertTrue(Files.exists(starting));
    }

    @Test
    void aBaseThatIsNotThereSweepsNothing() {
        assertEquals(List.of(), DriverDirectories.sweep(base.resolve("missing"), pid -> false, STALE));
    }
}
