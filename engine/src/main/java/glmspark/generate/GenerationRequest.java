package glmspark.generate;

import glmspark.sampling.SamplingParams;

import java.util.List;

/**
 * One prompt to continue, {@code n} times. Sample i draws from its own random stream keyed by
 * ({@code seed}, i), so its tokens do not depend on what else shares the batch.
 *
 * @param id            caller's id, echoed in each {@link Completion}
 * @param promptIds     the prompt's token ids (already rendered and encoded)
 * @param sampling      sampler settings
 * @param seed          the request's seed
 * @param n             number of samples; they share the prompt's prefill
 * @param maxNewTokens  at most this many generated tokens per sample
 * @param stopStrings   texts that end a sample (matched across token boundaries, cut from the text)
 */
public record GenerationRequest(String id, int[] promptIds, SamplingParams sampling, long seed, int n,
                                int maxNewTokens, List<String> stopStrings) {
    public GenerationRequest {
        if (promptIds == null || promptIds.length == 0) throw new IllegalArgumentException("request " + id + ": empty prompt");
        if (n < 1) throw new IllegalArgumentException("request " + id + ": n must be >= 1, got " + n);
        if (maxNewTokens < 0) throw new IllegalArgumentException("request " + id + ": max_new_tokens must be >= 0");
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
    }

    public static GenerationRequest greedy(String id, int[] promptIds, int maxNewTokens) {
        return new GenerationRequest(id, promptIds, SamplingParams.greedy(), 0L, 1, maxNewTokens, List.of());
    }
}
