package dev.limn.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The programs in {@code examples/} are documentation: each one whose header says
 * {@code Output, on every run:} must print exactly the comment lines that follow it (their
 * text after {@code "//   "}), exit 0 and leave every live count at 0. They run in-process
 * under the name the header tells the reader to type ({@code examples/NAME.lm}), so
 * diagnostics and labels match what the reader sees.
 */
class ExamplesTest {

    private static final String MARKER = "Output, on every run:";
    private static final String LINE_PREFIX = "//   ";

    @TestFactory
    Stream<DynamicTest> everyExamplePrintsWhatItsHeaderSays() throws IOException {
        Path dir = Path.of("..", "examples");
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".lm")).sorted().toList()) {
                String text = Files.readString(file);
                List<String> expected = expectedOutput(text);
                if (expected == null) {
                    continue; // no promised output (hello.lm prints a greeting; nothing to hold it to)
                }
                String name = "examples/" + file.getFileName();
                tests.add(DynamicTest.dynamicTest(name, file.toUri(), () -> assertTimeoutPreemptively(
                        NativeConformanceTest.HANG_GUARD, () -> check(name, text, expected))));
            }
        }
        assertFalse(tests.isEmpty(), "no example promises its output");
        return tests.stream();
    }

    private static void check(String name, String text, List<String> expected) {
        RunResult result = new ProgramRunner(LimnEngine.INSTANCE).run(name, text);
        assertEquals("", result.stderr(), name + ": stderr");
        assertEquals(0, result.status(), name + ": exit status");
        assertEquals(String.join("\n", expected) + "\n", result.stdout(), name + ": stdout");
        result.liveCounts().forEach((what, n) -> assertEquals(0L, n, name + ": live " + what));
    }

    /** The comment lines after the marker, or null when the header has no marker. */
    static List<String> expectedOutput(String text) {
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("//") && lines.get(i).contains(MARKER)) {
                List<String> out = new ArrayList<>();
                for (int j = i + 1; j < lines.size() && lines.get(j).startsWith(LINE_PREFIX); j++) {
                    out.add(lines.get(j).substring(LINE_PREFIX.length()));
                }
                return out;
            }
        }
        return null;
    }
}
