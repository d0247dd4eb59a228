package glmspark.model;

import glmspark.format.ModelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention of one query head over its sequence's cached keys and values
 * (positions 0..pos, already rotated). Scores are scaled by head_dim^-0.5; softmax in float32 after
 * subtracting the maximum.
 */
final class Attention {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[1024]);

    private Attention() {
    }

    static void head(ModelConfig c, KvCache cache, int layer, KvCache.Sequence seq, int pos, float[] q, int qRow,
                     int head, float[] out) {
        int hd = c.headDim();
        int kvHead = head / (c.numHeads() / c.numKvHeads());
        int qo = qRow + head * hd;
        int kvOff = kvHead * hd;
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] scores = SCORES.get();
        if (scores.length < pos + 1) {
            scores = new float[Math.max(pos + 1, scores.length * 2)];
            SCORES.set(scores);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int p = 0; p <= pos; p++) {
            float[] kb = cache.keyBlock(layer, seq, p);
            float sc = dot(q, qo, kb, cache.offset(p) + kvOff, hd) * scale;
            scores[p] = sc;
            if (sc > max) max = sc;
        }
        float sum = 0;
        for (int p = 0; p <= pos; p++) {
            float e = (float) Math.exp(scores[p] - max);
            scores[p] = e;
            sum += e;
        }
        float inv = 1.0f / sum;
        int o = qo;
        for (int d = 0; d < hd; d++) out[o + d] = 0;
        for (int p = 0; p <= pos; p++) {
            float[] vb = cache.valueBlock(layer, seq, p);
            axpy(scores[p] * inv, vb, cache.offset(p) + kvOff, out, o, hd);
        }
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int bound = F.loopBound(n);
        float sum = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < bound; i += F.length())
                acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (int i = bound; i < n; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    private static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        int bound = F.loopBound(n);
        for (int i = 0; i < bound; i += F.length())
            FloatVector.fromArray(F, x, xo + i).fma(FloatVector.broadcast(F, a), FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        for (int i = bound; i < n; i++) y[yo + i] += a * x[xo + i];
    }
}
