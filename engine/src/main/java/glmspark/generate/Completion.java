package glmspark.generate;

/**
 * One finished sample.
 *
 * @param requestId    the request's id
 * @param sampleIndex  0..n-1
 * @param outputIds    generated token ids (a final eos id is not included; tokens of a matched stop
 *                     string are included, its text is cut from {@code text})
 * @param text         decoded output, with special tokens, stop string removed
 * @param finishReason stop, length or context
 * @param promptTokens the prompt's length in tokens
 * @param latencyNanos from submission to completion
 */
public record Completion(String requestId, int sampleIndex, int[] outputIds, String text,
                         FinishReason finishReason, int promptTokens, long latencyNanos) {
}
