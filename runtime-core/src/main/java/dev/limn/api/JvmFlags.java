package dev.limn.api;

import org.agrona.UnsafeApi;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM command-line flags Limn cannot run without, and a check that they are in effect.
 *
 * <p>On JDK 25 exactly one flag is required:
 * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} with Agrona on the class path,
 * {@code =org.agrona} (its automatic module name) with Agrona on the module path, as it always is
 * when Limn runs as the module {@code dev.limn.core}, which requires it. The export goes to
 * Agrona's module, not Limn's: no Limn class links against {@code jdk.internal.misc}, so
 * {@code =dev.limn.core} would not do. The interpreter reads and writes
 * registers by raw address through Agrona's {@code org.agrona.UnsafeApi}, which is bound to
 * {@code jdk.internal.misc.Unsafe} and has no fallback: without the export the class fails to
 * initialise ({@code IllegalAccessError}, later {@code NoClassDefFoundError}) at the first
 * instruction of the first program, which a run reports as an internal error.
 *
 * <p>The other flags in the build's {@code limn.jvm.flags} are not {@linkplain #required()
 * required}; on JDK 25 leaving them out costs a warning or a limit:
 * <ul>
 *   <li>{@code --sun-misc-unsafe-memory-access=allow}: without it JCTools' queues (on every
 *       run) make the JVM print a four-line warning about {@code sun.misc.Unsafe} to stderr
 *       once (JEP 498). A later JDK that denies that access by default would make it required.
 *   <li>{@code --enable-native-access=ALL-UNNAMED} ({@code =com.sun.jna} on the module path):
 *       without it pinning carriers to cores ({@code pin}) prints a warning when JNA loads its
 *       native library through OpenHFT affinity, and so does the slab allocator's debug mode
 *       ({@code limn.slab.debug}, or the checked VM mode {@code limn.vm.checked}; tests and VM
 *       work only; {@code =dev.limn.offheap} on the module path).
 *       Under {@code --illegal-native-access=deny} those two paths fail instead.
 *   <li>{@code -Xss16m}: not a need but a limit; {@code ==} and dict keys on lists nested a
 *       few thousand levels deep raise {@code StackOverflow} on the default 1 MiB stack.
 * </ul>
 *
 * <p>The check asks the module system, not the command line, so the export counts however it
 * was made: a flag, {@code JDK_JAVA_OPTIONS}, an {@code Add-Exports} attribute in the manifest
 * of the jar run with {@code -jar}, or an {@code --add-opens} of the same package.
 */
final class JvmFlags {
    private static final String UNSAFE_PACKAGE = "jdk.internal.misc";

    private JvmFlags() {}

    /** The flags Limn needs, as they are written on the {@code java} command line. */
    static List<String> required() {
        return List.of(addExports());
    }

    /** The flags among {@link #required()} that are not in effect in this JVM; empty when all are. */
    static List<String> missing() {
        List<String> missing = new ArrayList<>();
        if (!Object.class.getModule().isExported(UNSAFE_PACKAGE, unsafeUser())) {
            missing.add(addExports());
        }
        return List.copyOf(missing);
    }

    /**
     * Throws if a required flag is not in effect, naming the flags to add.
     *
     * @throws IllegalStateException if {@link #missing()} is not empty
     */
    static void check() {
        List<String> missing = missing();
        if (!missing.isEmpty()) {
            throw new IllegalStateException(message(missing));
        }
    }

    /** The one-line message of {@link #check()} for {@code missing}. */
    static String message(List<String> missing) {
        return "Limn needs these JVM flags: " + String.join(" ", missing)
                + " (add them to the java command line, or to your build tool's JVM arguments)";
    }

    /** {@code --add-exports} of {@code jdk.internal.misc} to the module that uses it: Agrona's, or the class path. */
    private static String addExports() {
        Module user = unsafeUser();
        return "--add-exports java.base/" + UNSAFE_PACKAGE + "=" + (user.isNamed() ? user.getName() : "ALL-UNNAMED");
    }

    /**
     * The module of Agrona's {@code UnsafeApi}, which is what links against
     * {@code jdk.internal.misc.Unsafe}. Loaded, not initialised: initialising it without the
     * export is the failure this class reports.
     */
    private static Module unsafeUser() {
        return UnsafeApi.class.getModule();
    }
}
