package dev.limn.sched.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.run.CompiledProgram;
import dev.limn.run.Limn;
import dev.limn.run.RunOptions;
import dev.limn.vm.Engine;
import dev.limn.vm.Tier;

import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Name;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The flight recorder events: one recorded run of a program that does each thing an event
 * reports (a hot loop whose int becomes a float under the compiled tier, tasks, a receiver
 * woken by a sender, many small tasks on two carriers, a receiver that can only park until the
 * end of stream, a deadlock), read back from the file.
 */
class FlightEventsTest {
    @TempDir
    Path dir;

    private static final String PROGRAM = """
            fn hot(n) {
                var x = 0;
                var i = 0;
                while (i < n) {
                    if (i == n / 2) { x = x + 0.5; }
                    x = x + 1;
                    i = i + 1;
                }
                return x;
            }
            print(hot(3000));
            var c = channel(1);
            concurrent {
                task { print("got", c.recv()); }
                task { sleep(30ms); c.send(7); }
            }
            var total: atomic = 0;
            concurrent {
                task(i in 1..2000) { total += i; }
            }
            print(total);
            var e = channel(1);
            concurrent {
                task { iter (v in e) print(v); print("end of stream"); }
            }
            var d = channel(1);
            concurrent {
                task { d.send(1); d.send(2); }
            }
            print("unreached");
            """;

