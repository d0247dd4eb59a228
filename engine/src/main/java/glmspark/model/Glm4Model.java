package glmspark.model;

import glmspark.cpu.BF16Matrix;
import glmspark.cpu.F16Matrix;
import glmspark.cpu.F32Matrix;
import glmspark.cpu.Parallel;
import glmspark.format.ModelConfig;
import glmspark.format.ModelFormatException;
import glmspark.format.TensorData;
import glmspark.tensor.WeightMatrix;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Glm4ForCausalLM (GLM-4-0414, GLM-Z1-0414). One layer:
 * <pre>
 *   h = x + norm_postattn( attention( norm_in(x) ) )          input_layernorm, post_self_attn_layernorm
 *   x = h + norm_postmlp( down( up * silu(gate) ) )           post_attention_layernorm is the MLP's input norm,
 *         where [gate | up] = gate_up( norm_mlp(h) )          post_mlp_layernorm its output norm
 * </pre>
 * q/k/v carry optional biases; rotary is partial and interleaved ({@link Rope}); attention is grouped-query;
 * logits = lm_head(norm(x)). Everything is float32 arithmetic over weights in their stored type.
 *
 * <p>{@link #forward} runs one step over a {@link Batch}: any mix of prompt chunks and single decode tokens
 * of different sequences. Rows of different sequences never mix, so a sequence computes the same numbers
 * whatever shares its batch.
 */
public final class Glm4Model {

    /** One layer's weights. Norm weights and biases are small, so they live in float arrays. */
    record Layer(float[] inputNorm, WeightMatrix q, WeightMatrix k, WeightMatrix v, float[] qBias, float[] kBias,
                 float[] vBias, WeightMatrix o, float[] postAttnNorm, float[] mlpNorm, WeightMatrix gateUp,
                 WeightMatrix down, float[] postMlpNorm) {
    }

    /** Receives the hidden states as transformers' output_hidden_states defines them (tests compare them). */
    public interface HiddenStates {
        /** index 0: embeddings; i in 1..layers-1: after layer i; layers: after the final norm. Rows x hidden. */
        void accept(int index, float[] x, int rows, int hidden);
    }

    private final ModelConfig c;
    private final WeightMatrix embed;
    private final Layer[] layers;
    private final float[] finalNorm;
    private final WeightMatrix lmHead;
    private final Rope rope;
    private final Parallel parallel;
    private final Scratch s = new Scratch();

    public Glm4Model(ModelConfig config, Map<String, TensorData> tensors, Path source, Parallel parallel)
            throws ModelFormatException {
        this.c = config;
        this.parallel = parallel;
        Weights w = new Weights(tensors, source);
        int H = c.hiddenSize(), V = c.vocabSize(), I = c.intermediateSize();
        embed = w.matrix("model.embed_tokens.weight", V, H);
        layers = new Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            boolean bias = c.attentionBias();
            layers[i] = new Layer(
                    w.vector(p + "input_layernorm.weight", H),
                    w.matrix(p + "self_attn.q_proj.weight", c.qDim(), H),
                    w.matrix(p + "self_attn.k_proj.weight", c.kvDim(), H),
                    w.matrix(p + "self_attn.v_proj.weight", c.kvDim(), H),
                    bias ? w.vector(p + "self_attn.q_proj.bias", c.qDim()) : null,
                    bias ? w.vector(p + "self_attn.k_proj.bias", c.kvDim()) : null,
                    bias ? w.vector(p + "self_attn.v_proj.bias", c.kvDim()) : null,
                    w.matrix(p + "self_attn.o_proj.weight", H, c.qDim()),
                    w.vector(p + "post_self_attn_layernorm.weight", H),
                    w.vector(p + "post_attention_layernorm.weight", H),
                    w.matrix(p + "mlp.gate_up_proj.weight", 2 * I, H),
                    w.matrix(p + "mlp.down_proj.weight", H, I),
                    w.vector(p + "post_mlp_layernorm.weight", H));
        }
        finalNorm = w.vector("model.norm.weight", H);
        lmHead = c.tieWordEmbeddings() && !tensors.containsKey("lm_head.weight") ? embed : w.matrix("lm_head.weight", V, H);
        rope = new Rope(c);
    }

    public ModelConfig config() {
        return c;
    }

    public Rope rope() {
        return rope;
    }

    /** Bytes of weights streamed per forward step (every matrix once; the embedding only by row). */
    public long weightBytesPerStep() {
        long b = lmHead.bytes();
        for (Layer l : layers) b += l.q.bytes() + l.k.bytes() + l.v.bytes() + l.o.bytes() + l.gateUp.bytes() + l.down.bytes();
        return b;
    }

    /** Multiply-adds per token in the layers' matmuls (attention over the cache and lm_head not included). */
    public long layerMacsPerToken() {
        long n = 0;
        for (Layer l : layers)
            for (WeightMatrix m : new WeightMatrix[]{l.q, l.k, l.v, l.o, l.gateUp, l.down}) n += (long) m.rows() * m.cols();
        return n;
    }

    public KvCache newKvCache(int blockSize, long budgetBytes) {
        return new KvCache(c.numLayers(), c.kvDim(), blockSize, budgetBytes);
    }

    /**
     * Logits of a whole prompt in one step, with a cache of its own: [ids.length, vocab] when
     * {@code allPositions}, else the last position's [vocab].
     */
    public float[] promptLogits(int[] ids, boolean allPositions) {
        KvCache cache = newKvCache(16, KvCache.bytesPerBlock(c.numLayers(), c.kvDim(), 16) * (ids.length / 16 + 1));
        KvCache.Sequence seq = cache.newSequence();
        cache.reserve(seq, ids.length);
        Batch b = new Batch();
        b.add(seq, ids, 0, ids.length, true);
        if (allPositions) b.wantAllLogits();
        float[] logits = new float[b.logitRows() * c.vocabSize()];
        forward(b, cache, logits, null);
        return logits;
    }

    /**
     * Runs one step. For every row of {@code batch}: embeds its token, runs the layers with its own position
     * and sequence cache (which must be reserved up to position+1), and, for rows marked in
     * {@link Batch#wantLogits}, writes vocabulary logits into {@code logits} (one row each, in row order).
     * Sequences' lengths are advanced past the rows they received.
     */
    public void forward(Batch batch, KvCache cache, float[] logits, HiddenStates hidden) {
        int T = batch.size(), H = c.hiddenSize();
        s.ensure(T, c);
        float[] x = s.x;
        for (int t = 0; t < T; t++) {
            int tok = batch.tokens[t];
            if (tok < 0 || tok >= c.vocabSize())
                throw new IllegalArgumentException("token id " + tok + " out of range [0, " + c.vocabSize() + ")");
            embed.row(tok, x, t * H);
        }
        if (hidden != null) hidden.accept(0, x, T, H);
        stepBatch = batch;
        stepCache = cache;
        stepT = T;
        stepLayer = 0;
        parallel.run(T, inputNorm);
        for (int l = 0; l < layers.length; l++) {
            stepLayer = l;
            layer(layers[l], T);
            if (hidden != null && l < layers.length - 1) hidden.accept(l + 1, x, T, H);
        }
        int nOut = 0;
        for (int t = 0; t < T; t++) if (batch.wantLogits[t]) nOut++;
        float[] xo = s.out;
        int r = 0;
        for (int t = 0; t < T; t++) {
            if (hidden == null && !batch.wantLogits[t]) continue;
            rmsNorm(x, t * H, finalNorm, xo, r * H, H);
            r++;
        }
        if (hidden != null) {
            hidden.accept(layers.length, xo, T, H);
            // compact to the rows that want logits
            int w = 0;
            for (int t = 0; t < T; t++)
                if (batch.wantLogits[t]) System.arraycopy(xo, t * H, xo, (w++) * H, H);
        }
        if (nOut > 0) {
            stepLogits = logits;
            stepOut = nOut;
            parallel.run(c.vocabSize(), 64, lmHeadPart);
            stepLogits = null;
        }
        stepBatch = null;
        stepCache = null;
        batch.advanceSequences();
    }

    // The step being computed, read by the parallel bodies below (built once: the token loop allocates nothing).
    private Batch stepBatch;
    private KvCache stepCache;
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

    /**
     * One layer in 8 parallel passes: matmuls split by output rows, elementwise steps split by batch row
     * (a batch of one row runs them on the caller, with no hand-off).
     */
    private void layer(Layer L, int T) {
        int H = c.hiddenSize(), I = c.intermediateSize();
        parallel.run(c.qDim() + 2 * c.kvDim(), 4, qkv);
        parallel.run(T, biasRopeStore);
        parallel.run(T * c.numKvHeads(), attention);
        parallel.run(H, 4, oProj);
        parallel.run(T, postAttention);
        parallel.run(I, 4, gateUpSilu);
        parallel.run(H, 4, down);
        parallel.run(T, postMlp);
    }

    private void inputNorm(int from, int to) {
        int H = c.hiddenSize();
        Layer L = layers[stepLayer];
        for (int t = from; t < to; t++) rmsNorm(s.x, t * H, L.inputNorm, s.xn, t * H, H);
    }

    /** q, k and v in one pass over their concatenated output rows. */
    private void qkv(int from, int to) {
        Layer L = layers[stepLayer];
        int qd = c.qDim(), kvd = c.kvDim(), T = stepT;
        matmulPart(L.q, s.xn, T, s.q, qd, from, to, 0);
        matmulPart(L.k, s.xn, T, s.k, kvd, from, to, qd);
        matmulPart(L.v, s.xn, T, s.v, kvd, from, to, qd + kvd);
    }

    private void biasRopeStore(int from, int to) {
        Layer L = layers[stepLayer];
        int qd = c.qDim(), kvd = c.kvDim();
        float[] q = s.q, k = s.k, v = s.v;
        Batch b = stepBatch;
        KvCache cache = stepCache;
        for (int t = from; t < to; t++) {
            if (L.qBias != null) {
                addInPlace(q, t * qd, L.qBias, qd);
                addInPlace(k, t * kvd, L.kBias, kvd);
                addInPlace(v, t * kvd, L.vBias, kvd);
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
        layers[stepLayer].o.matmul(s.att, stepT, s.o, c.hiddenSize(), from, to);
    }

    /** h = x + norm(o); xn = mlp_norm(h). */
    private void postAttention(int from, int to) {
        int H = c.hiddenSize();
        Layer L = layers[stepLayer];
        float[] x = s.x, o = s.o;
        for (int t = from; t < to; t++) {
            rmsNorm(o, t * H, L.postAttnNorm, o, t * H, H);
            addInPlace(x, t * H, o, t * H, H);
            rmsNorm(x, t * H, L.mlpNorm, s.xn, t * H, H);
        }
    }

    /** Gate rows [from, to) and the matching up rows, then act = up * silu(gate) for those columns. */
    private void gateUpSilu(int from, int to) {
        int I = c.intermediateSize(), T = stepT;
        Layer L = layers[stepLayer];
        float[] gu = s.gu, act = s.act;
        L.gateUp.matmul(s.xn, T, gu, 2 * I, from, to);
        L.gateUp.matmul(s.xn, T, gu, 2 * I, I + from, I + to);
        for (int t = 0; t < T; t++) {
            int g = t * 2 * I, a = t * I;
            for (int i = from; i < to; i++) {
                float gate = gu[g + i];
                act[a + i] = gu[g + I + i] * (gate / (1.0f + (float) Math.exp(-gate)));
            }
        }
    }

    private void down(int from, int to) {
        layers[stepLayer].down.matmul(s.act, stepT, s.o, c.hiddenSize(), from, to);
    }

    /** x = h + norm(down); and the next layer's input norm of x, while the row is in cache. */
    private void postMlp(int from, int to) {
        int H = c.hiddenSize();
        Layer L = layers[stepLayer];
        Layer next = stepLayer + 1 < layers.length ? layers[stepLayer + 1] : null;
        float[] x = s.x, o = s.o;
        for (int t = from; t < to; t++) {
            rmsNorm(o, t * H, L.postMlpNorm, o, t * H, H);
            addInPlace(x, t * H, o, t * H, H);
            if (next != null) rmsNorm(x, t * H, next.inputNorm, s.xn, t * H, H);
        }
    }

    private void lmHeadPart(int from, int to) {
        int V = c.vocabSize();
        lmHead.matmul(s.out, stepOut, stepLogits, V, from, to);
    }

    /** The part of [from, to) of a concatenated row space that falls in [base, base + m.rows()). */
    private static void matmulPart(WeightMatrix m, float[] x, int T, float[] y, int yStride, int from, int to, int base) {
        int lo = Math.max(from, base) - base, hi = Math.min(to, base + m.rows()) - base;
        if (lo < hi) m.matmul(x, T, y, yStride, lo, hi);
    }

    /** transformers' Glm4RMSNorm: x * rsqrt(mean(x^2) + eps), then times the weight (not 1 + weight). */
    private void rmsNorm(float[] x, int xOff, float[] w, float[] out, int outOff, int n) {
        double ss = 0;
        for (int i = 0; i < n; i++) ss += (double) x[xOff + i] * x[xOff + i];
        float inv = (float) (1.0 / Math.sqrt(ss / n + c.rmsNormEps()));
        for (int i = 0; i < n; i++) out[outOff + i] = w[i] * (x[xOff + i] * inv);
    }

    private static void addInPlace(float[] x, int off, float[] b, int n) {
        for (int i = 0; i < n; i++) x[off + i] += b[i];
    }

    private static void addInPlace(float[] x, int off, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) x[off + i] += y[yOff + i];
    }

    /** Activation buffers, grown to the largest batch seen; reused so the token loop does not allocate. */
    private static final class Scratch {
        int capacity;
        float[] x, xn, q, k, v, att, o, gu, act, out;

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

    /** Looks tensors up by name and checks their shapes; errors name the file and tensor. */
    private record Weights(Map<String, TensorData> tensors, Path source) {

        TensorData get(String name, long... shape) throws ModelFormatException {
            TensorData t = tensors.get(name);
            if (t == null) throw new ModelFormatException(source, "missing tensor '" + name + "'");
            if (!Arrays.equals(t.shape(), shape))
                throw new ModelFormatException(t.file(), "tensor '" + name + "' has shape " + t.shapeString()
                        + ", expected " + Arrays.toString(shape) + " from config.json");
            return t;
        }

        WeightMatrix matrix(String name, int rows, int cols) throws ModelFormatException {
            TensorData t = get(name, rows, cols);
            return switch (t.dtype()) {
                case F32 -> new F32Matrix(t.data(), rows, cols);
                case BF16 -> new BF16Matrix(t.data(), rows, cols);
                case F16 -> new F16Matrix(t.data(), rows, cols);
                default -> new glmspark.quant.QuantMatrix(t.dtype(), t.data(), rows, cols);
            };
        }

        float[] vector(String name, int n) throws ModelFormatException {
            TensorData t = get(name, n);
            float[] out = new float[n];
            switch (t.dtype()) {
                case F32 -> {
                    for (int i = 0; i < n; i++) out[i] = t.data().get(F32_LE, 4L * i);
                }
                case BF16 -> {
                    for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((t.data().get(I16_LE, 2L * i) & 0xFFFF) << 16);
                }
                case F16 -> {
                    for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(t.data().get(I16_LE, 2L * i));
                }
                default -> new glmspark.quant.QuantMatrix(t.dtype(), t.data(), 1, n).row(0, out, 0);
            }
            return out;
        }
    }

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
}
