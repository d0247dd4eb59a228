package glmspark.job;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ExactMatchScorerTest {

    private final ExactMatchScorer s = new ExactMatchScorer();

    @Test
    void takesTheLastBoxedWithNestedBraces() {
        Scorer.Score sc = s.score("\\frac{1}{2}", "first \\boxed{3} then \\boxed{\\frac{1}{2}}.", "MATH");
        assertEquals("\\frac{1}{2}", sc.extracted());
        assertEquals(true, sc.correct());
    }

    @Test
    void numbersCompareAsDecimalsAndFallBackToTheLastNumber() {
        assertEquals(true, s.score("18", "She makes 18.0 dollars", "NUMBER").correct());
        assertEquals(true, s.score("2125", "\\boxed{2,125}", "NUMBER").correct());
        assertEquals(false, s.score("7", "\\boxed{8}", "NUMBER").correct());
        assertEquals(false, s.score("7", "no digits", "NUMBER").correct());
        assertNull(s.score(null, "\\boxed{1}", "MATH").correct());
    }
}
