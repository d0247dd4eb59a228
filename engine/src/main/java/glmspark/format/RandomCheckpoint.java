package glmspark.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a Glm4ForCausalLM checkpoint with random weights in the real on-disk layout (config.json,
 * generation_config.json, model.safetensors): for benchmarks (GLM-Z1-9B shapes with few layers) and for
 * tests of configurations the fixtures do not cover (YaRN, no attention bias, one KV head).
 */
public final class RandomCheckpoint {

    private RandomCheckpoint() {
    }

    /** GLM-Z1-9B-0414's architecture with {@code layers} layers and the full 151552 vocabulary. */
    public static ObjectNode glmZ1_9bConfig(int layers) {
        ObjectNode c = baseConfig();
        c.put("hidden_size", 4096).put("num_hidden_layers", layers).put("num_attention_heads", 32)
                .put("num_key_value_heads", 2).put("head_dim", 128).put("intermediate_size", 13696)
                .put("vocab_size", 151552).put("max_position_embeddings", 32768).put("attention_bias", true);
        c.putArray("eos_token_id").add(151329).add(151336).add(151338);
        c.put("pad_token_id", 151329);
        return c;
    }

    /** A small model: hidden 64, 2 layers, 4 heads / 2 KV heads, head_dim 16, vocab 512. */
    public static ObjectNode tinyConfig() {
        ObjectNode c = baseConfig();
        c.put("hidden_size", 64).put("num_hidden_layers", 2).put("num_attention_heads", 4)
                .put("num_key_value_heads", 2).put("head_dim", 16).put("intermediate_size", 96)
                .put("vocab_size", 512).put("max_position_embeddings", 256).put("attention_bias", true);
        c.putArray("eos_token_id").add(0);
        c.put("pad_token_id", 0);
        return c;
    }

    private static ObjectNode baseConfig() {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("Glm4ForCausalLM");
        c.put("model_type", "glm4").put("hidden_act", "silu").put("partial_rotary_factor", 0.5)
                .put("rope_theta", 10000.0).put("rms_norm_eps", 1e-5).put("tie_word_embeddings", false);
        return c;
    }

    public static void write(Path dir, ObjectNode config, DType dtype, long seed) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper();
        config.put("torch_dtype", switch (dtype) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> throw new IllegalArgumentException("random checkpoints are float32, bfloat16 or float16, not " + dtype);
        });
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
        ObjectNode gen = json.createObjectNode();
        gen.set("eos_token_id", config.get("eos_token_id"));
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("generation_config.json").toFile(), gen);

        int H = config.get("hidden_size").asInt(), L = config.get("num_hidden_layers").asInt();
        int heads = config.get("num_attention_heads").asInt(), kv = config.get("num_key_value_heads").asInt();
        int hd = config.get("head_dim").asInt(), I = config.get("intermediate_size").asInt();
        int V = config.get("vocab_size").asInt();
        boolean bias = config.get("attention_bias").asBoolean();
        SafetensorsWriter w = new SafetensorsWriter();
        long[] s = {seed};
        w.add("model.embed_tokens.weight", dtype, new long[]{V, H}, random(dtype, (long) V * H, 1.0, 0, s[0]++));
        for (int l = 0; l < L; l++) {
            String p = "model.layers." + l + ".";
            double sc = 1.0 / Math.sqrt(H);
            w.add(p + "input_layernorm.weight", dtype, new long[]{H}, random(dtype, H, 0.1, 1, s[0]++));
            w.add(p + "self_attn.q_proj.weight", dtype, new long[]{(long) heads * hd, H}, random(dtype, (long) heads * hd * H, sc, 0, s[0]++));
            w.add(p + "self_attn.k_proj.weight", dtype, new long[]{(long) kv * hd, H}, random(dtype, (long) kv * hd * H, sc, 0, s[0]++));
            w.add(p + "self_attn.v_proj.weight", dtype, new long[]{(long) kv * hd, H}, random(dtype, (long) kv * hd * H, sc, 0, s[0]++));
            if (bias) {
                w.add(p + "self_attn.q_proj.bias", dtype, new long[]{(long) heads * hd}, random(dtype, (long) heads * hd, 0.1, 0, s[0]++));
                w.add(p + "self_attn.k_proj.bias", dtype, new long[]{(long) kv * hd}, random(dtype, (long) kv * hd, 0.1, 0, s[0]++));
                w.add(p + "self_attn.v_proj.bias", dtype, new long[]{(long) kv * hd}, random(dtype, (long) kv * hd, 0.1, 0, s[0]++));
            }
            w.add(p + "self_attn.o_proj.weight", dtype, new long[]{H, (long) heads * hd}, random(dtype, (long) H * heads * hd, 1.0 / Math.sqrt(heads * hd), 0, s[0]++));
            w.add(p + "post_self_attn_layernorm.weight", dtype, new long[]{H}, random(dtype, H, 0.1, 1, s[0]++));
            w.add(p + "post_attention_layernorm.weight", dtype, new long[]{H}, random(dtype, H, 0.1, 1, s[0]++));
            w.add(p + "mlp.gate_up_proj.weight", dtype, new long[]{2L * I, H}, random(dtype, 2L * I * H, sc, 0, s[0]++));
            w.add(p + "mlp.down_proj.weight", dtype, new long[]{H, I}, random(dtype, (long) H * I, 1.0 / Math.sqrt(I), 0, s[0]++));
            w.add(p + "post_mlp_layernorm.weight", dtype, new long[]{H}, random(dtype, H, 0.1, 1, s[0]++));
        }
        w.add("model.norm.weight", dtype, new long[]{H}, random(dtype, H, 0.1, 1, s[0]++));
        w.add("lm_head.weight", dtype, new long[]{V, H}, random(dtype, (long) V * H, 1.0 / Math.sqrt(H), 0, s[0]++));
        w.write(dir.resolve("model.safetensors"));
    }

    /** Streams {@code n} uniform values of standard deviation {@code scale} around {@code mean}, in chunks. */
    private static SafetensorsWriter.Source random(DType dtype, long n, double scale, double mean, long seed) {
        return (OutputStream out) -> {
            SplittableRandom r = new SplittableRandom(seed);
            float[] chunk = new float[1 << 16];
            double a = scale * Math.sqrt(3);
            for (long done = 0; done < n; ) {
                int m = (int) Math.min(chunk.length, n - done);
                for (int i = 0; i < m; i++) chunk[i] = (float) (mean + (r.nextDouble() * 2 - 1) * a);
                SafetensorsWriter.writeFloats(out, dtype, chunk, 0, m);
                done += m;
            }
        };
    }

    /** Copies {@code config} with {@code overrides} applied (values: Number, Boolean, String or Map). */
    public static ObjectNode with(ObjectNode config, Map<String, Object> overrides) {
        ObjectNode c = config.deepCopy();
        ObjectMapper json = new ObjectMapper();
        overrides.forEach((k, v) -> c.set(k, json.valueToTree(v)));
        return c;
    }
}
