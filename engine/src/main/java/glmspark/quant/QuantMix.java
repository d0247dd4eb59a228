package glmspark.quant;

import glmspark.format.DType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Per-tensor types of a mixed quantisation, chosen as llama.cpp's {@code llama-quantize} chooses them for a dense
 * model without importance matrix (src/llama-quant.cpp: tensor_allows_quantization, llama_tensor_get_type_impl,
 * tensor_type_fallback). Only Q4_K_M is implemented:
 *
 * <ul>
 *   <li>only 2-D tensors whose name ends in "weight" and not "_norm.weight" are quantised; others keep their type;</li>
 *   <li>output.weight (and token_embd.weight when there is no output.weight, i.e. tied embeddings) is Q6_K, or Q8_0
 *       when its rows are not whole 256-blocks;</li>
 *   <li>the i-th attn_v.weight (of n) and the i-th ffn_down (of n_layer) are Q6_K when use_more_bits(i, n):
 *       i &lt; n/8, or i &gt;= 7n/8, or (i - n/8) % 3 == 2; every other matrix is Q4_K;</li>
 *   <li>a type whose block does not divide the row length falls back: Q4_K to Q5_0, Q6_K to Q8_0, and F16 when even
 *       that block does not fit.</li>
 * </ul>
 * The counters i advance in llama.cpp's tensor order: by layer number (tensors without one first), then by name.
 */
public final class QuantMix {

    /** A tensor as GGUF names and shapes it: {@code ne[0]} is the row length. */
    public record Tensor(String name, long[] ne, DType type) {
    }

    private static final Pattern LAYER = Pattern.compile("^blk\\.(\\d+)\\.");

    private QuantMix() {
    }

    /** llama.cpp's weight_name_comparer: layer number (-1 for none) then name. */
    static final Comparator<String> LLAMA_ORDER = Comparator.<String>comparingInt(QuantMix::layer).thenComparing(Comparator.naturalOrder());

    static int layer(String name) {
        Matcher m = LAYER.matcher(name);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    /** category_is_attn_v: value-like projections (checked before llama.cpp's own QKV rule, which is never reached). */
    static boolean attnV(String name) {
        return name.contains("attn_qkv.weight") || name.contains("attn_kv_b.weight") || name.contains("attn_v.weight");
    }

    static boolean quantizable(Tensor t) {
        return t.ne().length == 2 && t.name().endsWith("weight") && !t.name().contains("_norm.weight");
    }

    /** The Q4_K_M type of every tensor of a model with {@code nLayers} blocks, keyed by name in the given order. */
    public static Map<String, DType> q4_K_M(List<Tensor> tensors, int nLayers) {
        List<Tensor> ordered = new ArrayList<>(tensors);
        ordered.sort(Comparator.comparing(Tensor::name, LLAMA_ORDER));
        int nAttnV = 0;
        boolean tied = true;
        for (Tensor t : ordered) {
            if (attnV(t.name())) nAttnV++;
            if (t.name().equals("output.weight")) tied = false;
        }
        int iAttnV = 0, iFfnDown = 0;
        Map<String, DType> chosen = new LinkedHashMap<>();
        for (Tensor t : ordered) {
            String name = t.name();
            if (!quantizable(t)) {
                chosen.put(name, t.type());
                continue;
            }
            DType type = DType.Q4_K;
            if (name.equals("output.weight") || (tied && name.equals("token_embd.weight"))) {
                type = t.ne()[0] % DType.Q4_K.blockSize != 0 ? DType.Q8_0 : DType.Q6_K;
            } else if (name.equals("token_embd.weight")) {
                // stays Q4_K
            } else if (attnV(name)) {
                if (useMoreBits(iAttnV, nAttnV)) type = DType.Q6_K;
                iAttnV++;
            } else if (name.contains("ffn_down")) {
                if (useMoreBits(iFfnDown, nLayers)) type = DType.Q6_K;
                iFfnDown++;
            }
            chosen.put(name, fallback(type, t.ne()[0]));
        }
        Map<String, DType> out = new LinkedHashMap<>();
        for (Tensor t : tensors) out.put(t.name(), chosen.get(t.name()));
        return out;
    }

    /** tensor_type_fallback: a type whose block fits the row length {@code cols}. */
    static DType fallback(DType type, long cols) {
        if (cols % type.blockSize == 0) return type;
        DType f = switch (type) {
            case Q4_K -> DType.Q5_0;
            case Q6_K -> DType.Q8_0;
            default -> throw new IllegalArgumentException("no fallback type for " + type + " (row length " + cols + ")");
        };
        return cols % f.blockSize == 0 ? f : DType.F16;
    }
}
