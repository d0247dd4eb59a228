package glmspark.job;

import java.io.Serializable;

/**
 * Turns a sample's answer into (extracted, correct) against the gold answer. The job uses {@link GraderScorer}
 * (the engine's grader); {@link ExactMatchScorer} is a minimal independent one.
 */
public interface Scorer extends Serializable {

    /** @param extracted the final answer found in the text, or null; @param correct null when there is no gold */
    record Score(String extracted, Boolean correct) {
    }

    Score score(String gold, String answer, String answerType);
}
