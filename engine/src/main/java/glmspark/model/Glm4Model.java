package glmspark.model;

import glmspark.cpu.Parallel;
import glmspark.format.ModelConfig;
import glmspark.format.ModelFormatException;
import glmspark.format.TensorData;
import glmspark.sampling.SamplingParams;

import java.nio.file.Path;
import java.util.Map;

/**
 * Glm4ForCausalLM (GLM-4-0414, GLM-Z1-0414). One layer:
 * <pre>
 *   h = x + norm_postattn( attention( norm_in(x) ) )          input_layernorm, post_self_attn_layernorm
 *   x = h + norm_postmlp( down( up * silu(gate) ) )           post_attention_layernorm is the MLP's input norm,
 *         where [gate | up] = gate_up( norm_mlp(h) )          post_mlp_layernorm its output norm
 * </pre>
 * q/k/v carry optional biases; rotary is partial and interleaved ({@link Rope}); attention is grouped-query;
 * logits = lm_head(norm(x)). The stages run on a {@link Backend}: the CPU (float32 arithmetic over weights in
 * their stored type) or a CUDA device (bf16 weights, float32 accumulation).
 *
 * <p>{@link #forward} runs one step over a {@link Batch}: any mix of prompt chunks and single decode tokens
 * of different sequences. Rows of different sequences never mix, so a sequence computes the same numbers
 * whatever shares its batch.
 */
public final class Glm4Model implements AutoCloseable {

    /** Receives the hidden states as transformers' output_hidden_states defines them (tests compare them). */
    public interface HiddenStates {
        /** index 0: embeddings; i in 1..layers-1: after layer i; layers: after the final norm. Rows x hidden. */
        void accept(int index, float[] x, int rows, int hidden);
    }

    private final ModelConfig c;
    private final Glm4Weights weights;
    private final Backend backend;

    /** The model on the CPU backend. */
    public Glm4Model(ModelConfig config, Map<String, TensorData> tensors, Path source, Parallel parallel)
            throws ModelFormatException {
        this(Glm4Weights.load(config, tensors, source), w -> new CpuBackend(w, parallel));
    }

    public Glm4Model(Glm4Weights weights, java.util.function.Function<Glm4Weights, Backend> backend) {
        this.c = weights.config();
        this.weights = weights;
        this.backend = backend.apply(weights);
    }

    public ModelConfig config() {
        return c;
    }

    public Backend backend() {
        return backend;
    }

    /** Bytes of weights streamed per forward step (every matrix once; the embedding only by row). */
    public long weightBytesPerStep() {
        return weights.bytesPerStep();
    }

    /** Multiply-adds per token in the layers' matmuls (attention over the cache and lm_head not included). */
    public long layerMacsPerToken() {
        return weights.layerMacsPerToken();
    }

    /** A KV cache stored by this model's backend; {@code budgetBytes} 0 asks for the backend's default. */
    public KvCache newKvCache(int blockSize, long budgetBytes) {
        return backend.newKvCache(blockSize, budgetBytes);
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
        cache.close();
        return logits;
    }

    /**
     * Runs one step. For every row of {@code batch}: embeds its token, runs the layers with its own position
     * and sequence cache (which must be reserved up to position+1), and, for rows marked in
     * {@link Batch#wantLogits}, writes vocabulary logits into {@code logits} (one row each, in row order).
     * Sequences' lengths are advanced past the rows they received.
     */
    public void forward(Batch batch, KvCache cache, float[] logits, HiddenStates hidden) {
        layers(batch, cache, hidden);
        backend.logits(logits);
        batch.advanceSequences();
    }

    /** Like {@link #forward}, but only the argmax id of each wanted row comes back (greedy decoding). */
    public void forwardGreedy(Batch batch, KvCache cache, int[] ids) {
        layers(batch, cache, null);
        backend.greedy(ids);
        batch.advanceSequences();
    }

    /**
     * Like {@link #forward} for a step that samples: the backend draws where it can ({@link Backend#sample}, same
     * arguments). {@code logits} receives every wanted row when the backend drew nothing (returns false) or left
     * a draw to the caller (an id of -1).
     */
    public boolean forwardSampled(Batch batch, KvCache cache, int draws, int[] rows, SamplingParams[] params,
                                  double[] uniforms, int[] ids, float[] logits) {
        layers(batch, cache, null);
        boolean drawn = backend.sample(draws, rows, params, uniforms, ids);
        boolean needLogits = !drawn;
        for (int i = 0; drawn && i < draws; i++) needLogits |= ids[i] < 0;
        if (needLogits) backend.logits(logits);
        batch.advanceSequences();
        return drawn;
    }

    private void layers(Batch batch, KvCache cache, HiddenStates hidden) {
        for (int t = 0; t < batch.size(); t++) {
            int tok = batch.tokens[t];
            if (tok < 0 || tok >= c.vocabSize())
                throw new IllegalArgumentException("token id " + tok + " out of range [0, " + c.vocabSize() + ")");
        }
        backend.embed(batch, cache, hidden);
        for (int l = 0; l < c.numLayers(); l++) {
            backend.qkv(l);
            backend.attention(l);
            backend.attentionOutput(l);
            backend.mlp(l);
        }
    }

    @Override
    public void close() {
        backend.close();
    }
}
