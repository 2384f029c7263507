package dev.limn.api;

import dev.limn.text.Source;
import dev.limn.vm.Proto;

import java.util.List;

/**
 * A compiled program ({@link LimnRuntime#compile}): immutable, so it may be loaded any number
 * of times, by any thread, into instances of any runtime that defines its host functions.
 */
public final class Program {
    final Source source;
    final Proto main;
    /** The host functions it was compiled against, then its host globals: the top level's parameters in order. */
    final List<String> hostFunctions;
    final List<String> hostGlobals;

    Program(Source source, Proto main, List<String> hostFunctions, List<String> hostGlobals) {
        this.source = source;
        this.main = main;
        this.hostFunctions = List.copyOf(hostFunctions);
        this.hostGlobals = List.copyOf(hostGlobals);
    }

    /** The file name given to {@code compile}, which diagnostics show. */
    public String name() {
        return source.name();
    }

    /** The names the host binds at {@link LimnRuntime#load}, sorted. */
    public List<String> hostGlobals() {
        return hostGlobals;
    }

    @Override
    public String toString() {
        return "Program[" + name() + "]";
    }
}
