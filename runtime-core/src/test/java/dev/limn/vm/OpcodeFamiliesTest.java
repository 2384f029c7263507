package dev.limn.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.limn.vm.Opcode.Family;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

/**
 * Every instruction is executed in exactly one place, the one its {@link Family} names: the
 * case labels of the interpreter's dispatch switch are the HOT opcodes, its {@code default}
 * branch ({@code Interpreter.byFamily}) switches over every other family, and each family's
 * class switches over exactly that family's opcodes. Read from the compiled code, so a case label added in the wrong class fails here.
 */
class OpcodeFamiliesTest {
    /** The class that executes the opcodes of {@code f}. */
    static Class<?> home(Family f) {
        return switch (f) {
            case HOT -> Interpreter.class;
            case OPERATORS -> Operators.class;
            case CAPTURES -> Captures.class;
            case COLLECTIONS -> Collections.class;
            case LOOPS -> Loops.class;
            case BUILTINS -> Builtin.class;
            case METHODS -> Methods.class;
            case TYPES -> Types.class;
            case ERRORS -> Errors.class;
            case ATOMICS -> Atomics.class;
            case CHANNELS -> Channels.class;
            case FUTURES -> Futures.class;
            case UNITS -> Units.class;
            case PARALLEL_LOOPS -> ParallelLoops.class;
        };
    }

    static Set<Opcode> opcodes(Family f) {
        Set<Opcode> s = EnumSet.noneOf(Opcode.class);
        for (Opcode op : Opcode.values()) {
            if (op.family == f) {
                s.add(op);
            }
        }
        return s;
    }

    private static Set<Opcode> opcodes(Set<Integer> ordinals) {
        Set<Opcode> s = EnumSet.noneOf(Opcode.class);
        for (int o : ordinals) {
            s.add(Opcode.of(o));
        }
        return s;
    }

    @Test
    void familyIdsMatchTheEnumOrder() throws IllegalAccessException {
        int constants = 0;
        for (Field f : Family.Id.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                assertEquals(Family.valueOf(f.getName()).ordinal(), f.getInt(null), f.getName());
                constants++;
            }
        }
        assertEquals(Family.values().length, constants, "every family has a case-label constant");
    }

    @Test
    void everyOpcodeHasAFamily() {
        for (Opcode op : Opcode.values()) {
            assertNotNull(op.family, op.name());
        }
    }

    @Test
    void theDispatchSwitchHasACaseForExactlyTheHotOpcodes() {
        Bytecode.Code interpret = Bytecode.Code.of(Bytecode.method(Interpreter.class, "interpret"));
        Bytecode.Switch dispatch = interpret.firstSwitch(0);
        assertEquals(opcodes(Family.HOT), opcodes(dispatch.labelled().keySet()));
    }

    @Test
    void theFamilyDispatchSwitchesOverEveryOtherFamily() {
        Bytecode.Switch families = Bytecode.Code.of(Bytecode.method(Interpreter.class, "byFamily")).firstSwitch(0);
        Set<Integer> expected = new TreeSet<>();
        for (Family f : Family.values()) {
            if (f != Family.HOT) {
                expected.add(f.ordinal());
            }
        }
        assertEquals(expected, new TreeSet<>(families.labelled().keySet()));
    }

    /**
     * A family class's {@code exec} begins with its switch over the opcode; a class that
     * serves one opcode needs none.
     */
    @Test
    void eachFamilyClassServesExactlyItsFamily() {
        for (Family f : Family.values()) {
            if (f == Family.HOT) {
                continue;
            }
            Bytecode.Switch s = Bytecode.Code.of(Bytecode.method(home(f), "exec")).firstSwitch(0);
            if (s == null) {
                assertEquals(1, opcodes(f).size(), f + ": exec has no switch, so its family has one opcode");
            } else {
                assertEquals(opcodes(f), opcodes(s.labelled().keySet()), f + " in " + home(f).getSimpleName());
            }
        }
    }
}
