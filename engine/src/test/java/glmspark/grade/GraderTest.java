package glmspark.grade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GraderTest {

    @Test
    void goldIsTakenAfterTheGsm8kHashesWithThousandsSeparatorsRemoved() {
        assertEquals("2125", Grader.extractGold("He pays 5 * 425 = <<5*425=2125>>2,125\n#### 2,125", AnswerType.NUMBER));
        assertEquals("18", Grader.extractGold("#### 18", AnswerType.NUMBER));
    }

    @Test
    void goldSolutionWithABoxYieldsTheBoxContent() {
        assertEquals("\\frac{\\sqrt{3}}{3}", Grader.extractGold("so $x = \\boxed{\\frac{\\sqrt{3}}{3}}$.", AnswerType.MATH));
        assertEquals("\\left( 3, \\frac{\\pi}{2} \\right)", Grader.extractGold("\\left( 3, \\frac{\\pi}{2} \\right)", AnswerType.MATH));
        assertThrows(IllegalArgumentException.class, () -> Grader.extractGold(null, AnswerType.MATH));
    }

    @Test
    void unclosedReasoningIsWrongWithNothingExtracted() {
        assertEquals(new Grade(null, false), Grader.grade("5", null, AnswerType.MATH));
    }

    @Test
    void theFinalPartIsGradedNotTheReasoning() {
        Grade g = Grader.grade("5", "<think>it is \\boxed{4}</think>The answer is $\\boxed{5}$.", AnswerType.MATH);
        assertEquals(new Grade("5", true), g);
    }

    @Test
    void gsm8kFallsBackToTheLastNumber() {
        Grade g = Grader.grade("18", "16 - 3 - 4 = 9 eggs, and 9 * 2 = 18.", AnswerType.NUMBER);
        assertEquals(new Grade("18", true), g);
        assertFalse(Grader.grade("18", "16 - 3 - 4 = 9 eggs, 9 * 2 = 18 dollars, minus 1 is 17.", AnswerType.NUMBER).correct());
    }

    @Test
    void hugeOrMalformedPredictionsAreRejectedNotThrown() {
        assertFalse(Grader.equivalent("5", "2^{2^{2^{100}}}", AnswerType.MATH));
        assertFalse(Grader.equivalent("5", "\\frac{1}{0}", AnswerType.MATH));
        assertFalse(Grader.equivalent("5", "((((", AnswerType.MATH));
        assertFalse(Grader.equivalent("5", "\\frac{", AnswerType.MATH));
        assertFalse(Grader.equivalent("120", "1000!", AnswerType.MATH));
        assertTrue(Grader.equivalent("\\frac{1}{2}", "\\frac{1}{2}", AnswerType.MATH));
    }
}
