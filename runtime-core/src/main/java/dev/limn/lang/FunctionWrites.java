package dev.limn.lang;

import dev.limn.text.Span;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The shared-write rule seen through calls (SPEC §6.1, §11): a named function that writes a
 * plain variable declared outside itself, directly or through the named functions it calls,
 * may not be called from concurrent code (a task or worker body, a parallel loop, an async
 * function) unless the variable belongs to the calling unit itself.
 *
 * <p>The {@link Resolver} reports, while it walks the program, each function's plain writes to
 * variables declared outside it and each call of a name bound to a function declaration. At
 * the end, {@link #checkConcurrentCalls} closes the writes over the call graph (a fixpoint, so
 * recursion and functions declared after their callers work) and checks every call made from
 * concurrent code. Calls the compiler cannot see through (a closure held in a variable, a list
 * or a channel) are checked at run time instead: the variable's box knows its owner
 * ({@code SharedWrite}).
 *
 * <p>A write inside a function nested in {@code f} counts for the nested function only: it
 * reaches {@code f} only when {@code f} calls it by name.
 */
final class FunctionWrites {
    /** A plain write to {@code target} at {@code at}, made by function {@code writer} (by name, for messages). */
    private record Write(LocalVar target, Span at, String writer) {}

    /** A call of the function declared as {@code callee}; {@code unit} is the unit body it is made from, or null. */
    private record CallSite(LocalVar callee, Ast.Call call, Object unit) {}

    /** Functions and unit bodies, each mapped to the one it is nested in (the program has none). */
    private final Map<Object, Object> parents = new IdentityHashMap<>();
    /** Per function: its writes to variables declared outside it, first write per variable. */
    private final Map<Object, Map<LocalVar, Write>> writes = new IdentityHashMap<>();
    private final Map<Object, List<CallSite>> calls = new IdentityHashMap<>();

    void nested(Object function, Object parent) {
        parents.put(function, parent);
    }

    /** {@code function} makes a plain write to {@code target}, a variable declared outside it. */
    void write(Object function, LocalVar target, Span at) {
        if (target.atomic) {
            return;
        }
        writes.computeIfAbsent(function, f -> new LinkedHashMap<>())
                .putIfAbsent(target, new Write(target, at, nameOf(function)));
    }

    void call(Object function, LocalVar callee, Ast.Call call, Object unit) {
        calls.computeIfAbsent(function, f -> new ArrayList<>()).add(new CallSite(callee, call, unit));
    }

    /** Closes the writes over the call graph, then reports each concurrent call of a writing function. */
    void checkConcurrentCalls(BiConsumer<String, Span> error) {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Map.Entry<Object, List<CallSite>> caller : calls.entrySet()) {
                for (CallSite site : caller.getValue()) {
                    Map<LocalVar, Write> calleeWrites = writes.get(site.callee().declaredBy);
                    if (calleeWrites == null) {
                        continue;
                    }
                    for (Write w : List.copyOf(calleeWrites.values())) {
                        if (!declaredWithin(w.target(), caller.getKey())) {
                            Map<LocalVar, Write> own = writes.computeIfAbsent(caller.getKey(), f -> new LinkedHashMap<>());
                            changed |= own.putIfAbsent(w.target(), w) == null;
                        }
                    }
                }
            }
        }
        for (List<CallSite> sites : calls.values()) {
            for (CallSite site : sites) {
                if (site.unit() == null) {
                    continue;
                }
                Map<LocalVar, Write> calleeWrites = writes.get(site.callee().declaredBy);
                if (calleeWrites == null) {
                    continue;
                }
                for (Write w : calleeWrites.values()) {
                    if (w.target().unit != site.unit()) {
                        error.accept(message(site.callee().name, w), site.call().span());
                        break;
                    }
                }
            }
        }
    }

    private static String message(String callee, Write w) {
        String name = w.target().name;
        String through = w.writer().equals(callee) ? "" : " (through '" + w.writer() + "')";
        String declared = w.target().line > 0 ? " (declared at line " + w.target().line + ")" : "";
        return "'" + callee + "' writes '" + name + "'" + declared + " at line " + w.at().line() + through
                + ", which is shared with other tasks: calling it from concurrent code could lose updates;"
                + " declare 'var " + name + ": atomic' or send the values to a channel";
    }

    /** Whether {@code v} is declared in {@code function} or in a function nested in it. */
    private boolean declaredWithin(LocalVar v, Object function) {
        for (Object f = v.fn; f != null; f = parents.get(f)) {
            if (f == function) {
                return true;
            }
        }
        return false;
    }

    private static String nameOf(Object function) {
        return function instanceof Ast.FnDecl f && f.name() != null ? f.name() : "fn";
    }
}
