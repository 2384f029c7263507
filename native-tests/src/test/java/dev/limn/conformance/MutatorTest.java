package dev.limn.conformance;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MutatorTest {
    private static final String PROGRAM = """
            // sums a range
            var total = 0;
            iter (i in 1..10) { total += i; }
            print("total={total}"); // expect: total=55
            """;

    @Test
    void truncationsArePrefixesEverySeventhLength() {
        List<Mutator.Variant> cuts = Mutator.truncations(PROGRAM);
        assertEquals((PROGRAM.length() + Mutator.TRUNCATION_STEP - 1) / Mutator.TRUNCATION_STEP, cuts.size());
        for (int i = 0; i < cuts.size(); i++) {
            assertEquals(PROGRAM.substring(0, i * Mutator.TRUNCATION_STEP), cuts.get(i).text());
        }
    }

    @Test
    void mutationsAreReproducibleAndChangeTheProgram() {
        List<Mutator.Variant> a = Mutator.mutations(PROGRAM, 7L);
        List<Mutator.Variant> b = Mutator.mutations(PROGRAM, 7L);
        assertEquals(Mutator.MUTATIONS_PER_FILE, a.size());
        assertEquals(a, b);
        assertNotEquals(a, Mutator.mutations(PROGRAM, 8L));
        long changed = a.stream().filter(v -> !v.text().equals(PROGRAM)).count();
        assertTrue(changed >= Mutator.MUTATIONS_PER_FILE - 2, "only " + changed + " variants differ");
    }

    @Test
    void mutationsCopeWithTinyInputs() {
        assertEquals(Mutator.MUTATIONS_PER_FILE, Mutator.mutations("", 1L).size());
        assertEquals(Mutator.MUTATIONS_PER_FILE, Mutator.mutations("\n", 1L).size());
    }

    @Test
    void descriptionsShowControlCharacters() {
        assertEquals("«a\\x0ab»", Mutator.visible("a\nb"));
    }
}
