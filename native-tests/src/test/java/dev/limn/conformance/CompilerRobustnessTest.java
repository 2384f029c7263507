package dev.limn.conformance;

import dev.limn.lang.CompileException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The compiler never crashes on bad input: every truncation and seeded mutation of every
 * conformance program (see {@link Mutator}) either compiles or raises a
 * {@link CompileException} whose rendering names the file and a {@code line:col}. Any other
 * exception or error is a failure. The mutated programs are compiled, never run.
 */
class CompilerRobustnessTest {
    /**
     * Not a timing assertion: a compile of a few hundred characters that has not finished
     * after this long is stuck (a parser that stops consuming input on an error loops forever).
     */
    static final Duration HANG_GUARD = Duration.ofSeconds(60);

    @TestFactory
    Stream<DynamicTest> compilerSurvivesBrokenPrograms() {
        return Corpus.load().stream()
                .map(entry -> DynamicTest.dynamicTest(entry.name(), entry.uri(), () -> {
                    List<String> failures = assertTimeoutPreemptively(HANG_GUARD,
                            () -> survive(LimnEngine.INSTANCE, entry),
                            () -> entry.name() + ": the compiler did not finish on a broken variant");
                    if (!failures.isEmpty()) {
                        fail(entry.name() + ": " + failures.size() + " broken variants were not reported as compile errors\n"
                                + String.join("\n", failures));
                    }
                }));
    }

    /** Compiles every variant of {@code entry}; returns one line per variant that misbehaved. */
    static List<String> survive(Engine engine, Corpus.Entry entry) {
        List<Mutator.Variant> variants = new ArrayList<>(Mutator.truncations(entry.text()));
        variants.addAll(Mutator.mutations(entry.text(), Mutator.SEED ^ entry.name().hashCode()));
        List<String> failures = new ArrayList<>();
        for (Mutator.Variant variant : variants) {
            String failure = attempt(engine, entry.name(), variant);
            if (failure != null) {
                failures.add(failure);
            }
        }
        return failures;
    }

    /** Null when {@code variant} compiled or was rejected properly, else what went wrong. */
    static String attempt(Engine engine, String name, Mutator.Variant variant) {
        try {
            engine.compile(name, variant.text());
            return null;
        } catch (CompileException e) {
            String rendered = e.render();
            if (!Pattern.compile(Pattern.quote(name) + ":\\d+:\\d+").matcher(rendered).find()) {
                return "  " + variant.description() + ": the diagnostics do not name " + name + ":line:col\n"
                        + indent(rendered) + "  input:\n" + indent(variant.text());
            }
            return null;
        } catch (RuntimeException | Error e) {
            return "  " + variant.description() + ": " + e + "\n  input:\n" + indent(variant.text());
        }
    }

    private static String indent(String text) {
        StringBuilder sb = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            sb.append("    | ").append(line).append('\n');
        }
        return sb.toString();
    }
}