    @Test
    void aRecordedRunHasEveryEventWithItsFields() throws Exception {
        CompiledProgram program = Limn.compile("flight.lm", PROGRAM);
        RunOptions options = new RunOptions(2, false, false, 1L, RunOptions.DEFAULT_MAX_DEPTH, null, Tier.Mode.ALWAYS);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path file = dir.resolve("run.jfr");
        int status;
        long steals;
        try (Recording recording = new Recording()) {
            for (Class<? extends jdk.jfr.Event> type : FlightEvents.types()) {
                recording.enable(type);
            }
            recording.enable(ChannelBlockedEvent.class).withThreshold(Duration.ZERO);
            recording.start();
            try (Engine engine = Limn.engine(options)) {
                status = Limn.run(engine, program, options, new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
                steals = engine.scheduler().steals();
            }
            recording.stop();
            recording.dump(file);
        }
        String stdout = out.toString(StandardCharsets.UTF_8);
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, status, stderr);
        assertEquals("3000.5\ngot 7\n2001000\nend of stream\n", stdout);
        assertTrue(stderr.contains("error[Deadlock]"), stderr);

        Map<String, List<RecordedEvent>> byName = new TreeMap<>(RecordingFile.readAllEvents(file).stream()
                .collect(Collectors.groupingBy(e -> e.getEventType().getName())));
        assertEquals(Set.of("limn.BlockBegin", "limn.BlockEnd", "limn.ChannelBlocked", "limn.Deadlock",
                "limn.TaskEnd", "limn.TaskStart", "limn.TierExit"), without(byName.keySet(), "limn.Steal"),
                "the event types recorded");
        for (List<RecordedEvent> events : byName.values()) {
            for (RecordedEvent e : events) {
                assertFalse(e.getDuration().isNegative(), e.toString());
                assertEquals(List.of("Limn"), e.getEventType().getCategoryNames(), e.toString());
            }
        }

        // tasks: the main task and the blocks' tasks start and end, each end with its outcome
        List<RecordedEvent> starts = byName.get("limn.TaskStart");
        assertTrue(starts.stream().anyMatch(e -> e.getString("task").equals("main task")), starts.toString());
        assertTrue(starts.stream().anyMatch(e -> e.getString("task").equals("task 2 of concurrent block at flight.lm:13:1")),
                starts.toString());
        assertTrue(starts.stream().allMatch(e -> e.getLong("taskId") > 0), starts.toString());
        List<RecordedEvent> ends = byName.get("limn.TaskEnd");
        assertTrue(ends.stream().anyMatch(e -> e.getString("task").equals("task 1 of concurrent block at flight.lm:13:1")
                && e.getString("outcome").equals("ok")), ends.toString());
        assertTrue(ends.stream().anyMatch(e -> e.getString("outcome").equals("terminated")),
                "the deadlocked tasks are terminated: " + ends);
        Set<Long> started = starts.stream().map(e -> e.getLong("taskId")).collect(Collectors.toSet());
        assertTrue(ends.stream().allMatch(e -> started.contains(e.getLong("taskId"))), "every task that ended had started");

        // blocks: each begins and ends, numbered alike; the deadlocked one ends with its task terminated
        List<RecordedEvent> begins = byName.get("limn.BlockBegin");
        List<String> blocks = List.of("concurrent block at flight.lm:13:1", "concurrent block at flight.lm:18:1",
                "concurrent block at flight.lm:23:1", "concurrent block at flight.lm:27:1");
        assertEquals(blocks, begins.stream().map(e -> e.getString("block")).sorted().toList());
        assertTrue(begins.stream().allMatch(e -> e.getString("kind").equals("concurrent batch")), begins.toString());
        List<RecordedEvent> blockEnds = byName.get("limn.BlockEnd");
        assertEquals(blocks, blockEnds.stream().map(e -> e.getString("block")).sorted().toList());
        for (RecordedEvent end : blockEnds) {
            RecordedEvent begin = begins.stream().filter(b -> b.getLong("blockId") == end.getLong("blockId")).findFirst().orElseThrow();
            assertEquals(begin.getString("block"), end.getString("block"));
        }
        Map<String, RecordedEvent> endOf = blockEnds.stream().collect(Collectors.toMap(e -> e.getString("block"), e -> e));
        RecordedEvent waited = endOf.get(blocks.get(0));
        assertEquals(2, waited.getInt("units"));
        assertEquals("ok", waited.getString("outcome"));
        assertTrue(waited.getDuration().toMillis() >= 25, "the block lasted the sender's sleep: " + waited);
        assertEquals(2000, endOf.get(blocks.get(1)).getInt("units"));
        assertEquals("ok", endOf.get(blocks.get(1)).getString("outcome"));
        assertEquals("ok", endOf.get(blocks.get(2)).getString("outcome"));
        assertEquals(1, endOf.get(blocks.get(3)).getInt("units"));
        assertEquals("terminated", endOf.get(blocks.get(3)).getString("outcome"));

        // the receiver on channel 2 parked until the end of stream woke it (the one on channel 1
        // parks too, unless it starts after the sender's sleep); the deadlocked sender on
        // channel 3 until it was terminated
        List<RecordedEvent> blocked = byName.get("limn.ChannelBlocked");
        assertTrue(blocked.stream().anyMatch(e -> e.getString("operation").equals("receive") && e.getLong("channelId") == 2
                && e.getDuration().toNanos() > 0), blocked.toString());
        assertTrue(blocked.stream().anyMatch(e -> e.getString("operation").equals("send") && e.getLong("channelId") == 3),
                blocked.toString());
        assertTrue(blocked.stream().allMatch(e -> e.getLong("taskId") > 0 && started.contains(e.getLong("taskId"))), blocked.toString());

        // the compiled loop left on the guard that met the float
        List<RecordedEvent> exits = byName.get("limn.TierExit");
        assertTrue(exits.stream().anyMatch(e -> e.getString("function").equals("hot") && e.getInt("pc") >= 0
                && e.getString("reason").startsWith("guard: int guessed, float found")), exits.toString());

        // the deadlock: the task that sends into the full channel, and main waiting for its block
        List<RecordedEvent> deadlocks = byName.get("limn.Deadlock");
        assertEquals(1, deadlocks.size(), deadlocks.toString());
        RecordedEvent deadlock = deadlocks.getFirst();
        assertEquals(2, deadlock.getInt("blockedTasks"));
        String tasks = deadlock.getString("tasks");
        assertTrue(tasks.contains("main task waits on await"), tasks);
        assertTrue(tasks.contains("task 1 of concurrent block at flight.lm:27:1 waits on send to <channel"), tasks);

        // steals cannot be forced; every one the scheduler counted was recorded
        List<RecordedEvent> stealEvents = byName.getOrDefault("limn.Steal", List.of());
        assertTrue(stealEvents.size() >= steals, stealEvents.size() + " events for " + steals + " steals");
        assertTrue(stealEvents.stream().allMatch(e -> e.getInt("thief") != e.getInt("victim") && e.getLong("fiberId") > 0),
                stealEvents.toString());
    }

