package glmspark.job;

import java.io.Serializable;

/**
 * SEAM for the grader: turns a sample's answer into (extracted, correct) against the gold answer.
 * The lead switches the job to the engine's {@code glmspark.grade.Grader} by giving an implementation that
 * calls {@code Grader.grade(gold, answer, AnswerType.valueOf(answerType))}; {@link ExactMatchScorer} stands in.
 */
public interface Scorer extends Serializable {

    /** @param extracted the final answer found in the text, or null; @param correct null when there is no gold */
    record Score(String extracted, Boolean correct) {
    }

    Score score(String gold, String answer, String answerType);
}
