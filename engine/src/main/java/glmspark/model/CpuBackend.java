package glmspark.model;

import glmspark.cpu.Parallel;
import glmspark.format.ModelConfig;
import glmspark.model.Glm4Weights.Layer;
import glmspark.tensor.WeightMatrix;

/**
 * The stages of a step on the CPU: float32 arithmetic over weights in their stored type, Vector API kernels.
 * Matmuls are split by output rows across the {@link Parallel} workers, elementwise stages by batch row (a
 * batch of one row runs them on the caller, with no hand-off). Rows of different sequences never mix, so a
 * sequence computes the same numbers whatever shares its batch.
 */
public final class CpuBackend implements Backend {

    /**
     * Row ranges of the products are whole 64-row blocks (the unit of RowPanels, the repacked bf16 and quantised
     * forms): a range that cuts a block makes two threads compute it.
     */
    private static final int ROW_GRAIN = 64;

    private final ModelConfig c;
    private final Glm4Weights w;
    private final Layer[] layers;
    private final Rope rope;
    private final Parallel parallel;
    private final Scratch s = new Scratch();

    public CpuBackend(Glm4Weights weights, Parallel parallel) {
        this.c = weights.config();
        this.w = weights;
        this.layers = weights.layers();
        this.rope = new Rope(c);
        this.parallel = parallel;
        // every matrix this backend multiplies (the embedding only by row, unless it is also the lm_head)
        for (Glm4Weights.Layer L : layers)
            for (WeightMatrix m : new WeightMatrix[]{L.q(), L.k(), L.v(), L.o(), L.gateUp(), L.down()}) m.prepareForCpu();
        weights.lmHead().prepareForCpu();
    }

    @Override
    public KvCache newKvCache(int blockSize, long budgetBytes) {
        return new KvCache(c.numLayers(), c.kvDim(), blockSize, budgetBytes);
    }

    // The step being computed, read by the parallel bodies below (built once: the token loop allocates nothing).
    private Batch stepBatch;
    private KvCache stepCache;
    private Glm4Model.HiddenStates stepHidden;
    private int stepT, stepLayer, stepOut;
    private float[] stepLogits;
    private final Parallel.Body inputNorm = this::inputNorm;
    private final Parallel.Body qkv = this::qkv;
    private final Parallel.Body biasRopeStore = this::biasRopeStore;
    private final Parallel.Body attention = this::attention;
    private final Parallel.Body oProj = this::oProj;
    private final Parallel.Body postAttention = this::postAttention;
    private final Parallel.Body gateUpSilu = this::gateUpSilu;
    private final Parallel.Body down = this::down;
    private final Parallel.Body postMlp = this::postMlp;
    private final Parallel.Body lmHeadPart = this::lmHeadPart;

    @Override
    public void embed(Batch batch, KvCache cache, Glm4Model.HiddenStates hidden) {
        int T = batch.size(), H = c.hiddenSize();
        s.ensure(T, c);
        for (int t = 0; t < T; t++) w.embed().row(batch.tokens[t], s.x, t * H);
        if (hidden != null) hidden.accept(0, s.x, T, H);
        stepBatch = batch;
        stepCache = cache;
        stepHidden = hidden;
        stepT = T;
        stepLayer = 0;
        parallel.run(T, inputNorm);
    }

    @Override
    public void qkv(int layer) {
        stepLayer = layer;
        parallel.run(c.qDim() + 2 * c.kvDim(), ROW_GRAIN, qkv);
        parallel.run(stepT, biasRopeStore);
    }

    @Override
    public void attention(int layer) {
        stepLayer = layer;
        parallel.run(stepT * c.numKvHeads(), attention);
    }

    @Override
    public void attentionOutput(int layer) {
        stepLayer = layer;
        parallel.run(c.hiddenSize(), ROW_GRAIN, oProj);
        parallel.run(stepT, postAttention);
    }

