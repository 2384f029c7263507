package dev.limn.stress.vm;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.limn.vm.Box;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.J_Result;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * A shared variable written from two tasks (SPEC §6.1): {@code x += 1} compiles to the loop
 * "read the box, compute, compareAndSet or retry", and {@code x = v} to an atomic store. Each
 * actor here runs exactly those steps on one {@link Box}.
 */
public class BoxReadModifyWriteStress {

    /** One iteration of the VM's read-modify-write loop: GETUPVAL, ADD, UPCAS. */
    static void increment(Box box, long delta) {
        for (;;) {
            Object seen = box.get();
            if (box.compareAndSet(seen, (Long) seen + delta)) {
                return;
            }
        }
    }

    @JCStressTest
    @Description("Two concurrent x += n on a shared variable lose no update.")
    @Outcome(id = "3", expect = ACCEPTABLE, desc = "both updates landed")
    @Outcome(expect = FORBIDDEN, desc = "an update was lost")
    @State
    public static class TwoAdds {
        private final Box box = Box.of(0L);

        @Actor
        public void first() {
            increment(box, 1);
        }

        @Actor
        public void second() {
            increment(box, 2);
        }

        @Arbiter
        public void total(J_Result r) {
            r.r1 = (Long) box.get();
        }
    }

    @JCStressTest
    @Description("x += 1 racing x = \"s\" (the variable changes type): the result is one order or the other, never a mix.")
    @Outcome(id = "s", expect = ACCEPTABLE, desc = "the add, then the store")
    @Outcome(id = "11", expect = ACCEPTABLE, desc = "the store, then the add (str + 1 concatenates)")
    @Outcome(expect = FORBIDDEN, desc = "a torn or lost write")
    @State
    public static class AddAgainstStore {
        private final Box box = Box.of(5L);

        @Actor
        public void add() {
            for (;;) {
                Object seen = box.get();
                Object next = seen instanceof Long l ? (Object) (l + 1) : seen + "1";
                if (box.compareAndSet(seen, next)) {
                    return;
                }
            }
        }

        @Actor
        public void store() {
            box.store("1");
        }

        @Arbiter
        public void result(L_Result r) {
            Object v = box.get();
            r.r1 = v instanceof String ? (v.equals("1") ? "s" : v) : String.valueOf(v);
        }
    }
}
