package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Limn as a module ({@code dev.limn.core}) on the module path, used by a host that is a module
 * too: {@code src/test/module-host} ({@code requires dev.limn.core}) is compiled against the
 * module path of {@code target/classes}, which holds {@code module-info.class}, and runtime-core's
 * runtime dependencies (as the build lists them in {@code target/runtime.classpath}), and run
 * there in a JVM of its own. The module exports {@code dev.limn.api} alone: its other packages
 * are out of reach at compile time and through reflection. The one required flag exports
 * {@code jdk.internal.misc} to Agrona's automatic module, {@code org.agrona}, which is what
 * {@code LimnRuntime.requiredJvmFlags()} names there and what the runtime builder asks for.
 */
class ModulePathTest {
    private static final Path HOST = Path.of("src", "test", "module-host");
    private static final String EXPORT = "--add-exports java.base/jdk.internal.misc=org.agrona";

    @TempDir
    static Path work;
    private static String modulePath;
    private static Path hostClasses;

    @BeforeAll
    static void compileTheHost() throws IOException {
        List<String> entries = new ArrayList<>();
        entries.add(Path.of("target", "classes").toAbsolutePath().toString());
        String runtime = Files.readString(Path.of("target", "runtime.classpath")).strip();
        for (String entry : runtime.split(java.io.File.pathSeparator)) {
            entries.add(entry);
        }
        modulePath = String.join(java.io.File.pathSeparator, entries);
        hostClasses = work.resolve("host");
        List<Path> sources;
        try (Stream<Path> files = Files.walk(HOST)) {
            sources = files.filter(f -> f.toString().endsWith(".java")).toList();
        }
        String diagnostics = compile(sources, hostClasses);
        assertEquals("", diagnostics, "the host module compiles without a warning");
    }

    @Test
    void theModuleExportsOnlyTheApi() throws Exception {
        List<String> lines = runHost(List.of(EXPORT.split(" ")));
        assertEquals("MODULE dev.limn.core exports [dev.limn.api]", lines.get(0), String.join("\n", lines));
        assertEquals("INTERNAL IllegalAccessException", lines.get(2), "dev.limn.vm is not exported, so not even reflection reaches it");
    }

    @Test
    void withTheExportToAgronaAHostModuleRunsLimn() throws Exception {
        List<String> flags = new ArrayList<>(List.of(EXPORT.split(" ")));
        flags.addAll(List.of("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=com.sun.jna"));
        List<String> lines = runHost(flags);
        assertEquals("FLAGS [" + EXPORT + "]", lines.get(1));
        assertEquals("BUILD ok", lines.get(3), String.join("\n", lines));
        assertEquals("CALL 100", lines.get(4), "tasks on two pinned carriers called the host function");
    }

    @Test
    void withoutTheExportTheBuilderNamesTheFlagForTheModulePath() throws Exception {
        List<String> lines = runHost(List.of());
        assertEquals("FLAGS [" + EXPORT + "]", lines.get(1), String.join("\n", lines));
        assertEquals("BUILD Limn needs these JVM flags: " + EXPORT
                + " (add them to the java command line, or to your build tool's JVM arguments)", lines.get(3));
        assertEquals(4, lines.size(), "nothing ran");
    }

    @Test
    void aHostModuleCannotCompileAgainstAnInternalPackage() throws IOException {
        Path src = work.resolve("peek");
        Files.createDirectories(src.resolve("peek"));
        Files.writeString(src.resolve("module-info.java"), "module peek { requires dev.limn.core; }\n");
        Files.writeString(src.resolve("peek").resolve("Peek.java"), """
                package peek;

                public class Peek {
                    Object engine() {
                        return dev.limn.vm.Engine.builder();
                    }
                }
                """);
        String diagnostics = compile(List.of(src.resolve("module-info.java"), src.resolve("peek").resolve("Peek.java")),
                work.resolve("peek-classes"));
        assertTrue(diagnostics.contains("package dev.limn.vm is not visible")
                && diagnostics.contains("declared in module dev.limn.core, which does not export it"), diagnostics);
    }

