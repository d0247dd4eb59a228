package glmspark.score;

/**
 * One graded generation: the sampleIndex-th sample for prompt id of a dataset. subject and level are null when the
 * dataset has none; extracted is null when no final answer was found; error is null unless generation failed.
 */
public record ScoredSample(String dataset, String id, int sampleIndex, String subject, String level, String extracted,
                           boolean correct, boolean reasoningClosed, String finishReason, String error,
                           int reasoningTokens, int answerTokens) {

    public ScoredSample {
        if (dataset == null || dataset.isBlank()) throw new IllegalArgumentException("ScoredSample: dataset is required");
        if (id == null || id.isBlank()) throw new IllegalArgumentException("ScoredSample: id is required (dataset " + dataset + ")");
        if (sampleIndex < 0) throw new IllegalArgumentException("ScoredSample " + dataset + "/" + id + ": sampleIndex < 0");
    }

    boolean failed() { return error != null && !error.isBlank(); }

    boolean finishedByLength() { return "length".equalsIgnoreCase(finishReason); }
}
