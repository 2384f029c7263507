package dev.limn.conformance;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The programs under {@code native-pending/}: conformance programs for the concurrency runtime
 * (SPEC §5, §6.1, §6.2 Stop, §8), written before it lands. They are not run; this test holds
 * them to the corpus rules now, so moving them into {@code native/} is a plain move. See
 * native-tests/README.md, "Pending programs".
 */
class PendingCorpusTest {
    static final String ROOT = "native-pending";

    /**
     * The areas a pending program may sit in: compile errors go to diagnostics, as in native/;
     * collections holds list {@code sort()}, which the concurrency programs print through.
     */
    static final Set<String> AREAS = Set.of("concurrent", "channels", "atomics", "diagnostics", "collections");

    private final List<Corpus.Entry> pending = Corpus.load(ROOT);

    @Test
    void coversTheConcurrencyAreas() {
        Map<String, Integer> perArea = new TreeMap<>();
        pending.forEach(e -> perArea.merge(e.area(), 1, Integer::sum));
        assertEquals(AREAS, perArea.keySet(), "areas present: " + perArea);
        int concurrency = perArea.get("concurrent") + perArea.get("channels") + perArea.get("atomics");
        assertTrue(concurrency >= 60, "only " + concurrency + " concurrency programs: " + perArea);
    }

    @Test
    void followsTheCorpusRules() {
        assertEquals(List.of(), CorpusTest.problems(pending));
    }

    @Test
    void doesNotCollideWithTheRunCorpus() {
        Set<String> running = new java.util.HashSet<>();
        Corpus.load().forEach(e -> running.add(e.name()));
        List<String> clashes = new ArrayList<>();
        pending.stream().filter(e -> running.contains(e.name())).forEach(e -> clashes.add(e.name()));
        assertEquals(List.of(), clashes, "a pending program would overwrite one under native/");
    }
}
