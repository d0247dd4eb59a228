package glmspark.model;

import glmspark.cpu.Parallel;
import glmspark.format.DType;
import glmspark.format.ModelConfig;
import glmspark.format.ModelFolder;
import glmspark.format.RandomCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configurations the fixtures do not cover load and run; YaRN follows transformers' formula. */
class ModelVariantsTest {

    @TempDir
    Path tmp;

    static Map<String, Object> variant(String name) {
        return switch (name) {
            case "yarn" -> Map.of("rope_scaling", Map.of("type", "yarn", "factor", 4.0, "original_max_position_embeddings", 128));
            case "no-bias" -> Map.of("attention_bias", false);
            case "one-kv-head" -> Map.of("num_key_value_heads", 1);
            case "bf16" -> Map.of();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * Prefilling a prompt in one step and decoding it token by token through the KV cache must give the same
     * last-position logits (to float rounding): the cache, positions and masking agree.
     */
    @ParameterizedTest
    @ValueSource(strings = {"yarn", "no-bias", "one-kv-head", "bf16"})
    void loadsAndCachedDecodingAgreesWithPrefill(String name) throws IOException {
        Path dir = tmp.resolve(name);
        RandomCheckpoint.write(dir, RandomCheckpoint.with(RandomCheckpoint.tinyConfig(), variant(name)),
                name.equals("bf16") ? DType.BF16 : DType.F32, 7);
        try (ModelFolder f = ModelFolder.open(dir); Parallel par = new Parallel(2)) {
            Glm4Model m = new Glm4Model(f.config(), f.tensors(), f.dir(), par);
            int V = f.config().vocabSize();
            int[] ids = new int[40];
            for (int i = 0; i < ids.length; i++) ids[i] = (i * 37 + 11) % V;
            KvCache cache = m.newKvCache(8, 1 << 22);
            KvCache.Sequence a = cache.newSequence(), b = cache.newSequence();
            float[] full = new float[V], step = new float[V];
            Batch batch = new Batch();
            assertTrue(cache.reserve(a, ids.length));
            batch.add(a, ids, 0, ids.length, true);
            m.forward(batch, cache, full, null);
            for (int i = 0; i < ids.length; i++) {
                assertTrue(cache.reserve(b, i + 1));
                batch.clear();
                batch.add(b, ids, i, 1, true);
                m.forward(batch, cache, step, null);
            }
            double maxDiff = 0, maxRef = 0;
            for (int v = 0; v < V; v++) {
                assertTrue(Float.isFinite(full[v]));
                maxDiff = Math.max(maxDiff, Math.abs(full[v] - step[v]));
                maxRef = Math.max(maxRef, Math.abs(full[v]));
            }
            assertTrue(maxDiff / maxRef < 1e-5, name + ": prefill vs decode " + maxDiff / maxRef);
        }
    }

    /**
     * GLM-4-0414's recommended YaRN (factor 4, original 32768, rot dim 64, base 10000): values computed with
     * transformers' formula in ../shared/notes/research-glm.md section 7.
     */
    @Test
    void yarnFrequenciesAndScalingFollowTransformers() throws IOException {
        Path dir = tmp.resolve("yarn9b");
        java.nio.file.Files.createDirectories(dir);
        var cfg = RandomCheckpoint.with(RandomCheckpoint.glmZ1_9bConfig(2),
                Map.of("rope_scaling", Map.of("type", "yarn", "factor", 4.0, "original_max_position_embeddings", 32768)));
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(dir.resolve("config.json").toFile(), cfg);
        Rope r = new Rope(ModelConfig.read(dir.resolve("config.json")));
        assertEquals(1.1386294361, r.attentionScaling(), 1e-7);
        float[] inv = r.invFreq();
        assertEquals(32, inv.length);
        for (int i = 0; i <= 17; i++) assertEquals((float) (1 / Math.pow(10000, 2.0 * i / 64)), inv[i], 1e-9 + 1e-6 * inv[i]);
        assertEquals(0.0074989421, inv[17], 1e-9);
        for (int i = 30; i < 32; i++) assertEquals((float) (1 / (4 * Math.pow(10000, 2.0 * i / 64))), inv[i], 1e-6 * inv[i]);
        assertEquals(3.33380e-05, inv[31], 1e-9);
        // in the ramp, a blend strictly between the two
        double orig = 1 / Math.pow(10000, 2.0 * 24 / 64), r24 = (24 - 17) / 13.0;
        assertEquals(orig * (1 - r24) + orig / 4 * r24, inv[24], 1e-6 * inv[24]);
    }

    @Test
    void batchCompositionDoesNotChangeASequencesLogits() throws IOException {
        Path dir = tmp.resolve("batch");
        RandomCheckpoint.write(dir, RandomCheckpoint.tinyConfig(), DType.BF16, 3);
        try (ModelFolder f = ModelFolder.open(dir); Parallel one = new Parallel(1); Parallel two = new Parallel(2)) {
            int V = f.config().vocabSize();
            int[] p1 = {5, 9, 14, 200, 3}, p2 = {7, 7, 7, 300, 301, 302, 1};
            float[] alone = run(new Glm4Model(f.config(), f.tensors(), f.dir(), one), V, p1, null);
            float[] mixed = run(new Glm4Model(f.config(), f.tensors(), f.dir(), two), V, p1, p2);
            assertArrayEquals(alone, mixed, 0f);
        }
    }

    /** A float16 checkpoint (widened to float32 at load) computes what its float32 original does, to f16 rounding. */
    @Test
    void float16CheckpointMatchesItsFloat32Original() throws IOException {
        Path d16 = tmp.resolve("f16"), d32 = tmp.resolve("f32");
        RandomCheckpoint.write(d16, RandomCheckpoint.tinyConfig(), DType.F16, 5);
        RandomCheckpoint.write(d32, RandomCheckpoint.tinyConfig(), DType.F32, 5);
        try (ModelFolder f16 = ModelFolder.open(d16); ModelFolder f32 = ModelFolder.open(d32); Parallel p = new Parallel(2)) {
            int V = f16.config().vocabSize();
            int[] prompt = {5, 9, 14, 200, 3, 77};
            float[] a = run(new Glm4Model(f16.config(), f16.tensors(), f16.dir(), p), V, prompt, null);
            float[] b = run(new Glm4Model(f32.config(), f32.tensors(), f32.dir(), p), V, prompt, null);
            double maxDiff = 0, maxRef = 0;
            for (int i = 0; i < V; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                maxRef = Math.max(maxRef, Math.abs(b[i]));
            }
            assertTrue(maxDiff > 0 && maxDiff / maxRef < 5e-3, "f16 vs f32 relative difference " + maxDiff / maxRef);
        }
    }

    private static float[] run(Glm4Model m, int V, int[] p1, int[] p2) {
        KvCache cache = m.newKvCache(4, 1 << 22);
        KvCache.Sequence a = cache.newSequence();
        Batch b = new Batch();
        if (p2 != null) {
            KvCache.Sequence other = cache.newSequence();
            cache.reserve(other, p2.length);
            b.add(other, p2, 0, p2.length, true);
        }
        cache.reserve(a, p1.length);
        b.add(a, p1, 0, p1.length, true);
        float[] logits = new float[b.logitRows() * V];
        m.forward(b, cache, logits, null);
        return java.util.Arrays.copyOfRange(logits, logits.length - V, logits.length);
    }
}
