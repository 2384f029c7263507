package dev.limn.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.limn.vm.Opcode.Family;
import dev.limn.vm.Opcode.Flag;
import dev.limn.vm.Opcode.Format;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every opcode's {@link Flag}s match what it is: JUMP its format, MAY_SUSPEND and CALLS the
 * compiled code that executes it (its case in the dispatch loop, or its case in its family's
 * class, and everything in {@code dev.limn.vm} that this code may call; see
 * {@link Bytecode.CallGraph} for what a call may reach). A flag missing or set for nothing
 * fails here: the interpreter saves the pc of a MAY_SUSPEND instruction only.
 */
class OpcodeFlagsTest {
    private static final Set<Format> JUMP_FORMATS =
            EnumSet.of(Format.J, Format.AJ, Format.ABJ, Format.AKJ, Format.AIT, Format.AUPJ);

    private static Bytecode.CallGraph graph;

    @BeforeAll
    static void readTheVm() {
        graph = new Bytecode.CallGraph();
    }

    @Test
    void jumpIsSetExactlyOnTheFormatsWithAJumpOffset() {
        for (Opcode op : Opcode.values()) {
            assertEquals(JUMP_FORMATS.contains(op.format), op.has(Flag.JUMP), op.name());
        }
    }

    /**
     * An instruction suspends when its code may throw a {@link Suspend} signal (park, yield,
     * terminate), or, in the dispatch loop, act on the trap ({@link TaskContext#onTrap}, or
     * {@link TaskContext#onSafepoint}, which also refills the budget, or {@link Tier#backEdge},
     * which makes that safepoint and may run compiled code) or return SUSPENDED.
     */
    @Test
    void maySuspendIsSetExactlyOnTheInstructionsWhoseCodeMaySuspend() {
        Predicate<Bytecode.Site> throwsSuspend = s -> s.code().throwsSuspend(s.at());
        Set<Bytecode.Ref> throwers = graph.mayDo(throwsSuspend);
        Predicate<Bytecode.Site> hot = throwsSuspend.or(s -> s.calls("TaskContext", "onTrap") || s.calls("TaskContext", "onSafepoint")
                || s.calls("Tier", "backEdge"))
                .or(s -> s.code().returnsConstant(s.at(), Interpreter.SUSPENDED));
        assertEquals(flagged(Flag.MAY_SUSPEND), doing(op -> op.family == Family.HOT ? hot : throwsSuspend, throwers),
                "the opcodes flagged MAY_SUSPEND, then those whose code may suspend");
    }

    @Test
    void callsIsSetExactlyOnTheInstructionsThatMayEnterAFunction() {
        Predicate<Bytecode.Site> entersFunction = s -> s.calls("TaskContext", "call");
        Set<Bytecode.Ref> callers = graph.mayDo(entersFunction);
        assertEquals(flagged(Flag.CALLS), doing(op -> entersFunction, callers),
                "the opcodes flagged CALLS, then those whose code may enter a function");
    }

    private static Set<Opcode> flagged(Flag flag) {
        Set<Opcode> s = EnumSet.noneOf(Opcode.class);
        for (Opcode op : Opcode.values()) {
            if (op.has(flag)) {
                s.add(op);
            }
        }
        return s;
    }

    /** The opcodes whose code does what {@code does} finds, or calls one of {@code doers}. */
    private static Set<Opcode> doing(Function<Opcode, Predicate<Bytecode.Site>> does,
            Set<Bytecode.Ref> doers) {
        Set<Opcode> s = EnumSet.noneOf(Opcode.class);
        for (Opcode op : Opcode.values()) {
            Class<?> home = OpcodeFamiliesTest.home(op.family);
            Bytecode.Code code = Bytecode.Code.of(Bytecode.method(home, op.family == Family.HOT ? "interpret" : "exec"));
            Bytecode.Switch opcodes = code.firstSwitch(0);
            boolean yes;
            if (opcodes == null) {
                yes = graph.reaches(code, 0, -1, does.apply(op), doers);
            } else {
                int start = code.at(opcodes.labelled().get(op.ordinal()));
                yes = graph.reaches(code, start, opcodes.at(), does.apply(op), doers);
            }
            if (yes) {
                s.add(op);
            }
        }
        return s;
    }
}
