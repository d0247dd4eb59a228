package glmspark.model;

import java.util.Arrays;

/**
 * The rows of one forward step: for each row a token, its position, the sequence (KV cache) it belongs to,
 * and whether its logits are wanted. A prompt chunk is several consecutive rows of one sequence; a decoding
 * sequence is one row.
 */
public final class Batch {

    int[] tokens = new int[16];
    int[] positions = new int[16];
    KvCache.Sequence[] sequences = new KvCache.Sequence[16];
    boolean[] wantLogits = new boolean[16];
    private int size;

    public int size() {
        return size;
    }

    public void clear() {
        Arrays.fill(sequences, 0, size, null);
        size = 0;
    }

    /**
     * Adds {@code count} tokens of {@code seq} starting at its current length plus the rows already added for
     * it; {@code logitsForLast} asks for the logits of the chunk's last row.
     */
    public void add(KvCache.Sequence seq, int[] ids, int from, int count, boolean logitsForLast) {
        int start = seq.length();
        for (int i = size - 1; i >= 0; i--) if (sequences[i] == seq) { start = positions[i] + 1; break; }
        ensure(size + count);
        for (int i = 0; i < count; i++) {
            tokens[size] = ids[from + i];
            positions[size] = start + i;
            sequences[size] = seq;
            wantLogits[size] = logitsForLast && i == count - 1;
            size++;
        }
    }

    /** Asks for the logits of every row (used to compare every position with a reference). */
    public void wantAllLogits() {
        Arrays.fill(wantLogits, 0, size, true);
    }

    public int token(int row) {
        return tokens[row];
    }

    public int position(int row) {
        return positions[row];
    }

    public KvCache.Sequence sequence(int row) {
        return sequences[row];
    }

    public boolean wantsLogits(int row) {
        return wantLogits[row];
    }

    public int logitRows() {
        int n = 0;
        for (int i = 0; i < size; i++) if (wantLogits[i]) n++;
        return n;
    }

    /** The highest position each sequence will hold after this step, plus one. */
    int endOf(KvCache.Sequence seq) {
        int end = seq.length();
        for (int i = 0; i < size; i++) if (sequences[i] == seq) end = Math.max(end, positions[i] + 1);
        return end;
    }

    void advanceSequences() {
        for (int i = 0; i < size; i++) {
            KvCache.Sequence s = sequences[i];
            if (positions[i] + 1 > s.length()) s.advance(positions[i] + 1);
        }
    }

    private void ensure(int n) {
        if (n <= tokens.length) return;
        int cap = Math.max(n, tokens.length * 2);
        tokens = Arrays.copyOf(tokens, cap);
        positions = Arrays.copyOf(positions, cap);
        sequences = Arrays.copyOf(sequences, cap);
        wantLogits = Arrays.copyOf(wantLogits, cap);
    }
}
