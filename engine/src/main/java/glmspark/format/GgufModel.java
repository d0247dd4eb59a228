package glmspark.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A GGUF file of architecture {@code glm4} seen as a Hugging Face checkpoint: llama.cpp's tensor names and
 * metadata keys mapped back onto transformers' names, shapes (GGUF dims reversed) and {@link ModelConfig}, so
 * the same model code runs on either. The fused {@code ffn_up} is transformers' {@code gate_up_proj} (gate rows
 * first), and Q/K are stored unpermuted, so no tensor is rearranged.
 */
final class GgufModel {

    record Loaded(ModelConfig config, Map<String, TensorData> tensors, GgufVocab vocab, GenerationConfig generation) {
    }

    private static final Pattern LAYER = Pattern.compile("blk\\.(\\d+)\\.(.+)");

    private static final Map<String, String> LAYER_NAMES = Map.ofEntries(
            Map.entry("attn_norm.weight", "input_layernorm.weight"),
            Map.entry("attn_q.weight", "self_attn.q_proj.weight"),
            Map.entry("attn_q.bias", "self_attn.q_proj.bias"),
            Map.entry("attn_k.weight", "self_attn.k_proj.weight"),
            Map.entry("attn_k.bias", "self_attn.k_proj.bias"),
            Map.entry("attn_v.weight", "self_attn.v_proj.weight"),
            Map.entry("attn_v.bias", "self_attn.v_proj.bias"),
            Map.entry("attn_output.weight", "self_attn.o_proj.weight"),
            Map.entry("post_attention_norm.weight", "post_self_attn_layernorm.weight"),
            Map.entry("ffn_norm.weight", "post_attention_layernorm.weight"),
            Map.entry("ffn_up.weight", "mlp.gate_up_proj.weight"),
            Map.entry("ffn_down.weight", "mlp.down_proj.weight"),
            Map.entry("post_ffw_norm.weight", "post_mlp_layernorm.weight"));

    private static final Map<String, String> GLOBAL_NAMES = Map.of(
            "token_embd.weight", "model.embed_tokens.weight",
            "output_norm.weight", "model.norm.weight",
            "output.weight", "lm_head.weight");

    /** The transformers name of a llama.cpp glm4 tensor name, or null when it is not one. */
    static String hfName(String gguf) {
        String g = GLOBAL_NAMES.get(gguf);
        if (g != null) return g;
        Matcher m = LAYER.matcher(gguf);
        if (!m.matches()) return null;
        String rest = LAYER_NAMES.get(m.group(2));
        return rest == null ? null : "model.layers." + m.group(1) + "." + rest;
    }

