package glmspark.model;

import glmspark.cpu.Lanes;
import glmspark.format.ModelConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention of the query heads over their sequence's cached keys and values
 * (positions 0..pos, already rotated). Scores are scaled by head_dim^-0.5; softmax in float32 after
 * subtracting the maximum.
 */
final class Attention {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[1024]);

    private Attention() {
    }

    /**
     * All query heads that share KV head {@code kvHead} (grouped-query attention): each cached key and value
     * row is read once for the whole group instead of once per head. Per head: scores q.k * scale,
     * softmax after subtracting the maximum, then the probability-weighted sum of values in position order.
     */
    static void group(ModelConfig c, KvCache cache, int layer, KvCache.Sequence seq, int pos, float[] q, int qRow,
                      int kvHead, float[] out) {
        int hd = c.headDim(), g = c.numHeads() / c.numKvHeads(), n = pos + 1;
        int kvOff = kvHead * hd, q0 = qRow + kvHead * g * hd;
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] scores = SCORES.get();
        if (scores.length < g * n) {
            scores = new float[Math.max(g * n, scores.length * 2)];
            SCORES.set(scores);
        }
        for (int p = 0; p < n; p++) {
            float[] kb = cache.keyBlock(layer, seq, p);
            int ko = cache.offset(p) + kvOff;
            for (int h = 0; h < g; h++) scores[h * n + p] = dot(q, q0 + h * hd, kb, ko, hd) * scale;
        }
        for (int h = 0; h < g; h++) {
            int so = h * n;
            float max = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < n; p++) if (scores[so + p] > max) max = scores[so + p];
            float sum = 0;
            for (int p = 0; p < n; p++) {
                float e = (float) Math.exp(scores[so + p] - max);
                scores[so + p] = e;
                sum += e;
            }
            float inv = 1.0f / sum;
            for (int p = 0; p < n; p++) scores[so + p] *= inv;
            for (int d = 0; d < hd; d++) out[q0 + h * hd + d] = 0;
        }
        for (int p = 0; p < n; p++) {
            float[] vb = cache.valueBlock(layer, seq, p);
            int vo = cache.offset(p) + kvOff;
            for (int h = 0; h < g; h++) axpy(scores[h * n + p], vb, vo, out, q0 + h * hd, hd);
        }
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int bound = F.loopBound(n);
        float sum = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < bound; i += F.length())
                acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
            sum = Lanes.sum(acc);
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
