package glmspark.sampling;

import java.util.Arrays;

/**
 * Next-token selection with transformers' semantics and order: repetition penalty over the token history
 * (RepetitionPenaltyLogitsProcessor), then, when sampling, temperature, top_k (TopKLogitsWarper), top_p
 * (TopPLogitsWarper) and min_p (MinPLogitsWarper); greedy is argmax after the repetition penalty (lowest id on
 * ties, as torch.argmax).
 *
 * <p>Scores are transformed in float32 as transformers does on float32 logits, so ties and orderings are the
 * ones it sees; probabilities (softmax, cumulative sums) are computed in double. The draw is an inverse CDF
 * over the support in token-id order with u = {@link RandomStream#uniform}(seed, sampleIndex, step).
 *
 * <p>Owns scratch buffers sized for the vocabulary: one instance per thread; no allocation per call except
 * the result of {@link #distribution}.
 */
public final class Sampler {

    private final int vocabSize;
    private final float[] scores;      // processed scores; removed tokens are -inf
    private final int[] penalized;     // epoch stamp per token: repetition penalty applies once per token
    private int epoch;
    private final long[] sortKeys;     // (sortable float bits << 32 | token id) for top_p
    private final double[] weights;    // exp(score - max) of the current scores
    private float[] heap = new float[64]; // top_k min-heap, grown on demand

    public Sampler(int vocabSize) {
        if (vocabSize <= 0) throw new IllegalArgumentException("vocabSize must be > 0, got " + vocabSize);
        this.vocabSize = vocabSize;
        this.scores = new float[vocabSize];
        this.penalized = new int[vocabSize];
        this.sortKeys = new long[vocabSize];
        this.weights = new double[vocabSize];
    }

    /** The next token. Does not modify logits. history[0..historyLength) are the tokens so far (prompt included). */
    public int sample(float[] logits, int[] history, int historyLength, SamplingParams p, long seed, int sampleIndex,
                      int step) {
        process(logits, history, historyLength, p);
        if (p.isGreedy()) return argmax();
        // inverse CDF in token-id order over unnormalised weights: u * Z is the target mass
        float max = maxScore();
        double total = 0;
        for (int i = 0; i < vocabSize; i++) {
            double w = scores[i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp((double) scores[i] - max);
            weights[i] = w;
            total += w;
        }
        double target = RandomStream.uniform(seed, sampleIndex, step) * total;
        double acc = 0;
        int last = -1;
        for (int i = 0; i < vocabSize; i++) {
            if (weights[i] == 0) continue;
            acc += weights[i];
            last = i;
            if (target < acc) return i;
        }
        return last; // u * Z rounded up to the total: the last token of the support
    }

    /** The distribution {@link #sample} draws from; for greedy settings, the argmax with probability 1. */
    public Distribution distribution(float[] logits, int[] history, int historyLength, SamplingParams p) {
        process(logits, history, historyLength, p);
        if (p.isGreedy()) return new Distribution(new int[]{argmax()}, new double[]{1.0});
        float max = maxScore();
        int n = 0;
        double total = 0;
        for (int i = 0; i < vocabSize; i++) {
            if (scores[i] != Float.NEGATIVE_INFINITY) {
                n++;
                total += Math.exp((double) scores[i] - max);
            }
        }
        int[] support = new int[n];
        double[] probs = new double[n];
        int k = 0;
        for (int i = 0; i < vocabSize; i++) {
            if (scores[i] == Float.NEGATIVE_INFINITY) continue;
            support[k] = i;
            probs[k] = Math.exp((double) scores[i] - max) / total;
            k++;
        }
        return new Distribution(support, probs);
    }

    // ---- the processing chain, in transformers' order

    private void process(float[] logits, int[] history, int historyLength, SamplingParams p) {
        if (logits.length != vocabSize) {
            throw new IllegalArgumentException("logits has " + logits.length + " entries, sampler vocab is " + vocabSize);
        }
        if (historyLength < 0 || historyLength > (history == null ? 0 : history.length)) {
            throw new IllegalArgumentException("historyLength " + historyLength + " out of range");
        }
        boolean anyFinite = false;
        for (int i = 0; i < vocabSize; i++) {
            float v = logits[i];
            if (Float.isNaN(v)) throw new IllegalArgumentException("logit of token " + i + " is NaN");
            if (v != Float.NEGATIVE_INFINITY) anyFinite = true;
            scores[i] = v;
        }
        if (!anyFinite) throw new IllegalArgumentException("all logits are -inf: nothing to sample");
        if (p.repetitionPenalty() != 1.0) repetitionPenalty(history, historyLength, (float) p.repetitionPenalty());
        if (p.isGreedy()) return;
        if (p.temperature() != 1.0) {
            float t = (float) p.temperature();
            for (int i = 0; i < vocabSize; i++) scores[i] = scores[i] / t;
        }
        if (p.topK() > 0 && p.topK() < vocabSize) topK(p.topK());
        if (p.topP() < 1.0) topP(p.topP());
        if (p.minP() > 0.0) minP(p.minP());
    }

    /** transformers: gather the history's scores, s < 0 ? s * p : s / p, scatter back (once per distinct token). */
    private void repetitionPenalty(int[] history, int historyLength, float penalty) {
        if (++epoch == 0) { // wrapped: reset stamps
            Arrays.fill(penalized, 0);
            epoch = 1;
        }
        for (int j = 0; j < historyLength; j++) {
            int id = history[j];
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException("history[" + j + "] = " + id + " is not a token id below " + vocabSize);
            }
            if (penalized[id] == epoch) continue;
            penalized[id] = epoch;
            float s = scores[id];
            scores[id] = s < 0 ? s * penalty : s / penalty;
        }
    }