    /** The llama.cpp name of a transformers tensor name (the inverse of {@link #hfName}), or null. */
    static String ggufName(String hf) {
        for (Map.Entry<String, String> e : GLOBAL_NAMES.entrySet()) if (e.getValue().equals(hf)) return e.getKey();
        Matcher m = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)").matcher(hf);
        if (!m.matches()) return null;
        for (Map.Entry<String, String> e : LAYER_NAMES.entrySet())
            if (e.getValue().equals(m.group(2))) return "blk." + m.group(1) + "." + e.getKey();
        return null;
    }

    static Loaded load(Path path, Arena arena) throws IOException {
        Gguf g = Gguf.read(path, arena);
        Meta m = new Meta(path, g.metadata());
        String arch = m.string("general.architecture");
        if (!arch.equals("glm4"))
            throw new ModelFormatException(path, "unsupported architecture '" + arch + "' (general.architecture); supported: glm4");

        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Gguf.TensorInfo t : g.tensors()) {
            String hf = hfName(t.name());
            if (hf == null) throw new ModelFormatException(path, "tensor '" + t.name() + "' is not a glm4 tensor this engine knows");
            tensors.put(hf, new TensorData(hf, t.type(), t.shape(), g.data(t), path));
        }
        TensorData embed = tensors.get("model.embed_tokens.weight");
        if (embed == null) throw new ModelFormatException(path, "missing tensor 'token_embd.weight'");

        int hidden = m.positiveInt("glm4.embedding_length");
        int heads = m.positiveInt("glm4.attention.head_count");
        int kvHeads = m.has("glm4.attention.head_count_kv") ? m.positiveInt("glm4.attention.head_count_kv") : heads;
        if (heads % kvHeads != 0)
            throw new ModelFormatException(path, "glm4.attention.head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
        int headDim = m.has("glm4.attention.key_length") ? m.positiveInt("glm4.attention.key_length") : hidden / heads;
        int ropeDim = m.has("glm4.rope.dimension_count") ? m.positiveInt("glm4.rope.dimension_count") : headDim;
        if (ropeDim > headDim || ropeDim % 2 != 0)
            throw new ModelFormatException(path, "glm4.rope.dimension_count " + ropeDim + " must be even and at most the head size " + headDim);
        ModelConfig.Yarn yarn = null;
        String scaling = m.has("glm4.rope.scaling.type") ? m.string("glm4.rope.scaling.type") : "none";
        int ctx = m.has("glm4.context_length") ? m.positiveInt("glm4.context_length") : 32768;
        switch (scaling) {
            case "none", "linear" -> {
                if (scaling.equals("linear") && m.number("glm4.rope.scaling.factor", 1) != 1)
                    throw new ModelFormatException(path, "glm4.rope.scaling.type 'linear' is not supported");
            }
            case "yarn" -> {
                double factor = m.number("glm4.rope.scaling.factor", Double.NaN);
                if (!(factor >= 1)) throw new ModelFormatException(path, "glm4.rope.scaling.factor must be >= 1 for yarn");
                int orig = m.has("glm4.rope.scaling.original_context_length") ? m.positiveInt("glm4.rope.scaling.original_context_length") : ctx;
                yarn = new ModelConfig.Yarn(factor, orig, m.number("glm4.rope.scaling.yarn_beta_fast", 32),
                        m.number("glm4.rope.scaling.yarn_beta_slow", 1), null, null, null, true);
            }
            default -> throw new ModelFormatException(path, "unsupported glm4.rope.scaling.type '" + scaling + "' (supported: none, yarn)");
        }
        GgufVocab vocab = vocab(path, m);
        Set<Integer> eos = new LinkedHashSet<>();
        for (String k : List.of("tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"))
            if (m.has(k)) eos.add(m.nonNegativeInt(k));
        // convert_hf_to_gguf.py keeps one id per slot (eos = eot = <|user|>), while GLM-4's generation_config stops
        // at <|endoftext|>, <|user|> and <|observation|>; like llama.cpp's end-of-generation set, add them by text
        for (String stop : List.of("<|endoftext|>", "<|user|>", "<|observation|>")) {
            int id = vocab.tokens().indexOf(stop);
            if (id >= 0) eos.add(id);
        }
        int pad = m.has("tokenizer.ggml.padding_token_id") ? m.nonNegativeInt("tokenizer.ggml.padding_token_id") : -1;
        ModelConfig config = new ModelConfig("Glm4ForCausalLM", hidden, m.positiveInt("glm4.block_count"), heads, kvHeads, headDim,
                m.positiveInt("glm4.feed_forward_length"), (int) embed.shape()[0], ctx,
                m.number("glm4.rope.freq_base", 10000), (double) ropeDim / headDim,
                m.number("glm4.attention.layer_norm_rms_epsilon", 1e-5),
                tensors.containsKey("model.layers.0.self_attn.q_proj.bias"), !tensors.containsKey("lm_head.weight"),
                eos.stream().mapToInt(Integer::intValue).toArray(), pad, yarn);
        if (vocab.tokens().size() > config.vocabSize())
            throw new ModelFormatException(path, "tokenizer.ggml.tokens has " + vocab.tokens().size() + " entries but token_embd has "
                    + config.vocabSize() + " rows");
        return new Loaded(config, tensors, vocab, generation(path, m, config.eosTokenIds()));
    }

    /** convert_hf_to_gguf.py stores generation_config.json's sampling as {@code general.sampling.*}. */
    private static GenerationConfig generation(Path path, Meta m, int[] eos) throws ModelFormatException {
        GenerationConfig g = new GenerationConfig(eos, null, m.decimal("general.sampling.temp"),
                m.has("general.sampling.top_k") ? (Integer) m.nonNegativeInt("general.sampling.top_k") : null,
                m.decimal("general.sampling.top_p"), m.decimal("general.sampling.min_p"),
                m.decimal("general.sampling.penalty_repeat"), null);
        try {
            g.samplingDefaults();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(path, "general.sampling: " + e.getMessage());
        }
        return g;
    }

    private static GgufVocab vocab(Path path, Meta m) throws ModelFormatException {
        String model = m.string("tokenizer.ggml.model");
        if (!model.equals("gpt2"))
            throw new ModelFormatException(path, "tokenizer.ggml.model '" + model + "' is not supported (supported: gpt2, byte-level BPE)");
        String pre = m.has("tokenizer.ggml.pre") ? m.string("tokenizer.ggml.pre") : "default";
        String regex = switch (pre) {
            case "glm4", "chatglm-bpe" -> GgufVocab.GLM4_REGEX;
            default -> throw new ModelFormatException(path, "tokenizer.ggml.pre '" + pre + "' is not supported (supported: glm4, chatglm-bpe)");
        };
        List<String> tokens = m.strings("tokenizer.ggml.tokens");
        List<String> merges = m.has("tokenizer.ggml.merges") ? m.strings("tokenizer.ggml.merges") : List.of();
        int[] types = null;
        if (m.has("tokenizer.ggml.token_type")) {
            List<?> l = m.list("tokenizer.ggml.token_type");
            if (l.size() != tokens.size())
                throw new ModelFormatException(path, "tokenizer.ggml.token_type has " + l.size() + " entries, tokens has " + tokens.size());
            types = new int[l.size()];
            for (int i = 0; i < types.length; i++) {
                if (!(l.get(i) instanceof Integer v)) throw new ModelFormatException(path, "tokenizer.ggml.token_type[" + i + "] is not an int32");
                types[i] = v;
            }
        }
        int bos = m.has("tokenizer.ggml.bos_token_id") ? m.nonNegativeInt("tokenizer.ggml.bos_token_id") : -1;
        int eos = m.has("tokenizer.ggml.eos_token_id") ? m.nonNegativeInt("tokenizer.ggml.eos_token_id") : -1;
        for (int id : new int[]{bos, eos})
            if (id >= tokens.size()) throw new ModelFormatException(path, "special token id " + id + " is outside the " + tokens.size() + " tokens");
        String template = m.has("tokenizer.chat_template") ? m.string("tokenizer.chat_template") : null;
        return new GgufVocab(tokens, merges, types, pre, regex, bos, eos, template);
    }

    /** Typed metadata access with errors naming the file and key. */
    private record Meta(Path path, Map<String, Object> kv) {
        boolean has(String k) {
            return kv.containsKey(k);
        }

        Object get(String k) throws ModelFormatException {
            Object v = kv.get(k);
            if (v == null) throw new ModelFormatException(path, "missing metadata '" + k + "'");
            return v;
        }

        String string(String k) throws ModelFormatException {
            if (get(k) instanceof String s) return s;
            throw new ModelFormatException(path, "metadata '" + k + "' must be a string, got " + kv.get(k));
        }

        long integer(String k) throws ModelFormatException {
            Object v = get(k);
            if (v instanceof Integer i) return i;
            if (v instanceof Long l) return l;
            throw new ModelFormatException(path, "metadata '" + k + "' must be an integer, got " + v);
        }

        int positiveInt(String k) throws ModelFormatException {
            long v = integer(k);
            if (v <= 0 || v > Integer.MAX_VALUE) throw new ModelFormatException(path, "metadata '" + k + "' must be a positive integer, got " + v);
            return (int) v;
        }

        int nonNegativeInt(String k) throws ModelFormatException {
            long v = integer(k);
            if (v < 0 || v > Integer.MAX_VALUE) throw new ModelFormatException(path, "metadata '" + k + "' must be a non-negative integer, got " + v);
            return (int) v;
        }

        double number(String k, double dflt) throws ModelFormatException {
            if (!has(k)) return dflt;
            if (kv.get(k) instanceof Number n) return n.doubleValue();
            throw new ModelFormatException(path, "metadata '" + k + "' must be a number, got " + kv.get(k));
        }

        /** A number or null; a float32 value reads as its shortest decimal (0.6f gives 0.6, as generation_config.json held). */
        Double decimal(String k) throws ModelFormatException {
            if (!has(k)) return null;
            if (kv.get(k) instanceof Float f) return Double.parseDouble(Float.toString(f));
            return number(k, 0);
        }

        List<?> list(String k) throws ModelFormatException {
            if (get(k) instanceof List<?> l) return l;
            throw new ModelFormatException(path, "metadata '" + k + "' must be an array");
        }

        List<String> strings(String k) throws ModelFormatException {
            List<?> l = list(k);
            List<String> out = new ArrayList<>(l.size());
            for (int i = 0; i < l.size(); i++) {
                if (!(l.get(i) instanceof String s)) throw new ModelFormatException(path, "metadata '" + k + "'[" + i + "] is not a string");
                out.add(s);
            }
            return out;
        }
    }
}
