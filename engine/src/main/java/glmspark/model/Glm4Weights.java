package glmspark.model;

import glmspark.cpu.BF16Matrix;
import glmspark.cpu.F32Matrix;
import glmspark.format.ModelConfig;
import glmspark.format.ModelFormatException;
import glmspark.format.TensorData;
import glmspark.tensor.WeightMatrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The weights of a Glm4ForCausalLM checkpoint under transformers' names, shape-checked against config.json.
 * Matrices stay memory-mapped in their stored type; norm weights and biases are small float arrays.
 */
public record Glm4Weights(ModelConfig config, WeightMatrix embed, Layer[] layers, float[] finalNorm, WeightMatrix lmHead) {

    /** One layer's weights; biases are null when the checkpoint has none. */
    public record Layer(float[] inputNorm, WeightMatrix q, WeightMatrix k, WeightMatrix v, float[] qBias, float[] kBias,
                        float[] vBias, WeightMatrix o, float[] postAttnNorm, float[] mlpNorm, WeightMatrix gateUp,
                        WeightMatrix down, float[] postMlpNorm) {
    }

    public static Glm4Weights load(ModelConfig c, Map<String, TensorData> tensors, Path source) throws ModelFormatException {
        Lookup w = new Lookup(tensors, source);
        int H = c.hiddenSize(), V = c.vocabSize(), I = c.intermediateSize();
        WeightMatrix embed = w.matrix("model.embed_tokens.weight", V, H);
        Layer[] layers = new Layer[c.numLayers()];
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
        float[] finalNorm = w.vector("model.norm.weight", H);
        WeightMatrix lmHead = c.tieWordEmbeddings() && !tensors.containsKey("lm_head.weight") ? embed : w.matrix("lm_head.weight", V, H);
        return new Glm4Weights(c, embed, layers, finalNorm, lmHead);
    }

    /** Bytes of weights streamed per forward step (every matrix once; the embedding only by row). */
    public long bytesPerStep() {
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

    /** Looks tensors up by name and checks their shapes; errors name the file and tensor. */
    private record Lookup(Map<String, TensorData> tensors, Path source) {

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
                case F16 -> new F32Matrix(widenF16(t.data()), rows, cols);
                default -> new glmspark.quant.QuantMatrix(t.dtype(), t.data(), rows, cols);
            };
        }

        /**
         * float16 weights widened to float32 once at load (twice the memory): JDK 25's Vector API has no half-float
         * conversion, so widening inside the dot products went lane by lane; GLM checkpoints ship bf16 anyway.
         */
        private static MemorySegment widenF16(MemorySegment src) {
            long n = src.byteSize() / 2;
            MemorySegment dst = Arena.ofAuto().allocate(4 * n, 64);
            for (long i = 0; i < n; i++) dst.set(F32_LE, 4 * i, Float.float16ToFloat(src.get(I16_LE, 2 * i)));
            return dst;
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
