package dev.limn.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.LabelTarget;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The compiled code of the VM's classes, read back with the class-file API for tests of the dispatch. */
final class Bytecode {
    private Bytecode() {}

    /** The class file of {@code c}. */
    static ClassModel model(Class<?> c) {
        String file = c.getName().substring(c.getName().lastIndexOf('.') + 1) + ".class";
        try (InputStream in = c.getResourceAsStream(file)) {
            return ClassFile.of().parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The only method of {@code c} named {@code name}. */
    static MethodModel method(Class<?> c, String name) {
        List<MethodModel> found = model(c).methods().stream()
                .filter(m -> m.methodName().equalsString(name))
                .toList();
        if (found.size() != 1) {
            throw new AssertionError(c.getSimpleName() + " has " + found.size() + " methods named " + name);
        }
        return found.getFirst();
    }

    /** A method's code as a list of elements, with the index of each label. */
    record Code(List<CodeElement> elements, Map<Label, Integer> labels) {
        static Code of(MethodModel m) {
            CodeModel code = m.code().orElseThrow();
            List<CodeElement> elements = new ArrayList<>();
            Map<Label, Integer> labels = new HashMap<>();
            for (CodeElement e : code) {
                if (e instanceof LabelTarget t) {
                    labels.put(t.label(), elements.size());
                }
                elements.add(e);
            }
            return new Code(elements, labels);
        }

        int at(Label l) {
            return labels.get(l);
        }

        /** The first switch instruction at or after index {@code from}, or null. */
        Switch firstSwitch(int from) {
            for (int n = from; n < elements.size(); n++) {
                if (elements.get(n) instanceof TableSwitchInstruction ts) {
                    return new Switch(n, ts.defaultTarget(), ts.cases());
                }
                if (elements.get(n) instanceof LookupSwitchInstruction ls) {
                    return new Switch(n, ls.defaultTarget(), ls.cases());
                }
            }
            return null;
        }
    }

    /** A switch instruction at index {@code at} of its code. */
    record Switch(int at, Label defaultTarget, List<SwitchCase> cases) {
        /** The target of each case label that does not go to the default branch, by label value. */
        Map<Integer, Label> labelled() {
            Map<Integer, Label> m = new HashMap<>();
            for (SwitchCase c : cases) {
                if (!c.target().equals(defaultTarget)) {
                    m.put(c.caseValue(), c.target());
                }
            }
            return m;
        }
    }
}
