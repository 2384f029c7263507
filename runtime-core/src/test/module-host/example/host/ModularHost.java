package example.host;

import dev.limn.api.Instance;
import dev.limn.api.LimnRuntime;
import dev.limn.api.Program;

import java.lang.module.ModuleDescriptor;

/**
 * A host on the module path (ModulePathTest compiles and starts it). Prints, one per line:
 * {@code MODULE} the name of Limn's module and the packages it exports; {@code FLAGS}
 * {@code LimnRuntime.requiredJvmFlags()}; {@code INTERNAL} what reaching an internal class
 * through reflection gives; {@code BUILD ok} or {@code BUILD <message>} for a runtime with two
 * pinned carriers; then, when it was built, {@code CALL} the result of a call that runs tasks on
 * the carriers and calls a host function.
 */
public final class ModularHost {
    private ModularHost() {}

    public static void main(String[] args) throws Exception {
        Module limn = LimnRuntime.class.getModule();
        System.out.println("MODULE " + limn.getName() + " exports "
                + limn.getDescriptor().exports().stream().map(ModuleDescriptor.Exports::toString).sorted().toList());
        System.out.println("FLAGS " + LimnRuntime.requiredJvmFlags());
        System.out.println("INTERNAL " + reachInternal());
        try (LimnRuntime rt = LimnRuntime.builder().carriers(2).pin(true).build()) {
            System.out.println("BUILD ok");
            rt.define("scale", a -> (Long) a[0] * 10);
            Program p = rt.compile("host.lm", """
                    fn total(n) {
                        var sum: atomic = 0;
                        concurrent {
                            task(i in 1..n) { sum += scale(i); }
                        }
                        return sum;
                    }
                    """);
            Instance s = rt.load(p);
            System.out.println("CALL " + s.call("total", 4L));
        } catch (IllegalStateException e) {
            System.out.println("BUILD " + e.getMessage());
        }
        System.exit(0);
    }

    /** Calls the public {@code dev.limn.vm.Engine.builder()}, which the module does not export. */
    private static String reachInternal() {
        try {
            Object builder = Class.forName("dev.limn.vm.Engine").getMethod("builder").invoke(null);
            return "reached " + builder;
        } catch (ReflectiveOperationException e) {
            return e.getClass().getSimpleName();
        }
    }
}
