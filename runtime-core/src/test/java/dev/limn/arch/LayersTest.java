package dev.limn.arch;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layer table at the top of {@code docs/design.md} is the rule: each {@code dev.limn}
 * package imports only the packages its row names, and no packages import each other in a loop.
 * The table is read from the document, so the two cannot drift apart.
 */
class LayersTest {
    private static final Path DESIGN = Path.of("..", "docs", "design.md");
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z]+)` \\| ([^|]*) \\|");

    private static JavaClasses main;
    private static Map<String, Set<String>> table;

    @BeforeAll
    static void load() throws IOException {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.limn");
        table = readTable(Files.readAllLines(DESIGN));
    }

    /** The rows of the table under "## Layers": package, then the packages it may import. */
    static Map<String, Set<String>> readTable(List<String> lines) {
        Map<String, Set<String>> rows = new LinkedHashMap<>();
        boolean inSection = false;
        for (String line : lines) {
            if (line.startsWith("## ")) {
                inSection = line.equals("## Layers");
                continue;
            }
            Matcher m = ROW.matcher(line);
            if (inSection && m.find()) {
                Set<String> allowed = new TreeSet<>();
                for (String cell : m.group(2).split(",")) {
                    String name = cell.strip().replace("`", "");
                    if (!name.isEmpty() && !name.equals("—")) {
                        allowed.add(name);
                    }
                }
                rows.put(m.group(1), allowed);
            }
        }
        return rows;
    }

    @Test
    void theTableNamesEveryPackage() {
        Set<String> packages = new TreeSet<>();
        main.forEach(c -> {
            String name = c.getPackageName();
            if (name.startsWith("dev.limn.")) {
                packages.add(name.substring("dev.limn.".length()).split("\\.")[0]);
            }
        });
        assertEquals(packages, new TreeSet<>(table.keySet()), "docs/design.md's layer table lists exactly the packages of the code");
        table.forEach((pkg, allowed) -> assertTrue(table.keySet().containsAll(allowed), pkg + " may import only packages of the table"));
    }

    @Test
    void eachPackageImportsOnlyWhatItsRowAllows() {
        table.forEach((pkg, allowed) -> {
            String[] mayUse = allowed.stream().map(a -> "dev.limn." + a + "..").toArray(String[]::new);
            String[] own = {"dev.limn." + pkg + ".."};
            String[] both = Arrays.copyOf(mayUse, mayUse.length + 1);
            both[mayUse.length] = own[0];
            classes().that().resideInAPackage("dev.limn." + pkg + "..")
                    .should().onlyDependOnClassesThat(resideOutsideOfPackage("dev.limn..").or(resideInAnyPackage(both)))
                    .because("docs/design.md: " + pkg + " may import " + (allowed.isEmpty() ? "no other package" : allowed))
                    .check(main);
        });
    }

    @Test
    void noPackagesImportEachOtherInALoop() {
        slices().matching("dev.limn.(*)..").should().beFreeOfCycles().check(main);
    }

    @Test
    void theTableIsReadAsWritten() {
        Map<String, Set<String>> rows = readTable(List.of("## Layers", "| `a` | — | x |", "| `b` | `a`, `c` | y |", "## Next", "| `d` | `a` | z |"));
        assertEquals(Map.of("a", Set.of(), "b", Set.of("a", "c")), rows);
    }
}
