package glmspark.generate;

/**
 * A rendered, encoded prompt.
 *
 * @param rendered   the chat template's output, as text
 * @param ids        its token ids
 * @param opensThink the prompt ends inside an opened {@code <think>} (the GLM-Z1 template enforces this),
 *                   so the generated text starts in the reasoning
 */
public record Prompt(String rendered, int[] ids, boolean opensThink) {
}
