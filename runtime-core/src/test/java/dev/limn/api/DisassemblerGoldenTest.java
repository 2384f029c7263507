package dev.limn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.limn.run.Limn;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Pins the compiler's output: each golden/NAME.lm must disassemble to golden/NAME.disasm.
 * Run with the environment variable LIMN_UPDATE_GOLDEN=true to rewrite the expected files after a deliberate change.
 */
class DisassemblerGoldenTest {
    @ParameterizedTest
    @ValueSource(strings = {"fib", "errors"})
    void listingMatchesGoldenFile(String name) throws Exception {
        String source = read("golden/" + name + ".lm");
        String listing = Limn.disassemble(Limn.compile(name + ".lm", source));
        if ("true".equals(System.getenv("LIMN_UPDATE_GOLDEN"))) {
            Files.writeString(Path.of("src/test/resources/golden/" + name + ".disasm"), listing);
        }
        assertEquals(read("golden/" + name + ".disasm"), listing);
    }

    private static String read(String resource) throws IOException {
        try (InputStream in = DisassemblerGoldenTest.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing test resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
