package dev.limn.api;

import java.util.ArrayList;
import java.util.List;

/** The JVM flags Limn needs, and which of them this JVM lacks. */
final class JvmFlags {
    private JvmFlags() {}

    private static final String ADD_EXPORTS = "--add-exports java.base/jdk.internal.misc=ALL-UNNAMED";

    static List<String> required() {
        return List.of(ADD_EXPORTS);
    }

    static List<String> missing() {
        List<String> missing = new ArrayList<>();
        if (!Object.class.getModule().isExported("jdk.internal.misc", JvmFlags.class.getModule())) {
            missing.add(ADD_EXPORTS);
        }
        return missing;
    }

    static void check() {
        List<String> missing = missing();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Limn needs these JVM flags: " + String.join(" ", missing)
                    + " (add them to the java command line, or to your build tool's JVM arguments)");
        }
    }
}
