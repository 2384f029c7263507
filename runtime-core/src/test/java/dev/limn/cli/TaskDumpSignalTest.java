package dev.limn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.api.LimnRuntime;
import dev.limn.testing.ChildJvm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code kill -USR1} on a running {@code limn run}: a task dump on stderr, and the run goes on to its end. */
class TaskDumpSignalTest {
    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void sigusr1DumpsTheTasksToStderrAndTheRunGoesOn(@TempDir Path dir) throws Exception {
        Path program = dir.resolve("ready.lm");
        Files.writeString(program, """
                var c = channel(1);
                fn receive(ch) { return ch.recv() + 1; }
                concurrent(ch=results) {
                    task { return receive(c); }
                    task { sleep(3s); c.send(41); }
                    print("ready");
                }
                iter (r in results) print(r);
                """);
        List<String> command = ChildJvm.command();
        command.addAll(List.of(Main.class.getName(), "run", "--cores", "2", program.toString()));
        Process p = new ProcessBuilder(command).start();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Thread errors = Thread.ofVirtual().start(() -> {
            try {
                p.getErrorStream().transferTo(stderr);
            } catch (IOException ignored) {
                // the assertions below show what arrived
            }
        });
        StringBuilder stdout = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String first = out.readLine();
            assertEquals("ready", first, "stderr: " + stderr);
            stdout.append(first).append('\n');
            Process kill = new ProcessBuilder("kill", "-USR1", Long.toString(p.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor());
            for (String line; (line = out.readLine()) != null; ) {
                stdout.append(line).append('\n');
            }
        } finally {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        errors.join();
        String err = stderr.toString(StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), err);
        assertEquals("ready\n42\n", stdout.toString());
        assertTrue(err.startsWith("Limn task dump: "), err);
        String name = program.toString();
        assertTrue(err.contains("\n#1 main task: "), err);
        assertTrue(err.contains("  block 1: concurrent block at " + name + ":3:1, 2 live units\n"), err);
        assertTrue(err.contains(" task 2 of concurrent block at " + name + ":3:1: "), err);
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void onlyTheCommandsOwnJvmGetsTheHandlerAndARunGivesItBack() throws Exception {
        Signal usr1 = new Signal("USR1");
        SignalHandler host = s -> { };
        SignalHandler original = Signal.handle(usr1, host);
        try {
            // in-process, as a host or a test runs the command line: its handler is left alone
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
            Path program = Files.createTempFile("signal", ".lm");
            try {
                Files.writeString(program, "print(1);\n");
                assertEquals(0, Main.execute(new String[] {"run", program.toString()}, print, print));
            } finally {
                Files.delete(program);
            }
            assertEquals("1\n", out.toString(StandardCharsets.UTF_8));
            assertSame(host, Signal.handle(usr1, host));
            // installed for a run, then the previous handler is back
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            try (LimnRuntime rt = LimnRuntime.builder().carriers(1).build()) {
                TaskDumpSignal dumps = TaskDumpSignal.install(rt, new PrintStream(err, true, StandardCharsets.UTF_8));
                SignalHandler during = Signal.handle(usr1, host);
                assertNotSame(host, during);
                Signal.handle(usr1, during);
                dumps.close();
            }
            assertSame(host, Signal.handle(usr1, host));
        } finally {
            Signal.handle(usr1, original);
        }
    }

    @Test
    void aSignalTheJvmDoesNotHaveInstallsNothingAndSaysNothing() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (LimnRuntime rt = LimnRuntime.builder().carriers(1).build()) {
            assertNull(TaskDumpSignal.install(rt, new PrintStream(err, true, StandardCharsets.UTF_8), "NOSUCHSIGNAL"));
        }
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }
}
