package dev.limn.conformance;

import java.util.Map;

/**
 * What one program did: its exit status, everything it wrote to stdout and stderr (decoded as
 * UTF-8, line ends normalised to {@code \n}), and the runtime's live resource counts read
 * after it ended. {@code liveBefore} holds the counts read just before it ran, so a leak left
 * by an earlier program is told apart from one of this program.
 */
public record RunResult(int status, String stdout, String stderr, Map<String, Long> liveCounts,
                        Map<String, Long> liveBefore) {
    public RunResult {
        liveCounts = Map.copyOf(liveCounts);
        liveBefore = Map.copyOf(liveBefore);
    }

    public RunResult(int status, String stdout, String stderr, Map<String, Long> liveCounts) {
        this(status, stdout, stderr, liveCounts, Map.of());
    }
}
