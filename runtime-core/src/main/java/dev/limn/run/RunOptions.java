package dev.limn.run;

import dev.limn.vm.Tier;

/**
 * How a program runs: {@code cores} carriers (0 = available processors), {@code pin} carriers
 * to cores, print {@code stats} at exit, the {@code seed} of {@code random()} (null: seeded from the clock), the call
 * depth limit past which {@code StackOverflow} is raised, and where to write a trace of the
 * tasks' runs on the carriers ({@code trace}, null: none; {@code limn run --trace out.json}), and whether
 * hot code is compiled to JVM bytecode ({@code tier}: {@code limn run --tier off|auto|always}), and
 * whether the run is {@code deterministic} ({@code limn run --deterministic}: one carrier, every
 * scheduling choice drawn from the seed, virtual time; the seed is 0 when none is given), and the
 * directory of the media driver that {@code publish} and {@code subscribe} use ({@code aeronDir},
 * {@code limn run --aeron-dir}; null: a driver of the run's own, in a directory of its own).
 */
public record RunOptions(int cores, boolean pin, boolean stats, Long seed, int maxDepth, java.nio.file.Path trace,
        Tier.Mode tier, boolean deterministic, java.nio.file.Path aeronDir) {
    public static final int DEFAULT_MAX_DEPTH = 100_000;

    /** With no driver directory given. */
    public RunOptions(int cores, boolean pin, boolean stats, Long seed, int maxDepth, java.nio.file.Path trace,
            Tier.Mode tier, boolean deterministic) {
        this(cores, pin, stats, seed, maxDepth, trace, tier, deterministic, null);
    }

    /** Not deterministic. */
    public RunOptions(int cores, boolean pin, boolean stats, Long seed, int maxDepth, java.nio.file.Path trace,
            Tier.Mode tier) {
        this(cores, pin, stats, seed, maxDepth, trace, tier, false);
    }

    /** With the default tier ({@link Tier#defaultMode}). */
    public RunOptions(int cores, boolean pin, boolean stats, Long seed, int maxDepth, java.nio.file.Path trace) {
        this(cores, pin, stats, seed, maxDepth, trace, Tier.defaultMode());
    }

    /** Without a trace. */
    public RunOptions(int cores, boolean pin, boolean stats, Long seed, int maxDepth) {
        this(cores, pin, stats, seed, maxDepth, null);
    }

    public static RunOptions defaults() {
        return new RunOptions(0, false, false, null, DEFAULT_MAX_DEPTH, null);
    }

    /** With the compiled tier {@code value} (off, auto, always). */
    public RunOptions withTier(Tier.Mode value) {
        return new RunOptions(cores, pin, stats, seed, maxDepth, trace, value, deterministic, aeronDir);
    }

    /** Deterministic or not (see {@code limn run --deterministic}). */
    public RunOptions withDeterministic(boolean value) {
        return new RunOptions(cores, pin, stats, seed, maxDepth, trace, tier, value, aeronDir);
    }

    /** The seed of a deterministic run's choices and of {@code random()}: the given one, else 0. */
    public long deterministicSeed() {
        return seed != null ? seed : 0L;
    }

    public RunOptions withStats(boolean value) {
        return new RunOptions(cores, pin, value, seed, maxDepth, trace, tier, deterministic, aeronDir);
    }

    public RunOptions withSeed(Long value) {
        return new RunOptions(cores, pin, stats, value, maxDepth, trace, tier, deterministic, aeronDir);
    }

    public RunOptions withCores(int value) {
        return new RunOptions(value, pin, stats, seed, maxDepth, trace, tier, deterministic, aeronDir);
    }

    public RunOptions withPin(boolean value) {
        return new RunOptions(cores, value, stats, seed, maxDepth, trace, tier, deterministic, aeronDir);
    }

    public RunOptions withMaxDepth(int value) {
        return new RunOptions(cores, pin, stats, seed, value, trace, tier, deterministic, aeronDir);
    }

    public RunOptions withTrace(java.nio.file.Path file) {
        return new RunOptions(cores, pin, stats, seed, maxDepth, file, tier, deterministic, aeronDir);
    }

    /** The media driver directory of publish and subscribe (see {@code limn run --aeron-dir}). */
    public RunOptions withAeronDir(java.nio.file.Path dir) {
        return new RunOptions(cores, pin, stats, seed, maxDepth, trace, tier, deterministic, dir);
    }
}
