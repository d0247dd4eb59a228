package glmspark.exec;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class SeedsTest {

    @Test
    void seedsDependOnlyOnTheirInputs() {
        assertEquals(Seeds.rowSeed(42, "aime2024", "aime2024-1"), Seeds.rowSeed(42, "aime2024", "aime2024-1"));
        assertEquals(Seeds.sampleSeed(42, "d", "x", 3), Seeds.fromRow(Seeds.rowSeed(42, "d", "x"), 3));
    }

    @Test
    void differentRunsRowsDatasetsAndSamplesGetDifferentSeeds() {
        Set<Long> seen = new HashSet<>();
        for (long run = 0; run < 5; run++) {
            for (String ds : new String[]{"a", "b", "ab"}) {
                for (int id = 0; id < 50; id++) {
                    for (int s = 0; s < 4; s++) seen.add(Seeds.sampleSeed(run, ds, Integer.toString(id), s));
                }
            }
        }
        assertEquals(5 * 3 * 50 * 4, seen.size());
        // The separator keeps ("a", "bc") and ("ab", "c") apart.
        assertNotEquals(Seeds.rowSeed(0, "a", "bc"), Seeds.rowSeed(0, "ab", "c"));
    }

    @Test
    void fnvMatchesThePublishedTestVector() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (Fowler/Noll/Vo test vectors); rowSeed builds on it.
        long h = 0xcbf29ce484222325L;
        h ^= 'a';
        h *= 0x100000001b3L;
        assertEquals(0xaf63dc4c8601ec8cL, h);
        // SplitMix64's finalizer of 0 is 0 and it is a bijection on these inputs.
        assertEquals(0L, Seeds.mix64(0));
        assertNotEquals(Seeds.mix64(1), Seeds.mix64(2));
    }
}
