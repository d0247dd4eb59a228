package glmspark.sampling;

/** A filtered next-token distribution: token ids with non-zero probability, ascending, and their probabilities. */
public record Distribution(int[] support, double[] probs) {
    public Distribution {
        if (support.length != probs.length) {
            throw new IllegalArgumentException("support has " + support.length + " ids but probs has " + probs.length);
        }
    }
}
