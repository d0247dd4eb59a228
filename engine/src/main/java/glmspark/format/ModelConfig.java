package glmspark.format;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The architecture hyper-parameters of a Glm4ForCausalLM checkpoint, read from {@code config.json}.
 * Rope keys are accepted at the top level (transformers 4.x) and inside {@code rope_parameters} (5.x);
 * {@code rope_scaling} of type {@code yarn} enables static YaRN.
 */
public record ModelConfig(
        String architecture,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int intermediateSize,
        int vocabSize,
        int maxPositionEmbeddings,
        double ropeTheta,
        double partialRotaryFactor,
        double rmsNormEps,
        boolean attentionBias,
        boolean tieWordEmbeddings,
        int[] eosTokenIds,
        int padTokenId,
        Yarn yarn) {

    /** Static YaRN parameters (transformers' names); null fields take transformers' defaults. */
    public record Yarn(double factor, int originalMaxPositionEmbeddings, double betaFast, double betaSlow,
                       Double attentionFactor, Double mscale, Double mscaleAllDim, boolean truncate) {
    }

    public static final List<String> SUPPORTED_ARCHITECTURES = List.of("Glm4ForCausalLM");

    // Sanity limits, far above any published model (GLM-4-32B: hidden 6144, 61 layers, 48 heads of 128,
    // intermediate 23040, vocab 151552, context 32768 or 131072 with YaRN). The engine sizes arrays from these
    // fields (the layer table, rotary tables, activation buffers, the KV cache), so a corrupt or hostile
    // config.json must fail here with a message, not later with an OutOfMemoryError or an int overflow.
    public static final int MAX_HIDDEN_SIZE = 1 << 17;
    public static final int MAX_LAYERS = 1024;
    public static final int MAX_HEADS = 1024;
    public static final int MAX_HEAD_DIM = 1 << 14;
    /** Bound on num_attention_heads * head_dim (q_proj rows) and 2 * intermediate_size (gate_up rows). */
    public static final int MAX_PROJECTION_ROWS = 1 << 20;
    public static final int MAX_VOCAB_SIZE = 1 << 22;
    public static final int MAX_POSITIONS = 1 << 24;

    public int rotaryDim() {
        return (int) (headDim * partialRotaryFactor);
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    public int qDim() {
        return numHeads * headDim;
    }

    public static ModelConfig read(Path configJson) throws IOException {
        if (!Files.isRegularFile(configJson)) throw new ModelFormatException(configJson, "no such file");
        JsonNode c;
        try {
            c = StrictJson.MAPPER.readTree(configJson.toFile());
        } catch (IOException e) {
            throw new ModelFormatException(configJson, "not valid JSON: " + e.getMessage());
        }
        if (c == null || !c.isObject()) throw new ModelFormatException(configJson, "not a JSON object");
        Fields f = new Fields(configJson, c);
        String arch = null;
        JsonNode archs = c.path("architectures");
        if (archs.isArray() && !archs.isEmpty()) arch = archs.get(0).asText();
        String modelType = c.path("model_type").asText("");
        if (arch == null && modelType.equals("glm4")) arch = "Glm4ForCausalLM";
        if (arch == null || !SUPPORTED_ARCHITECTURES.contains(arch))
            throw new ModelFormatException(configJson, "unsupported architecture " + (arch == null ? "(none given)" : "'" + arch + "'")
                    + " (model_type '" + modelType + "'); supported: " + SUPPORTED_ARCHITECTURES);
        int hidden = f.positiveInt("hidden_size", MAX_HIDDEN_SIZE);
        int heads = f.positiveInt("num_attention_heads", MAX_HEADS);
        int kvHeads = c.has("num_key_value_heads") ? f.positiveInt("num_key_value_heads", MAX_HEADS) : heads;
        if (heads % kvHeads != 0)
            throw new ModelFormatException(configJson, "num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        int headDim = c.has("head_dim") && !c.get("head_dim").isNull() ? f.positiveInt("head_dim", MAX_HEAD_DIM) : hidden / heads;
        if (headDim <= 0)
            throw new ModelFormatException(configJson, "head_dim is 0: hidden_size " + hidden + " < num_attention_heads " + heads + " and no head_dim given");
        if ((long) heads * headDim > MAX_PROJECTION_ROWS)
            throw new ModelFormatException(configJson, "num_attention_heads * head_dim = " + (long) heads * headDim
                    + " exceeds the limit " + MAX_PROJECTION_ROWS);

        JsonNode rp = c.path("rope_parameters");
        double theta = rp.has("rope_theta") ? rp.get("rope_theta").asDouble() : c.path("rope_theta").asDouble(10000.0);
        if (!(theta > 0) || Double.isInfinite(theta))
            throw new ModelFormatException(configJson, "rope_theta " + theta + " must be a positive number");
        double partial = rp.has("partial_rotary_factor") ? rp.get("partial_rotary_factor").asDouble()
                : c.path("partial_rotary_factor").asDouble(0.5);
        if (!(partial > 0 && partial <= 1)) throw new ModelFormatException(configJson, "partial_rotary_factor " + partial + " must be in (0, 1]");
        if ((int) (headDim * partial) % 2 != 0)
            throw new ModelFormatException(configJson, "rotary dimension head_dim*partial_rotary_factor = " + headDim * partial + " must be even");

        JsonNode scaling = c.path("rope_scaling");
        if (!scaling.isObject() && rp.isObject() && !rp.path("rope_type").asText("default").equals("default")) scaling = rp;
        Yarn yarn = null;
        if (scaling.isObject()) {
            String type = scaling.path("rope_type").asText(scaling.path("type").asText("default"));
            int maxPos = f.positiveInt("max_position_embeddings", MAX_POSITIONS);
            switch (type) {
                case "default" -> { }
                case "yarn" -> {
                    double factor = scaling.path("factor").asDouble(Double.NaN);
                    int orig = scaling.path("original_max_position_embeddings").asInt(0);
                    if (Double.isNaN(factor) && orig > 0) factor = (double) maxPos / orig;
                    if (!(factor >= 1) || Double.isInfinite(factor)) throw new ModelFormatException(configJson, "rope_scaling.factor must be >= 1 for yarn");
                    if (orig <= 0) orig = maxPos;
                    yarn = new Yarn(factor, orig,
                            positiveOr(scaling, "beta_fast", 32), positiveOr(scaling, "beta_slow", 1),
                            optional(scaling, "attention_factor"), optional(scaling, "mscale"), optional(scaling, "mscale_all_dim"),
                            scaling.path("truncate").asBoolean(true));
                }
                default -> throw new ModelFormatException(configJson, "unsupported rope_scaling type '" + type + "' (supported: default, yarn)");
            }
        }
        int layers = f.positiveInt("num_hidden_layers", MAX_LAYERS);
        int intermediate = f.positiveInt("intermediate_size", MAX_PROJECTION_ROWS / 2);
        int vocab = f.positiveInt("vocab_size", MAX_VOCAB_SIZE);
        int positions = c.has("max_position_embeddings") ? f.positiveInt("max_position_embeddings", MAX_POSITIONS) : 32768;
        double eps = c.path("rms_norm_eps").asDouble(1e-5);
        if (!(eps >= 0 && eps < 1))
            throw new ModelFormatException(configJson, "rms_norm_eps " + c.get("rms_norm_eps") + " must be a number in [0, 1)");
        return new ModelConfig(arch, hidden, layers, heads, kvHeads, headDim, intermediate, vocab, positions,
                theta, partial, eps,
                c.path("attention_bias").asBoolean(true), c.path("tie_word_embeddings").asBoolean(false),
                ids(c.path("eos_token_id")), c.path("pad_token_id").asInt(-1), yarn);
    }

    static int[] ids(JsonNode n) {
        if (n.isInt()) return new int[]{n.asInt()};
        if (n.isArray()) {
            List<Integer> out = new ArrayList<>();
            n.forEach(x -> out.add(x.asInt()));
            return out.stream().mapToInt(Integer::intValue).toArray();
        }
        return new int[0];
    }

    private static double positiveOr(JsonNode n, String key, double dflt) {
        JsonNode v = n.path(key);
        return v.isNumber() && v.asDouble() > 0 ? v.asDouble() : dflt;
    }

    private static Double optional(JsonNode n, String key) {
        JsonNode v = n.path(key);
        return v.isNumber() ? v.asDouble() : null;
    }

    private record Fields(Path file, JsonNode c) {
        int positiveInt(String key, int max) throws ModelFormatException {
            JsonNode v = c.get(key);
            if (v == null || v.isNull()) throw new ModelFormatException(file, "missing field '" + key + "'");
            // isIntegralNumber: 12.5 is not a size (canConvertToInt alone would truncate it).
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() <= 0)
                throw new ModelFormatException(file, "field '" + key + "' must be a positive integer, got " + v);
            if (v.asInt() > max)
                throw new ModelFormatException(file, "field '" + key + "' = " + v + " exceeds the sanity limit " + max);
            return v.asInt();
        }
    }
}
