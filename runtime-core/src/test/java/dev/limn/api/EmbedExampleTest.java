package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * examples/embed is documentation: TickHost.java compiles against the embedding API as it is,
 * and prints the summary examples/embed/README.md promises.
 */
class EmbedExampleTest {
    private static final Path DIR = Path.of("..", "examples", "embed");

    @Test
    void tickHostPrintsTheSummaryItsReadmePromises(@TempDir Path classes) throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no system Java compiler (a JRE rather than a JDK?)");
        StringWriter diagnostics = new StringWriter();
        boolean compiled = javac.getTask(diagnostics, null, null,
                List.of("-cp", System.getProperty("java.class.path"), "-d", classes.toString(), "-Xlint:all", "-Werror"),
                null, javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)
                        .getJavaFileObjects(DIR.resolve("TickHost.java"))).call();
        assertTrue(compiled, diagnostics.toString());

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            Method run = loader.loadClass("TickHost").getMethod("run", Path.class, PrintStream.class);
            run.invoke(null, DIR.resolve("strategy.lm"), new PrintStream(printed, true, StandardCharsets.UTF_8));
        }
        assertEquals(promisedOutput(), printed.toString(StandardCharsets.UTF_8));
    }

    /** The block after "It prints, on every run:" in the README. */
    private static String promisedOutput() throws Exception {
        String readme = Files.readString(DIR.resolve("README.md"));
        int marker = readme.indexOf("It prints, on every run:");
        assertTrue(marker >= 0, "README.md promises no output");
        int start = readme.indexOf("```\n", marker) + 4;
        return readme.substring(start, readme.indexOf("```", start));
    }
}
