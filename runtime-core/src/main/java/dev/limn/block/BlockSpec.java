package dev.limn.block;

/**
 * What the compiler knows about one block statement, kept as a constant of the function
 * that holds it: the validated parameters, whether the block closes its output channel when
 * it completes (not when a {@code worker(v)} without {@code from} and without {@code input}
 * reads it, SPEC §5.1), and its label for diagnostics ({@code concurrent block at f.lm:2:1}).
 *
 * <p>A class compared by identity, not a record: each block statement has its own, and a
 * record's {@code equals} and {@code hashCode} are linked at run time on first use, which a
 * program's compilation would pay for at start-up when it files the spec among the function's
 * constants (docs/design.md, "Start-up").
 */
public final class BlockSpec {
    private final BlockConfig config;
    private final boolean closeOutput;
    private final String label;

    public BlockSpec(BlockConfig config, boolean closeOutput, String label) {
        this.config = config;
        this.closeOutput = closeOutput;
        this.label = label;
    }

    public BlockConfig config() {
        return config;
    }

    public boolean closeOutput() {
        return closeOutput;
    }

    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
