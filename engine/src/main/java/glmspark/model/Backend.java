package glmspark.model;

import glmspark.sampling.SamplingParams;

/**
 * Where the stages of a {@link Glm4Model} step run: the CPU ({@link CpuBackend}) or a CUDA device
 * ({@code glmspark.cuda.CudaBackend}). {@link Glm4Model#forward} says in which order the stages of GLM-4 run; a
 * backend holds the weights where its kernels read them and runs each stage over all rows of the step. In the
 * stage descriptions x is the residual stream and xn the normalised input of the next matrix product.
 */
public interface Backend extends AutoCloseable {

    /** A paged KV cache whose blocks this backend stores, holding at most {@code budgetBytes} (0: its default). */
    KvCache newKvCache(int blockSize, long budgetBytes);

    /**
     * Starts a step: x = embed(token) for every row of {@code batch}, xn = layer 0's input norm of x.
     * {@code hidden}, when not null, receives the hidden states (a backend may refuse them).
     */
    void embed(Batch batch, KvCache cache, Glm4Model.HiddenStates hidden);

    /** q | k | v = xn W (+ bias); rotary on q and k at each row's position; k and v into the row's cache slot. */
    void qkv(int layer);

    /** att = softmax(q k^T / sqrt(head_dim)) v over positions 0..pos of the row's own sequence, per query head. */
    void attention(int layer);

    /** x += post_self_attn_norm(att Wo); xn = post_attention_norm(x). */
    void attentionOutput(int layer);

    /**
     * [gate | up] = xn Wgu; x += post_mlp_norm((up * silu(gate)) Wdown); then xn = the next layer's input norm
     * of x, or after the last layer the final norm.
     */
    void mlp(int layer);

    /** lm_head(xn) of the rows that want logits, one vocabulary row each, in row order. */
    void logits(float[] out);

    /** The argmax (lowest id on ties) of each wanted row's logits, in row order; only ids leave the backend. */
    void greedy(int[] out);

    /**
     * Draws tokens from the wanted rows' logits where the backend can (the CPU sampler's rules; no repetition
     * penalty): draw i from logit row {@code rows[i]} with {@code params[i]} and the uniform {@code uniforms[i]} of
     * the request's random stream; {@code ids[i]} = -1 leaves a draw to the caller, who may then call
     * {@link #logits} in the same step. Returns false, drawing nothing, when the backend does not sample.
     */
    default boolean sample(int draws, int[] rows, SamplingParams[] params, double[] uniforms, int[] ids) {
        return false;
    }

    @Override
    void close();
}
