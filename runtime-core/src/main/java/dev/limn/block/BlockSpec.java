package dev.limn.block;

/**
 * What the compiler knows about one block statement, kept as a constant of the function
 * that holds it: the validated parameters, whether the block closes its output channel when
 * it completes (not when a {@code worker(v)} without {@code from} and without {@code input}
 * reads it, SPEC §5.1), and its label for diagnostics ({@code concurrent block at f.lm:2:1}).
 */
public record BlockSpec(BlockConfig config, boolean closeOutput, String label) {
    @Override
    public String toString() {
        return label;
    }
}
