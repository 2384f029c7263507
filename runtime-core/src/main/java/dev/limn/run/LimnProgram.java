package dev.limn.run;

import dev.limn.text.Source;
import dev.limn.vm.Proto;

/** A compiled program: its source and the proto of its top level. */
public record LimnProgram(Source source, Proto main) implements CompiledProgram {
    @Override
    public String name() {
        return source.name();
    }
}
