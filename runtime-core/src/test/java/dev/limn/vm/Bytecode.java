package dev.limn.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.Label;
import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LabelTarget;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.ThrowInstruction;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

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

        /**
         * The indices of the elements that control can reach from index {@code from} without
         * coming back to index {@code floor} or before it (a dispatch loop's head), following
         * jumps and switches but not exception handlers.
         */
        BitSet reachable(int from, int floor) {
            BitSet seen = new BitSet();
            ArrayDeque<Integer> work = new ArrayDeque<>();
            work.push(from);
            while (!work.isEmpty()) {
                int n = work.pop();
                if (n <= floor || n >= elements.size() || seen.get(n)) {
                    continue;
                }
                seen.set(n);
                CodeElement e = elements.get(n);
                switch (e) {
                    case BranchInstruction b -> {
                        work.push(at(b.target()));
                        if (b.opcode() != Opcode.GOTO && b.opcode() != Opcode.GOTO_W) {
                            work.push(n + 1);
                        }
                    }
                    case TableSwitchInstruction ts -> {
                        work.push(at(ts.defaultTarget()));
                        ts.cases().forEach(c -> work.push(at(c.target())));
                    }
                    case LookupSwitchInstruction ls -> {
                        work.push(at(ls.defaultTarget()));
                        ls.cases().forEach(c -> work.push(at(c.target())));
                    }
                    case ReturnInstruction _ -> { }
                    case ThrowInstruction _ -> { }
                    default -> work.push(n + 1);
                }
            }
            return seen;
        }

        /** The next instruction after index {@code n}, skipping labels and other pseudo-instructions. */
        Instruction next(int n) {
            for (int m = n + 1; m < elements.size(); m++) {
                if (elements.get(m) instanceof Instruction i) {
                    return i;
                }
            }
            return null;
        }

        /** Whether element {@code n} loads a {@link Suspend} signal that the next instruction throws. */
        boolean throwsSuspend(int n) {
            return elements.get(n) instanceof FieldInstruction f && f.opcode() == Opcode.GETSTATIC
                    && f.owner().asInternalName().equals(SUSPEND) && next(n) instanceof ThrowInstruction;
        }

        /** Whether element {@code n} pushes the constant {@code v} for the next instruction to return. */
        boolean returnsConstant(int n, int v) {
            return elements.get(n) instanceof ConstantInstruction c && c.constantValue() instanceof Integer i
                    && i == v && next(n) instanceof ReturnInstruction;
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

    private static final String VM = "dev/limn/vm/";
    private static final String SUSPEND = VM + "Suspend";

    /** A method by owner, name and descriptor, as an invoke instruction names it. */
    record Ref(String owner, String name, String type) {
        static Ref of(InvokeInstruction i) {
            return new Ref(i.owner().asInternalName(), i.name().stringValue(), i.type().stringValue());
        }

        static Ref of(ClassModel c, MethodModel m) {
            return new Ref(c.thisClass().asInternalName(), m.methodName().stringValue(), m.methodType().stringValue());
        }
    }

    /**
     * The calls between the methods of the classes of {@code dev.limn.vm}, and which methods
     * may (transitively) do something. A virtual call may reach the method in the named class
     * and in every subclass that overrides it; calls into other packages, lambdas and method
     * references (run later, by others) are not followed.
     */
    static final class CallGraph {
        private final Map<String, ClassModel> classes = new HashMap<>();
        private final Map<Ref, MethodModel> methods = new HashMap<>();
        private final Map<Ref, Code> code = new HashMap<>();

        CallGraph() {
            try (Stream<Path> files = Files.list(Path.of(Interpreter.class.getResource("Interpreter.class").toURI()).getParent())) {
                for (Path f : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    ClassModel c = ClassFile.of().parse(Files.readAllBytes(f));
                    classes.put(c.thisClass().asInternalName(), c);
                    for (MethodModel m : c.methods()) {
                        methods.put(Ref.of(c, m), m);
                        if (m.code().isPresent()) {
                            code.put(Ref.of(c, m), Code.of(m));
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The methods with code that a call instruction may run. */
        Set<Ref> targets(InvokeInstruction i) {
            Ref named = Ref.of(i);
            Set<Ref> out = new HashSet<>();
            if (!classes.containsKey(named.owner())) {
                return out;
            }
            Ref declared = declaration(named);
            if (declared != null && code.containsKey(declared)) {
                out.add(declared);
            }
            if (i.opcode() == Opcode.INVOKEVIRTUAL || i.opcode() == Opcode.INVOKEINTERFACE) {
                for (String c : classes.keySet()) {
                    Ref override = new Ref(c, named.name(), named.type());
                    if (code.containsKey(override) && isSubtype(c, named.owner())) {
                        out.add(override);
                    }
                }
            }
            return out;
        }

        /** The method that {@code r} resolves to: in its class or the nearest superclass in this package. */
        private Ref declaration(Ref r) {
            for (String c = r.owner(); c != null && classes.containsKey(c); c = superclass(c)) {
                Ref here = new Ref(c, r.name(), r.type());
                if (methods.containsKey(here)) {
                    return here;
                }
            }
            return null;
        }

        private String superclass(String c) {
            return classes.get(c).superclass().map(s -> s.asInternalName()).orElse(null);
        }

        private boolean isSubtype(String c, String of) {
            if (c == null || !classes.containsKey(c)) {
                return false;
            }
            if (c.equals(of)) {
                return true;
            }
            ClassModel m = classes.get(c);
            if (m.interfaces().stream().anyMatch(i -> isSubtype(i.asInternalName(), of))) {
                return true;
            }
            return isSubtype(superclass(c), of);
        }

        /**
         * The methods that may do what {@code does} finds in one of their instructions, directly
         * or through the methods they call.
         */
        Set<Ref> mayDo(Predicate<Site> does) {
            Set<Ref> found = new HashSet<>();
            boolean grew = true;
            while (grew) {
                grew = false;
                for (Map.Entry<Ref, Code> e : code.entrySet()) {
                    if (!found.contains(e.getKey()) && reaches(e.getValue(), 0, -1, does, found)) {
                        found.add(e.getKey());
                        grew = true;
                    }
                }
            }
            return found;
        }

        /**
         * Whether the code reachable from index {@code from} of {@code c} (not coming back to
         * {@code floor}) does what {@code does} finds, or calls a method of {@code doers}.
         */
        boolean reaches(Code c, int from, int floor, Predicate<Site> does, Set<Ref> doers) {
            BitSet r = c.reachable(from, floor);
            for (int n = r.nextSetBit(0); n >= 0; n = r.nextSetBit(n + 1)) {
                if (does.test(new Site(c, n))) {
                    return true;
                }
                if (c.elements().get(n) instanceof InvokeInstruction i && targets(i).stream().anyMatch(doers::contains)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Element {@code at} of code {@code code}. */
    record Site(Code code, int at) {
        CodeElement element() {
            return code.elements().get(at);
        }

        /** Whether this element calls {@code owner.name} (any descriptor), {@code owner} a simple name in this package. */
        boolean calls(String owner, String name) {
            return element() instanceof InvokeInstruction i && i.owner().asInternalName().equals(VM + owner)
                    && i.name().equalsString(name);
        }
    }
}
