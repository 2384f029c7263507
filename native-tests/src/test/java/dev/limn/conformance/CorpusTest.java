package dev.limn.conformance;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The corpus itself follows the rules of native-tests/README.md. */
class CorpusTest {
    private final List<Corpus.Entry> corpus = Corpus.load();

    @Test
    void coversEveryAreaWithAtLeastAHundredPrograms() {
        assertTrue(corpus.size() >= 100, "only " + corpus.size() + " programs");
        Set<String> areas = new TreeSet<>();
        corpus.forEach(e -> areas.add(e.area()));
        assertEquals(new TreeSet<>(Corpus.AREAS), areas);
    }

    @Test
    void everyProgramSaysWhatItChecksAndStatesExpectations() {
        assertEquals(List.of(), problems(corpus));
    }

    /**
     * What is wrong with {@code programs} by the rules of native-tests/README.md: one line per
     * problem, empty when all is well.
     */
    static List<String> problems(List<Corpus.Entry> programs) {
        List<String> bad = new ArrayList<>();
        for (Corpus.Entry e : programs) {
            if (!e.text().startsWith("// ") || e.text().startsWith("// expect")) {
                bad.add(e.name() + ": does not open with a comment saying what it checks");
            }
            if (!e.name().matches("[a-z-]+/[a-z0-9_]+\\.lm")) {
                bad.add(e.name() + ": name is not area/snake_case.lm");
            }
            Expectations x;
            try {
                x = e.expectations();
            } catch (IllegalArgumentException ex) {
                bad.add(e.name() + ": " + ex.getMessage());
                continue;
            }
            if (x.isEmpty()) {
                bad.add(e.name() + ": states no expectation");
            }
            switch (e.area()) {
                case "diagnostics" -> {
                    if (x.exitStatus() != 2 || x.stderrFragments().isEmpty() || !x.stdoutLines().isEmpty()) {
                        bad.add(e.name() + ": a compile-error test needs // exit: 2, an expect-error and no output");
                    }
                    if (x.stderrFragments().stream().noneMatch(f -> f.contains(e.name() + ":"))) {
                        bad.add(e.name() + ": a compile-error test must check the location (" + e.name() + ":L:C)");
                    }
                }
                case "runtime-errors" -> {
                    if (x.exitStatus() != 1 || x.stderrFragments().stream().noneMatch(f -> f.startsWith("error["))) {
                        bad.add(e.name() + ": a runtime-error test needs exit 1 and an error[Kind] expectation");
                    }
                    if (x.stderrFragments().stream().noneMatch(f -> f.contains("--> " + e.name() + ":"))) {
                        bad.add(e.name() + ": a runtime-error test must check the location (--> " + e.name() + ":L:)");
                    }
                }
                default -> {
                    if (x.exitStatus() == 2) {
                        bad.add(e.name() + ": compile errors belong in diagnostics/");
                    }
                }
            }
        }
        return bad;
    }
}
