package dev.limn.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A runtime is an object ({@code dev.limn.vm.Engine}): no static field of main code holds
 * mutable runtime state, so two engines in one JVM share nothing. Static fields are final, and
 * none is of a type that holds counts, queues, collections or off-heap memory.
 */
class NoGlobalStateTest {
    /** Types whose instances are runtime state: counters, mutable collections, allocators, schedulers. */
    private static final Set<String> STATE_TYPES = Set.of(
            "java.util.concurrent.atomic.AtomicLong", "java.util.concurrent.atomic.AtomicInteger",
            "java.util.concurrent.atomic.AtomicBoolean", "java.util.concurrent.atomic.AtomicReference",
            "java.util.concurrent.atomic.LongAdder", "java.util.concurrent.ConcurrentHashMap",
            "java.util.concurrent.ConcurrentLinkedQueue", "java.util.HashMap", "java.util.ArrayList",
            "java.util.HashSet", "java.util.IdentityHashMap", "java.util.LinkedHashMap",
            "dev.limn.offheap.SlabAllocator", "dev.limn.offheap.AtomicCellPool", "dev.limn.vm.RegisterSegments",
            "dev.limn.sched.Scheduler", "dev.limn.vm.Engine", "dev.limn.vm.ProgramRun");

    @Test
    void noStaticFieldHoldsRuntimeState() {
        JavaClasses main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.limn");
        List<String> violations = new ArrayList<>();
        main.forEach(c -> {
            for (JavaField f : c.getFields()) {
                if (!f.getModifiers().contains(JavaModifier.STATIC)) {
                    continue;
                }
                if (!f.getModifiers().contains(JavaModifier.FINAL)) {
                    violations.add(f.getFullName() + " is static and not final");
                } else if (STATE_TYPES.contains(f.getRawType().getName())) {
                    violations.add(f.getFullName() + " is a static " + f.getRawType().getSimpleName());
                }
            }
        });
        assertEquals(List.of(), violations, "static fields holding runtime state; move them into the Engine");
    }
}
