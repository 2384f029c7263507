package dev.limn.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The conformance programs: every {@code .lm} file below the classpath folder {@code native/},
 * sorted by name. Works whether the folder is a directory ({@code target/test-classes}) or
 * inside a jar.
 */
public final class Corpus {
    /** The classpath folder that holds one sub-folder per area. */
    public static final String ROOT = "native";

    /** The areas of SPEC §1–§4 and §9 that the corpus must cover, one folder each. */
    public static final List<String> AREAS = List.of("basics", "values", "strings", "collections", "control",
            "functions", "closures", "errors", "builtins", "types", "diagnostics", "runtime-errors", "concurrent",
            "channels", "atomics", "async", "parallel");

    /**
     * One program. {@code name} is its path below {@code native/} with {@code /} separators
     * ({@code runtime-errors/div_zero.lm}); it is the file name the program is compiled under,
     * so diagnostics show it.
     */
    public record Entry(String name, String area, URI uri, String text) {
        public Expectations expectations() {
            return Expectations.parse(text);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private Corpus() {}

    /** The programs below {@link #ROOT}: the corpus the conformance tests run. */
    public static List<Entry> load() {
        return load(ROOT);
    }

    /**
     * The programs below the classpath folder {@code root}, named by their path below it.
     */
    public static List<Entry> load(String root) {
        URL url = Corpus.class.getClassLoader().getResource(root);
        if (url == null) {
            throw new IllegalStateException("no '" + root + "' folder on the test classpath");
        }
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of())) {
                    return walk(fs.provider().getPath(uri));
                }
            }
            return walk(Path.of(uri));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Entry> walk(Path root) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".lm") && Files.isRegularFile(p)).sorted().toList()) {
                String name = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                int slash = name.indexOf('/');
                String area = slash < 0 ? "" : name.substring(0, slash);
                entries.add(new Entry(name, area, file.toUri(), Files.readString(file, StandardCharsets.UTF_8)));
            }
        }
        return entries;
    }
}
