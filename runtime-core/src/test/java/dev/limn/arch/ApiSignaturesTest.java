package dev.limn.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaConstructor;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The module {@code dev.limn.core} exports {@code dev.limn.api} and nothing else, so a host on
 * the module path can name no other Limn type, nor any type of a library Limn uses (the module
 * requires none of them {@code transitive}). Every type a host can see in the API's signatures
 * is therefore in {@code dev.limn.api} or the JDK's {@code java.*}: supertypes and type
 * parameters of the public types, and the types, parameters, results, type arguments and
 * throws clauses of their public and protected fields, constructors and methods.
 */
class ApiSignaturesTest {
    static final String API = "dev.limn.api";

    @Test
    void thePublicApiMentionsOnlyItsOwnAndJdkTypes() {
        JavaClasses api = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(API);
        assertEquals(List.of(), leaks(api), "public signatures of " + API + " that name a type a host cannot see");
    }

    /** One line per visible signature in {@code classes} that names a type outside {@code dev.limn.api} and {@code java.*}. */
    static List<String> leaks(JavaClasses classes) {
        Set<String> leaks = new TreeSet<>();
        for (JavaClass c : classes) {
            if (!c.getPackageName().equals(API) || !visible(c)) {
                continue;
            }
            List<JavaType> own = new ArrayList<>(c.getInterfaces());
            c.getSuperclass().ifPresent(own::add);
            own.addAll(c.getTypeParameters());
            check(leaks, c.getName(), own);
            for (JavaField f : c.getFields()) {
                if (exposed(f.getModifiers())) {
                    check(leaks, f.getFullName(), List.of(f.getType()));
                }
            }
            for (JavaConstructor k : c.getConstructors()) {
                if (exposed(k.getModifiers())) {
                    List<JavaType> types = new ArrayList<>(k.getParameterTypes());
                    types.addAll(k.getThrowsClause().getTypes());
                    check(leaks, k.getFullName(), types);
                }
            }
            for (JavaMethod m : c.getMethods()) {
                if (exposed(m.getModifiers())) {
                    List<JavaType> types = new ArrayList<>(m.getParameterTypes());
                    types.add(m.getReturnType());
                    types.addAll(m.getThrowsClause().getTypes());
                    types.addAll(m.getTypeParameters());
                    check(leaks, m.getFullName(), types);
                }
            }
        }
        return List.copyOf(leaks);
    }

    /** Public, and nested only in public types. */
    private static boolean visible(JavaClass c) {
        for (Optional<JavaClass> k = Optional.of(c); k.isPresent(); k = k.get().getEnclosingClass()) {
            if (!k.get().getModifiers().contains(JavaModifier.PUBLIC)) {
                return false;
            }
        }
        return true;
    }

    private static boolean exposed(Set<JavaModifier> modifiers) {
        return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
    }

    private static void check(Set<String> leaks, String where, Collection<? extends JavaType> types) {
        for (JavaType t : types) {
            for (JavaClass raw : t.getAllInvolvedRawTypes()) {
                JavaClass base = raw.isArray() ? raw.getBaseComponentType() : raw;
                String pkg = base.getPackageName();
                if (!base.isPrimitive() && !pkg.equals(API) && !pkg.equals("java") && !pkg.startsWith("java.")) {
                    leaks.add(where + " names " + base.getName());
                }
            }
        }
    }
}
