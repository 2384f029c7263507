import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Build step of the CLI jar (runs after shading, on JDK 25): rewrites every class file under a
 * package prefix that is older than Java 6 (major version 50) as a Java 8 class file with stack
 * map frames, changing nothing else.
 *
 * <p>Why: picocli ships Java 5 class files. The class-data-sharing archive that the {@code limn}
 * launcher dumps cannot store such a class once it has been linked (it is verified by the old
 * inference verifier, whose checks cannot be recorded), so every start loaded, verified and
 * linked about 180 picocli classes from the jar: about 60 ms of a {@code hello.lm} run
 * (docs/design.md, "Start-up"). With stack maps the classes are verified like any other and the
 * archive keeps them loaded and linked. The frames are computed by the JDK's class-file API,
 * resolving supertypes from the jar itself.
 *
 * <p>Usage: {@code java UpgradeClassFiles.java JAR PREFIX} (PREFIX like {@code picocli/}); the
 * jar is replaced in place. Only picocli is upgraded: the other old class files in the jar
 * (the native-call libraries under OpenHFT affinity) are not loaded by a plain run.
 */
public final class UpgradeClassFiles {
    private static final int FIRST_WITH_STACK_MAPS = ClassFile.JAVA_6_VERSION;

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java UpgradeClassFiles.java JAR PREFIX");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        String prefix = args[1];
        Path rewritten = jar.resolveSibling(jar.getFileName() + ".upgrading");
        int upgraded = 0;
        try (URLClassLoader supertypes = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
             InputStream in = Files.newInputStream(jar);
             ZipInputStream zin = new ZipInputStream(in);
             OutputStream out = Files.newOutputStream(rewritten);
             ZipOutputStream zout = new ZipOutputStream(out)) {
            ClassFile classFiles = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                    ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
                            .orElse(ClassHierarchyResolver.ofResourceParsing(supertypes))));
            // The version goes first, then every method body is rebuilt, which is what makes
            // the class-file API emit stack maps (it only does so for version 50 and later).
            ClassTransform version = (builder, element) -> {
                if (element instanceof ClassFileVersion) {
                    builder.withVersion(ClassFile.JAVA_8_VERSION, 0);
                } else {
                    builder.with(element);
                }
            };
            ClassTransform upgrade = version.andThen(ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL));
            for (ZipEntry entry; (entry = zin.getNextEntry()) != null; ) {
                byte[] bytes = zin.readAllBytes();
                if (entry.getName().startsWith(prefix) && entry.getName().endsWith(".class")) {
                    ClassModel model = classFiles.parse(bytes);
                    if (model.majorVersion() < FIRST_WITH_STACK_MAPS) {
                        bytes = classFiles.transformClass(model, upgrade);
                        // the type-checking verifier the JVM will use on it, run here so a bad
                        // frame fails the build rather than a user's start
                        List<VerifyError> errors = classFiles.verify(bytes);
                        if (!errors.isEmpty()) {
                            throw new IllegalStateException(entry.getName() + " does not verify after the upgrade: "
                                    + errors.getFirst().getMessage());
                        }
                        upgraded++;
                    }
                }
                ZipEntry copy = new ZipEntry(entry.getName());
                copy.setTime(entry.getTime());
                zout.putNextEntry(copy);
                zout.write(bytes);
                zout.closeEntry();
            }
        }
        Files.move(rewritten, jar, StandardCopyOption.REPLACE_EXISTING);
        if (upgraded == 0) {
            // picocli changed its bytecode level, or the prefix is wrong: either way, say so
            System.err.println("warning: no class file older than Java 6 under " + prefix + " in " + jar);
        }
    }
}
