package dev.limn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The command line of SPEC §9: subcommands, exit statuses, and where output goes. */
class MainTest {
    @TempDir
    Path dir;

    private String file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p.toString();
    }

    @Test
    void runPrintsToStdoutAndExitsZero() throws IOException {
        CliRun.Result r = CliRun.limn("run", file("ok.lm", "print(1 + 2, \"x\");\n"));
        assertEquals(0, r.status());
        assertEquals("3 x\n", r.out());
        assertEquals("", r.err());
    }

    /**
     * The launcher dumps its class-data archive after a run of this program and drops the
     * archive, silently, when the run fails: a program that stopped compiling or running would
     * make every start slower without a word.
     */
    @Test
    void theLaunchersArchiveTrainingProgramRuns() {
        CliRun.Result r = CliRun.limn("run", "--tier", "always", "src/build/archive-training.lm");
        assertEquals("", r.err());
        assertEquals(0, r.status());
        assertEquals("610 2 task:4 NotFound channel 10 3s 2 0 1 1060 [7, 14, 21, 28, 35] 667 [10, 20] 1.75\n", r.out());
    }

    @Test
    void aLongSourceLineIsShownAsAWindowAroundTheCaret() throws IOException {
        String line = "var x = " + "1 + ".repeat(150) + "@ + " + "2 + ".repeat(150) + "2;";
        CliRun.Result r = CliRun.limn("check", file("long.lm", line + "\n"));
        assertEquals(2, r.status());
        int col = line.indexOf('@') + 1;
        assertTrue(r.err().contains("long.lm:1:" + col), r.err());
        String shown = r.err().lines().filter(l -> l.startsWith("1 | ")).findFirst().orElseThrow();
        assertTrue(shown.startsWith("1 | ...") && shown.endsWith("..."), shown);
        assertTrue(shown.length() < 140, "the line is cut: " + shown.length());
        String caret = r.err().lines().filter(l -> l.trim().startsWith("| ") && l.contains("^")).findFirst().orElseThrow();
        assertEquals('@', shown.charAt(caret.indexOf('^')), "the caret is under the offending character");
    }

    @Test
    void onlyTheFirstErrorsAreShownWithACountOfAll() throws IOException {
        CliRun.Result r = CliRun.limn("check", file("many.lm", "var x = [".repeat(5_000) + "\n"));
        assertEquals(2, r.status());
        assertEquals(20, r.err().lines().filter(l -> l.startsWith("error: expected")).count(), "20 errors rendered");
        assertTrue(r.err().contains("errors; the first 20 shown)"), r.err().substring(r.err().length() - 200));
        assertTrue(r.err().length() < 20_000, "rendered in " + r.err().length() + " chars");
    }

    @Test
    void traceWritesEachTaskRunAsATraceEvent() throws IOException {
        String f = file("traced.lm", """
                var n: atomic = 0;
                concurrent {
                    task(i in 1..3) { sleep(1ms); n += i; }
                }
                print(n);
                """);
        Path trace = dir.resolve("out.json");
        CliRun.Result r = CliRun.limn("run", "--trace", trace.toString(), f);
        assertEquals(0, r.status(), r.err());
        assertEquals("6\n", r.out());
        String json = Files.readString(trace);
        assertTrue(json.startsWith("{\"displayTimeUnit\":\"ms\",\"traceEvents\":["), json);
        assertTrue(json.contains("\"name\":\"main task\""), json);
        assertTrue(json.contains("of concurrent block at " + f + ":2:1\""), json);
        assertTrue(json.contains("\"args\":{\"ended\":\"parked: sleep\"}"), json);
        assertTrue(json.contains("\"args\":{\"ended\":\"done\"}"), json);
        assertTrue(json.contains("\"name\":\"thread_name\""), json);
        assertTrue(json.strip().endsWith("]}"), json);
    }

    @Test
    void aTraceThatCannotBeWrittenIsAUsageErrorBeforeTheRun() throws IOException {
        String f = file("t.lm", "print(1);\n");
        CliRun.Result r = CliRun.limn("run", "--trace", dir.resolve("missing").resolve("out.json").toString(), f);
        assertEquals(2, r.status());
        assertEquals("", r.out(), "the program did not run");
        assertTrue(r.err().contains("error: cannot write the trace to "), r.err());
        assertTrue(r.err().contains("its directory does not exist"), r.err());
    }

    @Test
    void aTraceInADirectoryThatTakesNoFilesIsNotCalledMissing() throws IOException {
        // regression: --trace /proc/x.json claimed the directory did not exist
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(Path.of("/proc")), "needs /proc");
        CliRun.Result r = CliRun.limn("run", "--trace", "/proc/limn-trace.json", file("t.lm", "print(1);\n"));
        assertEquals(2, r.status());
        assertTrue(r.err().contains("error: cannot write the trace to /proc/limn-trace.json"), r.err());
        assertTrue(!r.err().contains("does not exist"), r.err());
    }

    @Test
    void jfrWritesTheFlightRecordingOfTheRun() throws IOException {
        String f = file("recorded.lm", """
                var c = channel(1);
                concurrent {
                    task { print(c.recv()); }
                    task { sleep(5ms); c.send(1); }
                }
                """);
        Path jfr = dir.resolve("run.jfr");
        CliRun.Result r = CliRun.limn("run", "--jfr", jfr.toString(), f);
        assertEquals(0, r.status(), r.err());
        assertEquals("1\n", r.out());
        assertEquals("", r.err());
        java.util.List<jdk.jfr.consumer.RecordedEvent> events = jdk.jfr.consumer.RecordingFile.readAllEvents(jfr);
        java.util.Set<String> names = new java.util.TreeSet<>();
        events.forEach(e -> names.add(e.getEventType().getName()));
        assertTrue(names.containsAll(java.util.List.of("limn.TaskStart", "limn.TaskEnd", "limn.BlockBegin", "limn.BlockEnd")),
                names.toString());
        assertTrue(names.stream().allMatch(n -> n.startsWith("limn.")), "only Limn's events: " + names);
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("limn.BlockEnd")
                && e.getString("block").equals("concurrent block at " + f + ":2:1") && e.getInt("units") == 2), events.toString());
    }

    @Test
    void jfrWritesTheRecordingWhenTheProgramFails() throws IOException {
        String f = file("fails.lm", """
                concurrent {
                    task { var z = 0; print(1 / z); }
                }
                """);
        Path jfr = dir.resolve("failed.jfr");
        CliRun.Result r = CliRun.limn("run", "--jfr", jfr.toString(), f);
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("error[DivisionByZero]"), r.err());
        java.util.List<jdk.jfr.consumer.RecordedEvent> events = jdk.jfr.consumer.RecordingFile.readAllEvents(jfr);
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("limn.TaskEnd")
                && e.getString("outcome").equals("DivisionByZero")), events.toString());
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("limn.BlockEnd")
                && e.getString("outcome").equals("DivisionByZero")), events.toString());
    }

    @Test
    void aFlightRecordingThatCannotBeWrittenIsAUsageErrorBeforeTheRun() throws IOException {
        String f = file("t.lm", "print(1);\n");
        CliRun.Result r = CliRun.limn("run", "--jfr", dir.resolve("missing").resolve("run.jfr").toString(), f);
        assertEquals(2, r.status());
        assertEquals("", r.out(), "the program did not run");
        assertTrue(r.err().contains("error: cannot write the flight recording to "), r.err());
        assertTrue(r.err().contains("its directory does not exist"), r.err());
    }

    @Test
    void aFlightRecordingWhoseFileGoesAwayDuringTheRunIsReported() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path jfr = sub.resolve("run.jfr");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        dev.limn.run.FlightRecording recording = dev.limn.run.FlightRecording.start(jfr,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertTrue(recording != null, err.toString(StandardCharsets.UTF_8));
        Files.delete(jfr);
        Files.delete(sub);
        assertFalse(recording.finish());
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("error: cannot write the flight recording to " + jfr + ": "), message);
        assertFalse(message.contains("\tat "), message);
    }

    @Test
    void aFunctionTooLargeIsTheSameCleanCompileErrorForCheckAndRun() throws IOException {
        // regression: 33,000 locals or a 33,000-item list literal was "internal error: register count out of range"
        StringBuilder big = new StringBuilder("fn big() {\n");
        for (int i = 0; i < 33_000; i++) {
            big.append("    var v").append(i).append(" = ").append(i).append(";\n");
        }
        big.append("    return v1;\n}\nprint(big());\n");
        String locals = file("locals.lm", big.toString());
        String list = file("list.lm", "var xs = [" + "1, ".repeat(33_000) + "1];\nprint(len(xs));\n");
        for (String f : new String[] {locals, list}) {
            CliRun.Result run = CliRun.limn("run", f);
            CliRun.Result check = CliRun.limn("check", f);
            assertEquals(2, run.status());
            assertEquals(2, check.status());
            assertEquals(run.err(), check.err(), "limn check says what limn run says");
            assertTrue(run.err().contains("too large: it needs more than 32768 registers"), run.err());
            assertTrue(run.err().contains("split it into smaller functions"), run.err());
            assertFalse(run.err().contains("internal error"), run.err());
            assertEquals(1, run.err().split("error:", -1).length - 1, "reported once: " + run.err().length() + " chars");
        }
        assertTrue(CliRun.limn("run", locals).err().contains("error: function 'big' too large"));
        assertTrue(CliRun.limn("run", list).err().contains("error: function at the top level too large"));
    }

    @Test
    void coresMustBeFromOneTo1024() throws IOException {
        String f = file("c.lm", "print(1);\n");
        for (String bad : new String[] {"0", "-1", "1025", "10000"}) {
            CliRun.Result r = CliRun.limn("run", "--cores", bad, f);
            assertEquals(2, r.status(), bad);
            assertEquals("", r.out(), bad + ": the program did not run");
            assertTrue(r.err().contains("error: --cores must be from 1 to 1024, got " + bad), r.err());
        }
        CliRun.Result ok = CliRun.limn("run", "--cores", "1", f);
        assertEquals(0, ok.status(), ok.err());
        assertEquals("1\n", ok.out());
    }

    @Test
    void aFileThatIsNotUtf8IsRejectedWithTheOffsetOfItsFirstBadByte() throws IOException {
        Path bad = dir.resolve("latin1.lm");
        byte[] bytes = "print(\"caf\u00e9\");\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        java.nio.file.Files.write(bad, bytes);
        CliRun.Result r = CliRun.limn("run", bad.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("error: cannot read " + bad + ": it is not UTF-8 (invalid byte at offset 10)"), r.err());
        assertEquals(-1, Main.firstInvalidUtf8("print(\"\u00e9\")".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void everySubcommandTakesHelp() {
        for (String sub : new String[] {"run", "check", "disasm", "version"}) {
            CliRun.Result r = CliRun.limn(sub, "--help");
            assertEquals(0, r.status(), sub);
            assertTrue(r.out().contains("Usage: limn " + sub), sub + ": " + r.out());
        }
    }

    @Test
    void runtimeErrorExitsOneWithDiagnosticOnStderr() throws IOException {
        String f = file("div.lm", "var a = 1;\nvar b = 0;\nprint(a / b);\n");
        CliRun.Result r = CliRun.limn("run", f);
        assertEquals(1, r.status());
        assertEquals("", r.out());
        assertTrue(r.err().contains("error[DivisionByZero]: division by zero"), r.err());
        assertTrue(r.err().contains("--> " + f + ":3:7"), r.err());
        assertTrue(r.err().contains("3 | print(a / b);"), r.err());
        assertTrue(r.err().contains("^^^^^"), r.err());
    }

    @Test
    void compileErrorsExitTwoAndAreAllReported() throws IOException {
        String f = file("bad.lm", "var x = 1\nprint(y);\nvar z = \"open;\n");
        CliRun.Result r = CliRun.limn("run", f);
        assertEquals(2, r.status());
        assertEquals("", r.out());
        assertTrue(r.err().contains(f + ":1:10"), r.err());
        assertTrue(r.err().contains(f + ":3:9"), r.err());
        assertEquals(2, CliRun.limn("check", f).status());
    }

    @Test
    void checkCompilesWithoutRunning() throws IOException {
        CliRun.Result r = CliRun.limn("check", file("quiet.lm", "print(\"never\");\n"));
        assertEquals(0, r.status());
        assertEquals("", r.out());
    }

    @Test
    void disasmListsTheBytecode() throws IOException {
        CliRun.Result r = CliRun.limn("disasm", file("d.lm", "var s = 0;\niter (i in 0..<10) { s += i; }\nprint(s);\n"));
        assertEquals(0, r.status());
        assertTrue(r.out().contains("FORLOOP"), r.out());
    }

    @Test
    void disasmTierSaysWhatTheTierWouldDoWithEachFunction() throws IOException {
        String program = """
                fn sum(n) { var s = 0; iter (i in 0..<n) { s += i; } return s; }
                fn greet(name) { return "hi " + name; }
                fn safe() { attempt { while (true) { sum(1); } } handle Overflow(e) { print("never"); } }
                print(sum(10), greet("x"));
                """;
        CliRun.Result r = CliRun.limn("disasm", "--tier", file("t.lm", program));
        assertEquals(0, r.status(), r.err());
        String sum = r.out().substring(r.out().indexOf("\nfn sum ("), r.out().indexOf("\nfn greet ("));
        assertTrue(sum.matches("(?s).*tier: compiled to \\d+ bytes of JVM bytecode, entered at pc 0, \\d+\n.*"), sum);
        assertFalse(sum.contains("not specialised"), sum);
        String greet = r.out().substring(r.out().indexOf("\nfn greet ("), r.out().indexOf("\nfn safe ("));
        assertTrue(greet.contains("LOADK not specialised: its constant is not a number"), greet);
        assertTrue(greet.contains("tier: compiled callers call its fast entry (arguments r0 in the window;"), greet);
        assertFalse(sum.contains("calls of itself take its fast entry"), sum);
        String safe = r.out().substring(r.out().indexOf("\nfn safe ("));
        assertTrue(safe.contains("not compiled: reached only through an error handler"), safe);
        CliRun.Result plain = CliRun.limn("disasm", file("t.lm", program));
        assertFalse(plain.out().contains("tier:"), plain.out());
    }

    @Test
    void versionAndHelp() {
        CliRun.Result v = CliRun.limn("version");
        assertEquals(0, v.status());
        assertTrue(v.out().startsWith("limn "), v.out());
        CliRun.Result h = CliRun.limn("--help");
        assertEquals(0, h.status());
        // the parser of a named command alone is built (start-up): --help and an unknown command get every one
        for (String sub : new String[] {"run", "explore", "check", "disasm", "version"}) {
            assertTrue(h.out().contains("\n  " + sub + " "), sub + ": " + h.out());
        }
        CliRun.Result unknown = CliRun.limn("rnu", "x.lm");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("disasm") && unknown.err().contains("explore"), unknown.err());
    }

    @Test
    void badUsageExitsTwo() throws IOException {
        assertEquals(2, CliRun.limn().status());
        assertEquals(2, CliRun.limn("frobnicate").status());
        assertEquals(2, CliRun.limn("run").status());
        assertEquals(2, CliRun.limn("run", "--no-such-option", file("a.lm", "print(1);\n")).status());
        assertEquals(2, CliRun.limn("run", "--cores", "lots", file("b.lm", "print(1);\n")).status());
    }

    @Test
    void missingFileExitsTwoWithAClearMessage() {
        CliRun.Result r = CliRun.limn("run", dir.resolve("nope.lm").toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("no such file"), r.err());
    }

    @Test
    void seedMakesRandomRepeatable() throws IOException {
        String f = file("r.lm", "print(randint(1, 1000000), random());\n");
        assertEquals(CliRun.limn("run", "--seed", "7", f).out(), CliRun.limn("run", "--seed", "7", f).out());
    }
}
