package dev.limn.api;

/**
 * How a program runs: {@code cores} carriers (0 = available processors), {@code pin} carriers
 * to cores, print {@code stats} at exit, the {@code seed} of {@code random()} (null: seeded from the clock), and the call
 * depth limit past which {@code StackOverflow} is raised.
 */
public record RunOptions(int cores, boolean pin, boolean stats, Long seed, int maxDepth) {
    public static final int DEFAULT_MAX_DEPTH = 100_000;

    public static RunOptions defaults() {
        return new RunOptions(0, false, false, null, DEFAULT_MAX_DEPTH);
    }

    public RunOptions withStats(boolean value) {
        return new RunOptions(cores, pin, value, seed, maxDepth);
    }

    public RunOptions withSeed(Long value) {
        return new RunOptions(cores, pin, stats, value, maxDepth);
    }

    public RunOptions withCores(int value) {
        return new RunOptions(value, pin, stats, seed, maxDepth);
    }

    public RunOptions withPin(boolean value) {
        return new RunOptions(cores, value, stats, seed, maxDepth);
    }

    public RunOptions withMaxDepth(int value) {
        return new RunOptions(cores, pin, stats, seed, value);
    }
}
