package dev.limn.conformance;

import java.util.Map;

/**
 * What one program did: its exit status, everything it wrote to stdout and stderr (decoded as
 * UTF-8, line ends normalised to {@code \n}), and the runtime's live resource counts read
 * after it ended.
 */
public record RunResult(int status, String stdout, String stderr, Map<String, Long> liveCounts) {
    public RunResult {
        liveCounts = Map.copyOf(liveCounts);
    }
}
