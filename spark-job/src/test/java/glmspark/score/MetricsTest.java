package glmspark.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MetricsTest {

    private static ScoredSample s(String dataset, String id, int idx, String extracted, boolean correct) {
        return new ScoredSample(dataset, id, idx, null, null, extracted, correct, true, "stop", null, 100, 10);
    }

    /** Three prompts, four samples each; values worked out by hand in the comments. */
    private static List<ScoredSample> handWorked() {
        List<ScoredSample> rows = new ArrayList<>();
        // p1: gold 5; answers 5 5 6 7 -> c=2, majority "5" (2 votes) correct
        rows.add(s("aime2024", "p1", 0, "5", true));
        rows.add(s("aime2024", "p1", 1, "5", true));
        rows.add(s("aime2024", "p1", 2, "6", false));
        rows.add(s("aime2024", "p1", 3, "7", false));
        // p2: answers 1 2 2 none -> c=0, majority "2" wrong; sample 3 failed, unclosed, hit the length limit
        rows.add(s("aime2024", "p2", 0, "1", false));
        rows.add(s("aime2024", "p2", 1, "2", false));
        rows.add(s("aime2024", "p2", 2, "2", false));
        rows.add(new ScoredSample("aime2024", "p2", 3, null, null, null, false, false, "length", "timeout", 500, 0));
        // p3: gold 1/2; answers 0.5 \frac12 3 3 -> c=2; tie 2:2 between {0.5, \frac12} and {3}:
        // the group seen first (sample 0) wins, and it is correct
        rows.add(s("aime2024", "p3", 0, "0.5", true));
        rows.add(s("aime2024", "p3", 1, "\\frac12", true));
        rows.add(s("aime2024", "p3", 2, "3", false));
        rows.add(s("aime2024", "p3", 3, "3", false));
        return rows;
    }

    @Test
    void passAtKMatchesTheBinomialFormula() {
        assertEquals(0.3, Metrics.passAtK(10, 3, 1), 1e-12);
        assertEquals(1 - 21.0 / 252.0, Metrics.passAtK(10, 3, 5), 1e-12);   // 1 - C(7,5)/C(10,5)
        assertEquals(1 - 1.0 / 6.0, Metrics.passAtK(4, 2, 2), 1e-12);       // 1 - C(2,2)/C(4,2)
        assertEquals(1.0, Metrics.passAtK(4, 2, 4), 0);
        assertEquals(0.0, Metrics.passAtK(5, 0, 2), 0);
        assertEquals(1.0, Metrics.passAtK(5, 5, 5), 0);
        assertEquals(0.001, Metrics.passAtK(1000, 1, 1), 1e-15);
        // 1 - C(990,64)/C(1000,64): large coefficients, still finite and in (0,1)
        double big = Metrics.passAtK(1000, 10, 64);
        assertTrue(big > 0.48 && big < 0.49, "pass@64 of 10/1000 = " + big);
        assertThrows(IllegalArgumentException.class, () -> Metrics.passAtK(4, 1, 8));
    }

    @Test
    void datasetScoresMatchHandComputedValues() {
        List<GroupScore> scores = Metrics.compute(handWorked(), 7);
        assertEquals(1, scores.size());
        GroupScore g = scores.get(0);
        assertEquals("aime2024", g.dataset());
        assertNull(g.subject());
        assertEquals(3, g.prompts());
        assertEquals(4, g.samplesPerPrompt());
        assertEquals(12, g.samples());
        assertEquals(1.0 / 3.0, g.pass1(), 1e-12);           // (0.5 + 0 + 0.5) / 3
        assertEquals(1.0 / 6.0, g.pass1StdErr(), 1e-12);     // sqrt(((1/6)^2+(1/3)^2+(1/6)^2)/2)/sqrt(3)
        assertEquals(2.0 / 3.0, g.majK(), 1e-12);            // p1 right, p2 wrong, p3 right (tie rule)
        assertEquals(Map.of(1, 1.0 / 3.0, 2, 5.0 / 9.0, 4, 2.0 / 3.0).keySet(), g.passAtK().keySet());
        assertEquals(1.0 / 3.0, g.passAtK().get(1), 1e-12);
        assertEquals(5.0 / 9.0, g.passAtK().get(2), 1e-12);  // (5/6 + 0 + 5/6) / 3
        assertEquals(2.0 / 3.0, g.passAtK().get(4), 1e-12);
        assertEquals(1, g.errors());
        assertEquals(1, g.unclosedReasoning());
        assertEquals(1, g.lengthFinished());
        assertEquals((11 * 100 + 500) / 12.0, g.meanReasoningTokens(), 1e-12);
        assertEquals(110 / 12.0, g.meanAnswerTokens(), 1e-12);
        assertTrue(g.pass1Ci95Low() <= g.pass1() && g.pass1() <= g.pass1Ci95High());
        assertTrue(g.pass1Ci95Low() >= 0 && g.pass1Ci95High() <= 0.5);
    }

    @Test
    void majorityTieGoesToTheAnswerSeenFirst() {
        List<ScoredSample> rows = List.of(
                s("math500", "q", 1, "4", true),
                s("math500", "q", 0, "3", false));
        assertEquals(0.0, Metrics.compute(rows, 1).get(0).majK(), 0);   // "3" (sample 0) wins the 1:1 tie
        List<ScoredSample> none = List.of(
                new ScoredSample("math500", "q", 0, null, null, null, false, false, "length", null, 9, 0));
        assertEquals(0.0, Metrics.compute(none, 1).get(0).majK(), 0);
    }

    @Test
    void bootstrapIntervalIsReproducibleForAFixedSeedAndIndependentOfRowOrder() {
        List<ScoredSample> rows = new ArrayList<>();
        Random r = new Random(3);
        for (int p = 0; p < 40; p++) for (int k = 0; k < 4; k++) rows.add(s("gsm8k", "g" + p, k, "1", r.nextDouble() < 0.6));
        GroupScore a = Metrics.compute(rows, 42).get(0);
        List<ScoredSample> shuffled = new ArrayList<>(rows);
        Collections.shuffle(shuffled, new Random(9));
        GroupScore b = Metrics.compute(shuffled, 42).get(0);
        assertEquals(a.pass1Ci95Low(), b.pass1Ci95Low(), 0);
        assertEquals(a.pass1Ci95High(), b.pass1Ci95High(), 0);
        assertTrue(a.pass1Ci95Low() < a.pass1() && a.pass1() < a.pass1Ci95High());
        // a normal-approximation sanity check: the 95% interval spans about 2 * 1.96 standard errors
        double width = a.pass1Ci95High() - a.pass1Ci95Low();
        assertEquals(2 * 1.96 * a.pass1StdErr(), width, 0.35 * width);
        // identical prompts: no spread at all
        List<ScoredSample> flat = new ArrayList<>();
        for (int p = 0; p < 10; p++) { flat.add(s("gsm8k", "f" + p, 0, "1", true)); flat.add(s("gsm8k", "f" + p, 1, "2", false)); }
        GroupScore f = Metrics.compute(flat, 42).get(0);
        assertEquals(0.5, f.pass1Ci95Low(), 0);
        assertEquals(0.5, f.pass1Ci95High(), 0);
    }

    @Test
    void subjectsAndLevelsGetTheirOwnGroups() {
        List<ScoredSample> rows = List.of(
                new ScoredSample("math500", "a", 0, "Algebra", "1", "1", true, true, "stop", null, 1, 1),
                new ScoredSample("math500", "b", 0, "Algebra", "5", "2", false, true, "stop", null, 1, 1),
                new ScoredSample("math500", "c", 0, "Geometry", "5", "3", true, true, "stop", null, 1, 1),
                s("gsm8k", "g", 0, "7", true));
        List<GroupScore> g = Metrics.compute(rows, 1);
        List<String> keys = g.stream().map(x -> x.dataset() + "|" + x.subject() + "|" + x.level() + "|" + x.prompts() + "|" + x.pass1()).toList();
        assertEquals(List.of(
                "gsm8k|null|null|1|1.0",
                "math500|null|null|3|0.6666666666666666",
                "math500|Algebra|null|2|0.5",
                "math500|Geometry|null|1|1.0",
                "math500|null|1|1|1.0",
                "math500|null|5|2|0.5"), keys);
    }

    @Test
    void aRepeatedSampleIsRejected() {
        List<ScoredSample> rows = List.of(s("gsm8k", "g", 0, "1", true), s("gsm8k", "g", 0, "1", true));
        assertThrows(IllegalArgumentException.class, () -> Metrics.compute(rows, 1));
    }
}
