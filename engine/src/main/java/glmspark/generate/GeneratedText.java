package glmspark.generate;

/**
 * A completion read as a reasoning model's output.
 *
 * @param text            the whole generated text
 * @param reasoning       inside {@code <think>...</think>}
 * @param answer          after {@code </think>}, trimmed; null when the reasoning was not closed
 * @param reasoningClosed false when the generation ended before {@code </think>}
 * @param reasoningTokens generated tokens up to and including the one that closed the reasoning
 * @param answerTokens    generated tokens after it
 */
public record GeneratedText(String text, String reasoning, String answer, boolean reasoningClosed,
                            int reasoningTokens, int answerTokens) {
}
