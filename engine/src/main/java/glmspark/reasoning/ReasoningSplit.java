package glmspark.reasoning;

/**
 * A generation split into its reasoning and its final answer, for GLM-Z1 style output
 * {@code <think>reasoning</think> answer}. In the 0414 vocabulary {@code <think>} and {@code </think>} are
 * ordinary text, so the split works on the decoded string.
 *
 * @param reasoning the text inside the think block, exactly as generated (not trimmed); null when the
 *                  output has no think block at all
 * @param answer    the text after the first {@code </think>} closing the reasoning, trimmed; null when the
 *                  generation ended inside the reasoning
 * @param closed    false when the generation ended before {@code </think>}
 */
public record ReasoningSplit(String reasoning, String answer, boolean closed) {

    public static final String OPEN = "<think>";
    public static final String CLOSE = "</think>";

    /**
     * @param generated         the decoded generated text (without the prompt)
     * @param promptOpenedThink true when the prompt ended with {@code <think>} (GLM-Z1's generation prompt),
     *                          so the generated text starts inside the reasoning
     */
    public static ReasoningSplit split(String generated, boolean promptOpenedThink) {
        if (generated == null) throw new IllegalArgumentException("generated text is null");
        int reasoningStart;
        if (promptOpenedThink) {
            reasoningStart = 0;
        } else {
            // An opening tag counts only at the start (after optional whitespace); one later in the text is
            // part of an answer that has no reasoning block.
            int first = firstNonWhitespace(generated);
            if (!generated.startsWith(OPEN, first)) return new ReasoningSplit(null, generated.strip(), true);
            reasoningStart = first + OPEN.length();
        }
        int close = generated.indexOf(CLOSE, reasoningStart);
        if (close < 0) return new ReasoningSplit(generated.substring(reasoningStart), null, false);
        return new ReasoningSplit(generated.substring(reasoningStart, close),
                generated.substring(close + CLOSE.length()).strip(), true);
    }

    private static int firstNonWhitespace(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        return i;
    }
}