    /** Keeps every token whose score is >= the k-th largest (ties with the k-th value are all kept). */
    private void topK(int k) {
        if (heap.length < k) heap = new float[Math.max(k, heap.length * 2)];
        // min-heap of the k largest scores seen
        int size = 0;
        for (int i = 0; i < vocabSize; i++) {
            float v = scores[i];
            if (size < k) {
                heap[size] = v;
                siftUp(size++);
            } else if (v > heap[0]) {
                heap[0] = v;
                siftDown(k);
            }
        }
        float kth = heap[0];
        for (int i = 0; i < vocabSize; i++) if (scores[i] < kth) scores[i] = Float.NEGATIVE_INFINITY;
    }

    private void siftUp(int i) {
        float v = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= v) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = v;
    }

    private void siftDown(int size) {
        float v = heap[0];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) break;
            if (child + 1 < size && heap[child + 1] < heap[child]) child++;
            if (heap[child] >= v) break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = v;
    }

    /**
     * transformers' TopPLogitsWarper: sort ascending (ties by token id), remove tokens whose cumulative
     * probability is <= 1 - top_p, always keep the highest.
     *
     * <p>Sorting the whole vocabulary (150k) costs ~10 ms, so only the head is sorted: scores are bucketed by
     * distance below the maximum; the smallest run of top buckets holding at least top_p of the mass is
     * sorted, and every token below it is removed without sorting, because its ascending cumulative
     * probability is at most the mass below the cut, which is <= 1 - top_p.
     */
    private void topP(double topP) {
        float max = maxScore();
        Arrays.fill(bucketMass, 0);
        double total = 0;
        for (int i = 0; i < vocabSize; i++) {
            float v = scores[i];
            if (v == Float.NEGATIVE_INFINITY) continue; // probability 0: removed already, sorts first
            double w = Math.exp((double) v - max);
            weights[i] = w;
            total += w;
            bucketMass[bucket(v, max)] += w;
        }
        double need = (topP + 1e-6) * total; // margin: the cut never depends on rounding
        int cut = BUCKETS - 1;
        double head = 0;
        for (int b = 0; b < BUCKETS; b++) {
            head += bucketMass[b];
            if (head >= need) {
                cut = b;
                break;
            }
        }
        int n = 0;
        double cumulative = 0;
        for (int i = 0; i < vocabSize; i++) {
            float v = scores[i];
            if (v == Float.NEGATIVE_INFINITY) continue;
            if (bucket(v, max) > cut) {
                cumulative += weights[i] / total;
                scores[i] = Float.NEGATIVE_INFINITY;
            } else {
                sortKeys[n++] = ((long) sortableBits(v) << 32) | i;
            }
        }
        Arrays.sort(sortKeys, 0, n);
        double threshold = 1.0 - topP;
        for (int j = 0; j < n - 1; j++) { // the last (largest) is always kept
            int id = (int) sortKeys[j];
            cumulative += weights[id] / total;
            if (cumulative > threshold) break; // cumulative only grows
            scores[id] = Float.NEGATIVE_INFINITY;
        }
    }

    private static final int BUCKETS = 256;
    private static final float BUCKETS_PER_UNIT = 4f; // 64 logit units below the max; the last bucket takes the rest
    private final double[] bucketMass = new double[BUCKETS];

    private static int bucket(float v, float max) {
        float d = (max - v) * BUCKETS_PER_UNIT;
        return d >= BUCKETS - 1 ? BUCKETS - 1 : (int) d;
    }

    /** An int whose signed order is the float order (for non-NaN values). */
    private static int sortableBits(float v) {
        int bits = Float.floatToIntBits(v + 0.0f); // -0.0 + 0.0 = +0.0: equal scores, equal keys
        return bits ^ ((bits >> 31) & 0x7FFFFFFF);
    }

    /** transformers' MinPLogitsWarper: remove tokens with probability < min_p * (top probability); keep the top. */
    private void minP(double minP) {
        float max = maxScore();
        for (int i = 0; i < vocabSize; i++) {
            // p_i / p_max = exp(s_i - max); the top token has ratio 1 >= min_p and always stays
            if (scores[i] != Float.NEGATIVE_INFINITY && Math.exp((double) scores[i] - max) < minP) {
                scores[i] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    private float maxScore() {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocabSize; i++) if (scores[i] > max) max = scores[i];
        return max;
    }

    /** Lowest id among the maximal scores, as torch.argmax. */
    private int argmax() {
        int best = 0;
        for (int i = 1; i < vocabSize; i++) if (scores[i] > scores[best]) best = i;
        return best;
    }
}
