package glmspark.exec;

import java.io.Serializable;

/**
 * One generated sample (or its error), the unit a progress file stores.
 * Key: (pass, dataset, id, sampleIndex).
 */
public record SampleResult(String pass, String dataset, String id, int sampleIndex, long seed,
                           String renderedPrompt, int[] promptTokenIds, String reasoning, String answer,
                           boolean reasoningClosed, String finishReason, int promptTokens, int reasoningTokens,
                           int answerTokens, long latencyMs, String error) implements Serializable {

    public String key() {
        return key(pass, dataset, id, sampleIndex);
    }

    public static String key(String pass, String dataset, String id, int sampleIndex) {
        return pass + '\u0000' + dataset + '\u0000' + id + '\u0000' + sampleIndex;
    }

    public int generatedTokens() {
        return reasoningTokens + answerTokens;
    }

    public static SampleResult failed(GenTask t, int sampleIndex, Throwable e) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        String msg = c.getClass().getSimpleName() + ": " + c.getMessage();
        return new SampleResult(t.pass(), t.dataset(), t.id(), sampleIndex, Seeds.fromRow(t.seed(), sampleIndex), null, null, null, null,
                false, null, 0, 0, 0, 0L, msg);
    }
}
