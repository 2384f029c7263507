package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * {@link LimnRuntime#taskDump()} and {@link LimnRuntime#taskDumpJson()} taken while programs
 * run: each live task with its state, what it waits on and its stack, in the tree of blocks.
 */
class TaskDumpTest {
    private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream());

    /** A receiver, a sleeper and a spinner two calls deep, in one block; each keeps its state until the runtime closes. */
    private static final String THREE_TASKS = """
            var c = channel(1);
            fn inner(n) { var i = 0; while (true) { i += n; } }
            fn outer() { inner(1); }
            concurrent {
                task { c.recv(); }
                task { sleep(60s); }
                task { outer(); }
            }
            """;

    @Test
    void showsEachTaskWithItsStateWhatItWaitsOnAndItsStack() throws Exception {
        try (LimnRuntime rt = runtime()) {
            CompletableFuture<Instance> run = rt.loadAsync(rt.compile("dump.lm", THREE_TASKS), Map.of());
            String text = awaitDump(rt, run, d -> d.contains("blocked: receive") && d.contains("sleeping:") && d.contains("at inner"));
            assertTrue(text.startsWith("Limn task dump: 4 live tasks, 1 live block\n"), text);
            assertTrue(text.contains("\n#1 main task: awaiting: the end of concurrent block at dump.lm:4:1\n    at main (dump.lm:"), text);
            assertTrue(text.contains("\n  block 1: concurrent block at dump.lm:4:1, 3 live units\n"), text);
            assertTrue(text.contains("    #2 task 1 of concurrent block at dump.lm:4:1: blocked: receive from channel 1\n"
                    + "        at task (dump.lm:5)\n"), text);
            assertTrue(text.matches("(?s).*    #3 task 2 of concurrent block at dump\\.lm:4:1: sleeping: wakes in 5\\d\\.\\d{3} s\n"
                    + "        at task \\(dump\\.lm:6\\)\n.*"), text);
            // the spinner runs (or waits for its next slice): its stack is read while it runs
            assertTrue(text.matches("(?s).*    #4 task 3 of concurrent block at dump\\.lm:4:1: (running|runnable)[^\n]*\n"
                    + "        at inner \\(dump\\.lm:2\\)\n        at outer \\(dump\\.lm:3\\)\n        at task \\(dump\\.lm:7\\)\n.*"), text);

            Map<String, Object> json = object(Json.parse(rt.taskDumpJson()));
            assertEquals(4L, json.get("liveTasks"));
            assertEquals(1L, json.get("liveBlocks"));
            List<Object> tasks = list(json.get("tasks"));
            assertEquals(4, tasks.size());
            Map<String, Object> main = object(tasks.get(0));
            assertEquals(1L, main.get("id"));
            assertEquals("main task", main.get("description"));
            assertEquals("awaiting", main.get("state"));
            assertNull(main.get("block"));
            assertEquals(true, main.get("stackExact"));
            Map<String, Object> receiver = object(tasks.get(1));
            assertEquals("blocked", receiver.get("state"));
            Map<String, Object> wait = object(receiver.get("waitingOn"));
            assertEquals("receive", wait.get("kind"));
            assertEquals(1L, wait.get("channel"));
            assertEquals(List.of(Map.of("function", "task", "file", "dump.lm", "line", 5L)), receiver.get("stack"));
            assertEquals(1L, receiver.get("block"));
            assertEquals(true, receiver.get("stackExact"));
            Map<String, Object> sleeper = object(tasks.get(2));
            assertEquals("sleeping", sleeper.get("state"));
            long left = (Long) object(sleeper.get("waitingOn")).get("remainingMillis");
            assertTrue(left > 0 && left <= 60_000, "remainingMillis " + left);
            Map<String, Object> spinner = object(tasks.get(3));
            assertNull(spinner.get("waitingOn"));
            assertEquals(List.of(Map.of("function", "inner", "file", "dump.lm", "line", 2L),
                    Map.of("function", "outer", "file", "dump.lm", "line", 3L),
                    Map.of("function", "task", "file", "dump.lm", "line", 7L)), spinner.get("stack"));
            assertEquals(3L, spinner.get("frames"));
            Map<String, Object> block = object(list(json.get("blocks")).get(0));
            assertEquals(Map.of("id", 1L, "label", "concurrent block at dump.lm:4:1", "startedBy", 1L, "liveUnits", 3L),
                    without(block, "parent"));
            assertNull(block.get("parent"));
            assertFalse(run.isDone());
        }
    }

    @Test
    void nestedBlocksAreDrawnUnderTheTaskThatStartedThem() throws Exception {
        try (LimnRuntime rt = runtime()) {
            CompletableFuture<Instance> run = rt.loadAsync(rt.compile("nested.lm", """
                    var c = channel(1);
                    fn spin() { while (true) {} }
                    concurrent {
                        task { spin(); }
                        task(name in ["outer"]) {
                            concurrent(cores=1) {
                                task { c.recv(); }
                                task { c.recv(); }
                            }
                        }
                    }
                    """), Map.of());
            String text = awaitDump(rt, run, d -> d.contains("permit of") && d.contains("blocked: receive"));
            assertTrue(text.startsWith("""
                    Limn task dump: 4 live tasks, 2 live blocks
                    #1 main task: awaiting: the end of concurrent block at nested.lm:3:1
                        at main (nested.lm:3)
                      block 1: concurrent block at nested.lm:3:1, 2 live units
                        #2 task 1 of concurrent block at nested.lm:3:1: """), text);
            assertTrue(text.contains("""
                            at spin (nested.lm:2)
                            at task (nested.lm:4)
                        #3 task 2 (name = "outer") of concurrent block at nested.lm:3:1: blocked: a permit of concurrent block at nested.lm:6:9
                            at task name (nested.lm:8)
                            at parallel chunk (nested.lm:5)
                          block 2: concurrent block at nested.lm:6:9, 1 live unit
                            #4 task 1 of concurrent block at nested.lm:6:9: blocked: receive from channel 1
                                at task (nested.lm:7)
                    """), text);
            List<Object> blocks = list(object(Json.parse(rt.taskDumpJson())).get("blocks"));
            assertEquals(Map.of("id", 2L, "label", "concurrent block at nested.lm:6:9", "startedBy", 3L, "parent", 1L,
                    "liveUnits", 1L), blocks.get(1));
        }
    }

    @Test
    void showsAtMostAThousandTasks() throws Exception {
        try (LimnRuntime rt = runtime()) {
            CompletableFuture<Instance> run = rt.loadAsync(rt.compile("many.lm", """
                    concurrent { task(i in 1..1500) { sleep(60s); } }
                    """), Map.of());
            String text = awaitDump(rt, run, d -> d.startsWith("Limn task dump: 1501 live tasks"));
            assertTrue(text.startsWith("Limn task dump: 1501 live tasks, 1 live block (1000 tasks and 1 blocks shown)\n"), text);
            assertEquals(1000, text.split("\n *#", -1).length - 1, "task lines");
            Map<String, Object> json = object(Json.parse(rt.taskDumpJson()));
            assertEquals(1501L, json.get("liveTasks"));
            assertEquals(1000, list(json.get("tasks")).size());
        }
    }

    @Test
    void showsTheInnermostThirtyTwoFramesAndCutsLongItems() throws Exception {
        try (LimnRuntime rt = runtime()) {
            CompletableFuture<Instance> run = rt.loadAsync(rt.compile("deep.lm", """
                    fn down(n) { if (n == 0) { sleep(60s); } else { down(n - 1); } }
                    var long = "";
                    iter (k in 1..1000) long += "x";
                    concurrent { task(s in [long]) { down(100); } }
                    """), Map.of());
            String text = awaitDump(rt, run, d -> d.contains("sleeping"));
            String deep = text.substring(text.indexOf("#2 "));
            assertTrue(deep.startsWith("#2 task 1 (s = \"" + "x".repeat(40) + "\"...) of concurrent block at deep.lm:4:1: sleeping"), deep);
            assertEquals(32, deep.split("\n +at ", -1).length - 1, deep);
            assertTrue(deep.contains("\n        at down (deep.lm:1)\n"), deep);
            assertTrue(deep.endsWith("\n        ... 71 more frames\n"), deep); // 101 calls of down, the task's, the chunk's
            Map<String, Object> task = object(list(object(Json.parse(rt.taskDumpJson())).get("tasks")).get(1));
            assertEquals(32, list(task.get("stack")).size());
            assertEquals(103L, task.get("frames"));
        }
    }

    @Test
    void aDumpTakenAgainAndAgainWhileTasksComeAndGoNeverFails() throws Exception {
        try (LimnRuntime rt = runtime()) {
            CompletableFuture<Instance> run = rt.loadAsync(rt.compile("churn.lm", """
                    fn work(n) { var s = 0; iter (k in 0..<n) s += k; return s; }
                    var total: atomic = 0;
                    iter (round in 1..200) {
                        concurrent {
                            task(i in 1..50) { total += work(i); }
                            task { concurrent { task { total += work(10); } } }
                        }
                    }
                    """), Map.of());
            int dumps = 0;
            while (!run.isDone() || dumps < 10) {
                String text = rt.taskDump();
                assertTrue(text.startsWith("Limn task dump: "), text);
                Object json = Json.parse(rt.taskDumpJson());
                assertTrue(object(json).get("tasks") instanceof List<?>, json::toString);
                dumps++;
            }
            run.get();
            assertEquals("Limn task dump: 0 live tasks, 0 live blocks\n", rt.taskDump());
        }
    }

    @Test
    void aClosedRuntimeHasNoLiveTask() {
        LimnRuntime rt = runtime();
        rt.close();
        assertEquals("Limn task dump: 0 live tasks, 0 live blocks\n", rt.taskDump());
        assertEquals(Map.of("liveTasks", 0L, "liveBlocks", 0L, "tasks", List.of(), "blocks", List.of()),
                Json.parse(rt.taskDumpJson()));
    }

    @Test
    void jsonStringsEscapeQuotesControlCharactersAndLoneSurrogates() throws Exception {
        try (LimnRuntime rt = runtime()) {
            CompletableFuture<Instance> run = rt.loadAsync(rt.compile("esc\"ape.lm", """
                    concurrent { task(s in ["a\\"b\\\\c\\n\\t\\u{1F600}"]) { sleep(60s); } }
                    """), Map.of());
            awaitDump(rt, run, d -> d.contains("sleeping"));
            String json = rt.taskDumpJson();
            Map<String, Object> task = object(list(object(Json.parse(json)).get("tasks")).get(1));
            assertEquals("task 1 (s = \"a\\\"b\\\\c\\n\\t\uD83D\uDE00\") of concurrent block at esc\"ape.lm:1:1",
                    task.get("description"), json);
        }
    }

    private static LimnRuntime runtime() {
        return LimnRuntime.builder().carriers(2).out(NOWHERE).err(NOWHERE).build();
    }

    /** Takes dumps until one satisfies {@code ready} (the tasks reached their states), for at most 20 s. */
    private static String awaitDump(LimnRuntime rt, CompletableFuture<Instance> run, Predicate<String> ready) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        String d = rt.taskDump();
        while (!ready.test(d)) {
            if (run.isDone()) {
                run.get(); // throws the program's error
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("the tasks did not reach their states:\n" + d);
            }
            Thread.sleep(10);
            d = rt.taskDump();
        }
        return d;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v) {
        assertTrue(v instanceof Map, String.valueOf(v));
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object v) {
        assertTrue(v instanceof List, String.valueOf(v));
        return (List<Object>) v;
    }

    private static Map<String, Object> without(Map<String, Object> m, String key) {
        Map<String, Object> copy = new LinkedHashMap<>(m);
        copy.remove(key);
        return copy;
    }

    /** A strict JSON reader (RFC 8259): objects, arrays, strings, integers, true, false, null; anything else fails. */
    static final class Json {
        private final String s;
        private int at;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            Json j = new Json(text);
            Object v = j.value();
            j.space();
            if (j.at != text.length()) {
                throw new AssertionError("text after the JSON value at " + j.at + ": " + text);
            }
            return v;
        }

        private Object value() {
            space();
            char c = peek();
            if (c == '{') {
                at++;
                Map<String, Object> m = new LinkedHashMap<>();
                space();
                if (peek() == '}') {
                    at++;
                    return m;
                }
                do {
                    space();
                    String key = string();
                    space();
                    expect(':');
                    if (m.put(key, value()) != null) {
                        throw new AssertionError("duplicate key " + key + ": " + s);
                    }
                    space();
                } while (next() == ',');
                at--;
                expect('}');
                return m;
            }
            if (c == '[') {
                at++;
                List<Object> l = new ArrayList<>();
                space();
                if (peek() == ']') {
                    at++;
                    return l;
                }
                do {
                    l.add(value());
                    space();
                } while (next() == ',');
                at--;
                expect(']');
                return l;
            }
            if (c == '"') {
                return string();
            }
            for (String word : new String[] {"true", "false", "null"}) {
                if (s.startsWith(word, at)) {
                    at += word.length();
                    return word.equals("null") ? null : Boolean.valueOf(word);
                }
            }
            int start = at;
            if (peek() == '-') {
                at++;
            }
            while (at < s.length() && Character.isDigit(s.charAt(at))) {
                at++;
            }
            if (start == at || (s.charAt(start) == '0' && at - start > 1)) {
                throw new AssertionError("bad JSON value at " + start + ": " + s);
            }
            return Long.parseLong(s.substring(start, at));
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            for (;;) {
                char c = next();
                if (c == '"') {
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw new AssertionError("raw control character in a JSON string at " + at + ": " + s);
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        sb.append((char) Integer.parseInt(s.substring(at, at + 4), 16));
                        at += 4;
                    }
                    default -> throw new AssertionError("bad escape at " + at + ": " + s);
                }
            }
        }

        private void space() {
            while (at < s.length() && " \t\r\n".indexOf(s.charAt(at)) >= 0) {
                at++;
            }
        }

        private char peek() {
            if (at >= s.length()) {
                throw new AssertionError("JSON ends early: " + s);
            }
            return s.charAt(at);
        }

        private char next() {
            char c = peek();
            at++;
            return c;
        }

        private void expect(char c) {
            if (next() != c) {
                throw new AssertionError("expected " + c + " at " + (at - 1) + ": " + s);
            }
        }
    }
}