    @Override
    public void mlp(int layer) {
        stepLayer = layer;
        parallel.run(c.intermediateSize(), ROW_GRAIN, gateUpSilu);
        parallel.run(c.hiddenSize(), ROW_GRAIN, down);
        parallel.run(stepT, postMlp);
        if (stepHidden != null) stepHidden.accept(layer + 1, layer + 1 < layers.length ? s.x : s.xn, stepT, c.hiddenSize());
    }

    @Override
    public void logits(float[] out) {
        int H = c.hiddenSize(), n = 0;
        // compact the wanted rows of the final norm's output (xn) into s.out
        for (int t = 0; t < stepT; t++)
            if (stepBatch.wantLogits[t]) System.arraycopy(s.xn, t * H, s.out, (n++) * H, H);
        if (n > 0) {
            stepLogits = out;
            stepOut = n;
            parallel.run(c.vocabSize(), ROW_GRAIN, lmHeadPart);
            stepLogits = null;
        }
        stepBatch = null;
        stepCache = null;
        stepHidden = null;
    }

    @Override
    public void greedy(int[] out) {
        int V = c.vocabSize(), n = stepBatch.logitRows();
        if (s.logits.length < n * V) s.logits = new float[n * V];
        logits(s.logits);
        for (int r = 0; r < n; r++) {
            int best = 0;
            for (int i = 1; i < V; i++) if (s.logits[r * V + i] > s.logits[r * V + best]) best = i;
            out[r] = best;
        }
    }

    @Override
    public void close() {
    }

    private void inputNorm(int from, int to) {
        int H = c.hiddenSize();
        Layer L = layers[stepLayer];
        for (int t = from; t < to; t++) rmsNorm(s.x, t * H, L.inputNorm(), s.xn, t * H, H);
    }

    /** q, k and v in one pass over their concatenated output rows. */
    private void qkv(int from, int to) {
        Layer L = layers[stepLayer];
        int qd = c.qDim(), kvd = c.kvDim(), T = stepT;
        matmulPart(L.q(), s.xn, T, s.q, qd, from, to, 0);
        matmulPart(L.k(), s.xn, T, s.k, kvd, from, to, qd);
        matmulPart(L.v(), s.xn, T, s.v, kvd, from, to, qd + kvd);
    }

    private void biasRopeStore(int from, int to) {
        Layer L = layers[stepLayer];
        int qd = c.qDim(), kvd = c.kvDim();
        float[] q = s.q, k = s.k, v = s.v;
        Batch b = stepBatch;
        KvCache cache = stepCache;
        for (int t = from; t < to; t++) {
            if (L.qBias() != null) {
                addInPlace(q, t * qd, L.qBias(), 0, qd);
                addInPlace(k, t * kvd, L.kBias(), 0, kvd);
                addInPlace(v, t * kvd, L.vBias(), 0, kvd);
            }
            int pos = b.positions[t];
            rope.apply(q, t * qd, c.numHeads(), c.headDim(), pos);
            rope.apply(k, t * kvd, c.numKvHeads(), c.headDim(), pos);
            KvCache.Sequence seq = b.sequences[t];
            System.arraycopy(k, t * kvd, cache.keyBlock(stepLayer, seq, pos), cache.offset(pos), kvd);
            System.arraycopy(v, t * kvd, cache.valueBlock(stepLayer, seq, pos), cache.offset(pos), kvd);
        }
    }

    /** Over (row, KV head): the query heads of a group share each key/value read. */
    private void attention(int from, int to) {
        int groups = c.numKvHeads(), qd = c.qDim();
        Batch b = stepBatch;
        for (int i = from; i < to; i++) {
            int t = i / groups;
            Attention.group(c, stepCache, stepLayer, b.sequences[t], b.positions[t], s.q, t * qd, i % groups, s.att);
        }
    }

    private void oProj(int from, int to) {
        layers[stepLayer].o().matmul(s.att, stepT, s.o, c.hiddenSize(), from, to);
    }

