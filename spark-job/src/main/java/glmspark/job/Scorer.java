package glmspark.job;

import java.io.Serializable;

/**
 * Turns a sample's answer into (extracted, correct) against the gold answer. The job uses {@link GraderScorer}
 * (the engine's grader); scoring runs when the results are assembled from the progress files, so a better grader
 * re-scores a finished run without generating anything (resume it).
 */
public interface Scorer extends Serializable {

    /** @param extracted the final answer found in the text, or null; @param correct null when there is no gold */
    record Score(String extracted, Boolean correct) {
    }

    Score score(String gold, String answer, String answerType);
}