    @Test
    void eachEventIsNamedInCategoryLimnAndListedOnce() {
        assertEquals(8, Set.copyOf(FlightEvents.types()).size());
        for (Class<? extends jdk.jfr.Event> type : FlightEvents.types()) {
            assertTrue(type.getAnnotation(Name.class).value().startsWith("limn."), type.getName());
            EventType eventType = EventType.getEventType(type);
            assertEquals(List.of("Limn"), eventType.getCategoryNames(), type.getName());
            assertNotEquals(null, eventType.getDescription(), type.getName());
        }
        assertTrue(FlightRecorder.isAvailable());
    }

    private static final String SMALL_PROGRAM = """
            fn hot(n) { var x = 0; var i = 0; while (i < n) { if (i == 10) { x = x + 0.5; } x = x + 1; i = i + 1; } return x; }
            print(hot(100));
            var c = channel(1);
            concurrent {
                task { print(c.recv()); }
                task { sleep(5ms); c.send(7); }
            }
            """;

    @Test
    void withoutTheFlightRecorderNoEventClassIsLoaded() throws Exception {
        // regression: loading an event class sets up the flight recorder's metadata (about a
        // hundred JDK classes) even when nothing records; the gate keeps them all unloaded
        Path log = dir.resolve("classes.log");
        String output = limnInChildJvm(List.of("-Xlog:class+load=info:file=" + log), SMALL_PROGRAM);
        assertEquals("100.5\n7\n", output);
        List<String> loaded = java.nio.file.Files.readAllLines(log);
        assertTrue(loaded.stream().anyMatch(l -> l.contains(" dev.limn.sched.events.FlightEvents ")), "the gate was asked");
        List<String> recorderClasses = loaded.stream()
                .filter(l -> l.matches(".* dev\\.limn\\.sched\\.events\\.\\w+Event .*") || l.contains(" jdk.jfr.internal."))
                .toList();
        assertEquals(List.of(), recorderClasses);
    }

    @Test
    void aRecordingStartedByTheJvmFlagRecordsLimnsEvents() throws Exception {
        Path file = dir.resolve("flag.jfr");
        String output = limnInChildJvm(List.of("-XX:StartFlightRecording:filename=" + file + ",+limn.TaskStart#enabled=true",
                "-Xlog:jfr+startup=off"), SMALL_PROGRAM);
        assertEquals("100.5\n7\n", output);
        Set<String> names = RecordingFile.readAllEvents(file).stream().map(e -> e.getEventType().getName())
                .filter(n -> n.startsWith("limn.")).collect(Collectors.toSet());
        assertTrue(names.containsAll(Set.of("limn.TaskStart", "limn.BlockBegin", "limn.BlockEnd")), names.toString());
        assertFalse(names.contains("limn.TaskEnd"), "TaskEnd is off by default: " + names);
    }

    /** Runs {@code limn run --cores 2 --tier always} on {@code program} in a JVM of its own with {@code jvmArgs}; its stdout. */
    private String limnInChildJvm(List<String> jvmArgs, String program) throws Exception {
        Path source = dir.resolve("child.lm");
        java.nio.file.Files.writeString(source, program);
        List<String> options = new java.util.ArrayList<>(jvmArgs);
        options.add("-XX:TieredStopAtLevel=1");
        List<String> command = dev.limn.testing.ChildJvm.command(options.toArray(String[]::new));
        command.addAll(List.of(dev.limn.cli.Main.class.getName(), "run", "--cores", "2", "--tier", "always", source.toString()));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] bytes = p.getInputStream().readAllBytes();
        boolean ended = p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String output = new String(bytes, StandardCharsets.UTF_8);
        assertTrue(ended, "the child ended: " + output);
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    private static Set<String> without(Set<String> names, String name) {
        return names.stream().filter(n -> !n.equals(name)).collect(Collectors.toSet());
    }
}