    /**
     * The classes compile on the class path (docs/design.md, "Modules"), so javac does not hold
     * them to the descriptor: jdeps does. Each module requires what its classes use, as jdeps
     * suggests from them, and runtime-core two more, which only running on the module path
     * shows: jdk.unsupported (JCTools uses sun.misc.Unsafe but requires it only statically) and
     * org.slf4j (OpenHFT affinity logs through it, and as an automatic module cannot require it).
     */
    @Test
    void eachDescriptorRequiresWhatItsClassesUse() throws IOException {
        Set<String> runtimeOnly = Set.of("jdk.unsupported", "org.slf4j");
        for (String module : List.of("dev.limn.core", "dev.limn.offheap")) {
            ModuleDescriptor declared = ModuleFinder.of(Stream.of(modulePath.split(java.io.File.pathSeparator)).map(Path::of).toArray(Path[]::new)).find(module)
                    .orElseThrow().descriptor();
            Set<String> requires = new TreeSet<>();
            declared.requires().forEach(r -> requires.add(r.name()));
            Set<String> expected = new TreeSet<>(suggestedRequires(module));
            if (module.equals("dev.limn.core")) {
                expected.addAll(runtimeOnly);
            }
            assertEquals(expected, requires, module + ": jdeps finds these in its classes" + (module.equals("dev.limn.core")
                    ? ", plus " + runtimeOnly : ""));
        }
    }

    /** The requires of jdeps' "Suggested module descriptor" for {@code module}, java.base included. */
    private static Set<String> suggestedRequires(String module) {
        java.util.spi.ToolProvider jdeps = java.util.spi.ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        int status = jdeps.run(new PrintWriter(out), new PrintWriter(out),
                "--multi-release", "25", "--module-path", modulePath, "--check", module);
        assertEquals(0, status, out.toString());
        Set<String> suggested = new TreeSet<>();
        boolean inSection = false;
        for (String line : out.toString().lines().toList()) {
            if (line.strip().startsWith("[")) {
                inSection = line.contains("[Suggested module descriptor for " + module + "]");
            } else if (inSection && line.strip().startsWith("requires ")) {
                String[] words = line.strip().replace(";", "").split(" ");
                suggested.add(words[words.length - 1]);
            }
        }
        assertFalse(suggested.isEmpty(), out.toString());
        return suggested;
    }

    /** Compiles {@code sources} onto the module path into {@code out}; returns javac's diagnostics. */
    private static String compile(List<Path> sources, Path out) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no system Java compiler (a JRE rather than a JDK?)");
        StringWriter diagnostics = new StringWriter();
        // an empty class path: in process, javac would otherwise search this test JVM's
        javac.getTask(diagnostics, null, null, List.of("--module-path", modulePath, "--class-path", out.toString(),
                "-d", out.toString(), "-Xlint:all", "-implicit:none"), null,
                javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)
                        .getJavaFileObjectsFromPaths(sources)).call();
        return diagnostics.toString();
    }

    /** The host's lines of output (JVM warnings left out), run with {@code flags} on the module path. */
    private static List<String> runHost(List<String> flags) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(flags);
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "--module-path", modulePath + java.io.File.pathSeparator + hostClasses,
                "-m", "example.host/example.host.ModularHost"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] bytes = p.getInputStream().readAllBytes();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String output = new String(bytes, StandardCharsets.UTF_8);
        assertTrue(ended, "the host ended: " + output);
        assertEquals(0, p.exitValue(), output);
        assertFalse(output.contains("SLF4J"), "SLF4J found its provider on the module path: " + output);
        return output.lines().filter(l -> l.matches("(MODULE|FLAGS|INTERNAL|BUILD|CALL) .*")).toList();
    }
}
