package glmspark.sampling;

/**
 * How the next token is chosen, with transformers' semantics and order: repetition penalty, temperature,
 * top_k, top_p, min_p. Greedy when {@code doSample} is false or the temperature is 0.
 * A value that disables a filter: topK 0, topP 1.0, minP 0.0, repetitionPenalty 1.0.
 */
public record SamplingParams(boolean doSample, double temperature, int topK, double topP, double minP,
                             double repetitionPenalty) {

    public SamplingParams {
        if (!(temperature >= 0)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
        if (!(repetitionPenalty > 0)) throw new IllegalArgumentException("repetition_penalty must be > 0, got " + repetitionPenalty);
    }

    public static SamplingParams greedy() {
        return new SamplingParams(false, 1.0, 0, 1.0, 0.0, 1.0);
    }

    /** The GLM-Z1-0414 model card's recommendation: temperature 0.6, top_p 0.95, top_k 40. */
    public static SamplingParams glmZ1Card() {
        return new SamplingParams(true, 0.6, 40, 0.95, 0.0, 1.0);
    }

    public boolean isGreedy() {
        return !doSample || temperature == 0.0;
    }
}
