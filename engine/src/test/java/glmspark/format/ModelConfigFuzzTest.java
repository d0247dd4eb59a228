package glmspark.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.Fixtures;
import glmspark.cpu.Parallel;
import glmspark.model.Glm4Model;
import glmspark.model.KvCache;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * config.json and generation_config.json with fields removed, retyped, negative, fractional or absurd
 * (hidden_size 2^31-1 and the like). ModelConfig.read either refuses the file with a ModelFormatException naming
 * it, or returns a config whose sizes are within the sanity limits, so that building the model and its KV cache
 * from it (against the real tiny checkpoint) cannot try to allocate a huge array: that ends in a shape error
 * or a working model.
 */
class ModelConfigFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] INT_FIELDS = {"hidden_size", "num_hidden_layers", "num_attention_heads",
            "num_key_value_heads", "head_dim", "intermediate_size", "vocab_size", "max_position_embeddings"};
    private static final String[] OTHER_FIELDS = {"architectures", "model_type", "rope_theta", "partial_rotary_factor",
            "rms_norm_eps", "attention_bias", "tie_word_embeddings", "eos_token_id", "pad_token_id", "rope_scaling",
            "rope_parameters"};
    private static final String[] GEN_FIELDS = {"eos_token_id", "do_sample", "temperature", "top_k", "top_p", "min_p",
            "repetition_penalty", "max_new_tokens", "pad_token_id"};

    private static ObjectNode config;
    private static ObjectNode generation;
    private static Path dir;
    private static Arena arena;
    private static Map<String, TensorData> tensors;
    private static Parallel parallel;

    @BeforeContainer
    static void load() throws IOException {
        Path tiny = Fixtures.path("glm4-tiny");
        config = (ObjectNode) JSON.readTree(tiny.resolve("config.json").toFile());
        generation = (ObjectNode) JSON.readTree(tiny.resolve("generation_config.json").toFile());
        dir = Files.createTempDirectory("config-fuzz");
        arena = Arena.ofShared();
        tensors = Safetensors.read(tiny.resolve("model.safetensors"), arena);
        parallel = new Parallel(1);
    }

    @AfterContainer
    static void clean() throws IOException {
        parallel.close();
        arena.close();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Property(tries = 10_000, shrinking = ShrinkingMode.OFF)
    void mutatedConfigIsRefusedOrSafeToBuild(@ForAll long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        Path file = dir.resolve("config.json");
        Files.writeString(file, mutateConfig(r));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try {
                ModelConfig c = ModelConfig.read(file);
                assertWithinLimits(c);
                Glm4Model model = new Glm4Model(c, tensors, dir, parallel);
                KvCache cache = model.newKvCache(16, 1 << 20);
                assertTrue(cache.maxBlocks() >= 1);
            } catch (ModelFormatException e) {
                // config errors name config.json; shape errors the checkpoint; a missing tensor the folder.
                String m = e.getMessage();
                assertTrue(m.contains("config.json") || m.contains("model.safetensors") || m.contains(dir.toString()), m);
            } catch (Throwable t) {
                fail("seed " + seed + ": unexpected " + t, t);
            }
        });
    }

    @Property(tries = 10_000, shrinking = ShrinkingMode.OFF)
    void mutatedGenerationConfigIsRefusedOrUsable(@ForAll long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        Path file = dir.resolve("generation_config.json");
        ObjectNode g = generation.deepCopy();
        int edits = 1 + r.nextInt(3);
        for (int i = 0; i < edits; i++) {
            String key = GEN_FIELDS[r.nextInt(GEN_FIELDS.length)];
            if (r.nextInt(4) == 0) g.remove(key);
            else g.set(key, oddValue(r));
        }
        String text = r.nextInt(10) == 0 ? textMutation(r, g.toString()) : g.toString();
        Files.writeString(file, text);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try {
                GenerationConfig gc = GenerationConfig.read(file);
                gc.samplingDefaults(); // must not throw: ranges were checked when reading
                assertTrue(gc.maxNewTokens() == null || gc.maxNewTokens() >= 0);
            } catch (ModelFormatException e) {
                SafetensorsFuzzTest.assertNamesFile(e, file);
            } catch (Throwable t) {
                fail("seed " + seed + ": unexpected " + t + " for " + text, t);
            }
        });
    }

    @Example
    void absurdHiddenSizeFailsBeforeAllocating() throws IOException {
        for (String field : INT_FIELDS) {
            ObjectNode c = config.deepCopy();
            c.put(field, Integer.MAX_VALUE);
            Path file = dir.resolve("config.json");
            Files.writeString(file, c.toString());
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelConfig.read(file), field);
            assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains(field), e.getMessage());
        }
    }

    @Example
    void headProductThatOverflowsIntIsRefused() throws IOException {
        // 4 * (2^30 + 32) wraps to 128 in int arithmetic: the q_proj shape check alone would be fooled.
        ObjectNode c = config.deepCopy();
        c.put("num_attention_heads", 4).put("num_key_value_heads", 4).put("head_dim", (1 << 30) + 32);
        Path file = dir.resolve("config.json");
        Files.writeString(file, c.toString());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelConfig.read(file));
        assertTrue(e.getMessage().contains("head_dim"), e.getMessage());
    }

    /** What the model and cache allocate from a config stays bounded (checked with long arithmetic). */
    private static void assertWithinLimits(ModelConfig c) {
        assertTrue(c.numLayers() <= ModelConfig.MAX_LAYERS);
        assertTrue(c.hiddenSize() <= ModelConfig.MAX_HIDDEN_SIZE);
        assertTrue((long) c.numHeads() * c.headDim() <= ModelConfig.MAX_PROJECTION_ROWS);
        assertTrue(2L * c.intermediateSize() <= ModelConfig.MAX_PROJECTION_ROWS);
        assertTrue(c.vocabSize() <= ModelConfig.MAX_VOCAB_SIZE);
        assertTrue(c.rotaryDim() >= 0 && c.rotaryDim() <= c.headDim());
        assertTrue(c.kvDim() > 0 && c.qDim() > 0);
        assertTrue(c.ropeTheta() > 0 && Double.isFinite(c.ropeTheta()));
    }

    // ---- mutations

    private static String mutateConfig(SplittableRandom r) {
        ObjectNode c = config.deepCopy();
        switch (r.nextInt(7)) {
            case 0 -> c.remove(pick(r));
            case 1 -> c.set(pick(r), oddValue(r));
            case 2 -> c.put(INT_FIELDS[r.nextInt(INT_FIELDS.length)], logUniformInt(r));
            case 3 -> {
                ObjectNode s = c.putObject(r.nextBoolean() ? "rope_scaling" : "rope_parameters");
                s.put(r.nextBoolean() ? "rope_type" : "type", new String[] {"yarn", "default", "linear", "", "dynamic"}[r.nextInt(5)]);
                for (String k : new String[] {"factor", "original_max_position_embeddings", "beta_fast", "beta_slow",
                        "attention_factor", "mscale", "mscale_all_dim", "rope_theta", "partial_rotary_factor"})
                    if (r.nextBoolean()) s.set(k, oddValue(r));
            }
            case 4 -> {
                int edits = 2 + r.nextInt(4);
                for (int i = 0; i < edits; i++) c.set(pick(r), r.nextBoolean() ? oddValue(r) : JsonNodeFactory.instance.numberNode(logUniformInt(r)));
            }
            case 5 -> {
                return textMutation(r, c.toString());
            }
            default -> {
                return new String[] {"[]", "null", "42", "\"config\"", "{", "", "[" + c + "]",
                        "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}"}[r.nextInt(8)];
            }
        }
        return c.toString();
    }

    private static String pick(SplittableRandom r) {
        return r.nextBoolean() ? INT_FIELDS[r.nextInt(INT_FIELDS.length)] : OTHER_FIELDS[r.nextInt(OTHER_FIELDS.length)];
    }

    private static int logUniformInt(SplittableRandom r) {
        return (int) Math.min(Integer.MAX_VALUE, 1L << r.nextInt(32)) - (r.nextBoolean() ? 0 : r.nextInt(2));
    }

    static JsonNode oddValue(SplittableRandom r) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (r.nextInt(16)) {
            case 0 -> f.numberNode(Integer.MAX_VALUE);
            case 1 -> f.numberNode(-1 - r.nextInt(100));
            case 2 -> f.numberNode(0);
            case 3 -> f.numberNode(Long.MAX_VALUE);
            case 4 -> f.numberNode(r.nextDouble() * 10);
            case 5 -> f.numberNode(Double.MAX_VALUE);
            case 6 -> f.numberNode(new java.math.BigInteger("9".repeat(40)));
            case 7 -> f.textNode(String.valueOf(r.nextInt(100)));
            case 8 -> f.nullNode();
            case 9 -> f.booleanNode(r.nextBoolean());
            case 10 -> f.arrayNode().add(r.nextInt(100)).add("x");
            case 11 -> f.objectNode().put("a", 1);
            case 12 -> f.numberNode(-0.0);
            case 13 -> f.numberNode(1 + r.nextInt(64));
            case 14 -> f.numberNode(r.nextDouble());
            default -> f.textNode("Glm4ForCausalLM");
        };
    }

    private static final String ODD_CHARS = "{}[]\",:0123456789-eE.tfn \\\u0000x\u00e9";

    static String textMutation(SplittableRandom r, String text) {
        StringBuilder sb = new StringBuilder(text);
        int edits = 1 + r.nextInt(4);
        for (int i = 0; i < edits && !sb.isEmpty(); i++) {
            int at = r.nextInt(sb.length());
            switch (r.nextInt(4)) {
                case 0 -> sb.setCharAt(at, ODD_CHARS.charAt(r.nextInt(ODD_CHARS.length())));
                case 1 -> sb.deleteCharAt(at);
                case 2 -> sb.insert(at, "{}[]\",:9".charAt(r.nextInt(8)));
                default -> sb.setLength(at);
            }
        }
        return sb.toString();
    }

    static List<String> fieldNames(ObjectNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