    /** h = x + norm(o); xn = mlp_norm(h). */
    private void postAttention(int from, int to) {
        int H = c.hiddenSize();
        Layer L = layers[stepLayer];
        float[] x = s.x, o = s.o;
        for (int t = from; t < to; t++) {
            rmsNorm(o, t * H, L.postAttnNorm(), o, t * H, H);
            addInPlace(x, t * H, o, t * H, H);
            rmsNorm(x, t * H, L.mlpNorm(), s.xn, t * H, H);
        }
    }

    /** Gate rows [from, to) and the matching up rows, then act = up * silu(gate) for those columns. */
    private void gateUpSilu(int from, int to) {
        int I = c.intermediateSize(), T = stepT;
        Layer L = layers[stepLayer];
        float[] gu = s.gu, act = s.act;
        L.gateUp().matmul(s.xn, T, gu, 2 * I, from, to);
        L.gateUp().matmul(s.xn, T, gu, 2 * I, I + from, I + to);
        for (int t = 0; t < T; t++) {
            int g = t * 2 * I, a = t * I;
            for (int i = from; i < to; i++) {
                float gate = gu[g + i];
                act[a + i] = gu[g + I + i] * (gate / (1.0f + (float) Math.exp(-gate)));
            }
        }
    }

    private void down(int from, int to) {
        layers[stepLayer].down().matmul(s.act, stepT, s.o, c.hiddenSize(), from, to);
    }

    /** x = h + norm(down); and the next layer's input norm (or the final norm) of x, while the row is in cache. */
    private void postMlp(int from, int to) {
        int H = c.hiddenSize();
        Layer L = layers[stepLayer];
        float[] nextNorm = stepLayer + 1 < layers.length ? layers[stepLayer + 1].inputNorm() : w.finalNorm();
        float[] x = s.x, o = s.o;
        for (int t = from; t < to; t++) {
            rmsNorm(o, t * H, L.postMlpNorm(), o, t * H, H);
            addInPlace(x, t * H, o, t * H, H);
            rmsNorm(x, t * H, nextNorm, s.xn, t * H, H);
        }
    }

    private void lmHeadPart(int from, int to) {
        w.lmHead().matmul(s.out, stepOut, stepLogits, c.vocabSize(), from, to);
    }

    /** The part of [from, to) of a concatenated row space that falls in [base, base + m.rows()). */
    private static void matmulPart(WeightMatrix m, float[] x, int T, float[] y, int yStride, int from, int to, int base) {
        int lo = Math.max(from, base) - base, hi = Math.min(to, base + m.rows()) - base;
        if (lo < hi) m.matmul(x, T, y, yStride, lo, hi);
    }

    /** transformers' Glm4RMSNorm: x * rsqrt(mean(x^2) + eps), then times the weight (not 1 + weight). */
    private void rmsNorm(float[] x, int xOff, float[] weight, float[] out, int outOff, int n) {
        double ss = 0;
        for (int i = 0; i < n; i++) ss += (double) x[xOff + i] * x[xOff + i];
        float inv = (float) (1.0 / Math.sqrt(ss / n + c.rmsNormEps()));
        for (int i = 0; i < n; i++) out[outOff + i] = weight[i] * (x[xOff + i] * inv);
    }

    private static void addInPlace(float[] x, int off, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) x[off + i] += y[yOff + i];
    }

    /** Activation buffers, grown to the largest batch seen; reused so the token loop does not allocate. */
    private static final class Scratch {
        int capacity;
        float[] x, xn, q, k, v, att, o, gu, act, out;
        float[] logits = new float[0];

        void ensure(int T, ModelConfig c) {
            if (T <= capacity) return;
            int n = Math.max(T, capacity * 2);
            x = new float[n * c.hiddenSize()];
            xn = new float[n * c.hiddenSize()];
            q = new float[n * c.qDim()];
            k = new float[n * c.kvDim()];
            v = new float[n * c.kvDim()];
            att = new float[n * c.qDim()];
            o = new float[n * c.hiddenSize()];
            gu = new float[n * 2 * c.intermediateSize()];
            act = new float[n * c.intermediateSize()];
            out = new float[n * c.hiddenSize()];
            capacity = n;
        }
    }
}
