package dev.limn.run;

/**
 * How a program runs: {@code cores} carriers (0 = available processors), {@code pin} carriers
 * to cores, print {@code stats} at exit, the {@code seed} of {@code random()} (null: seeded from the clock), the call
 * depth limit past which {@code StackOverflow} is raised, and where to write a trace of the
 * tasks' runs on the carriers ({@code trace}, null: none; {@code limn run --trace out.json}).
 */
public record RunOptions(int cores, boolean pin, boolean stats, Long seed, int maxDepth, java.nio.file.Path trace) {
    public static final int DEFAULT_MAX_DEPTH = 100_000;

    /** Without a trace. */
    public RunOptions(int cores, boolean pin, boolean stats, Long seed, int maxDepth) {
        this(cores, pin, stats, seed, maxDepth, null);
    }

    public static RunOptions defaults() {
        return new RunOptions(0, false, false, null, DEFAULT_MAX_DEPTH, null);
    }

    public RunOptions withStats(boolean value) {
        return new RunOptions(cores, pin, value, seed, maxDepth, trace);
    }

    public RunOptions withSeed(Long value) {
        return new RunOptions(cores, pin, stats, value, maxDepth, trace);
    }

    public RunOptions withCores(int value) {
        return new RunOptions(value, pin, stats, seed, maxDepth, trace);
    }

    public RunOptions withPin(boolean value) {
        return new RunOptions(cores, value, stats, seed, maxDepth, trace);
    }

    public RunOptions withMaxDepth(int value) {
        return new RunOptions(cores, pin, stats, seed, value, trace);
    }

    public RunOptions withTrace(java.nio.file.Path file) {
        return new RunOptions(cores, pin, stats, seed, maxDepth, file);
    }
}
