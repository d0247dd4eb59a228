package glmspark.job;

import glmspark.grade.AnswerType;
import glmspark.grade.Grade;
import glmspark.grade.Grader;

/** The engine's grader ({@link Grader}): answer extraction and equivalence by answer type. */
public final class GraderScorer implements Scorer {

    @Override
    public Score score(String gold, String answer, String answerType) {
        AnswerType type = AnswerType.valueOf(answerType);
        if (gold == null) return new Score(answer == null ? null : Grader.extract(answer, type).orElse(null), null);
        Grade g = Grader.grade(Grader.extractGold(gold, type), answer, type);
        return new Score(g.extracted(), g.correct());
    }
}
