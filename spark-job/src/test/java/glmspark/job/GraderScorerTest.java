package glmspark.job;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class GraderScorerTest {

    private final GraderScorer s = new GraderScorer();

    @Test
    void gradesBoxedAnswersAndGsm8kGold() {
        Scorer.Score sc = s.score("\\frac{1}{2}", "so \\boxed{\\dfrac{1}{2}}.", "MATH");
        assertEquals(true, sc.correct());
        assertEquals(true, s.score("Natalia sold 48/2 = 24 clips.\n#### 72", "The answer is 72.", "NUMBER").correct());
        assertEquals(false, s.score("7", "\\boxed{8}", "MATH").correct());
        assertEquals(false, s.score("7", null, "MATH").correct());
        assertNull(s.score(null, "\\boxed{1}", "MATH").correct());
    }
}
