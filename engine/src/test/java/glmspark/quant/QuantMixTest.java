package glmspark.quant;

import glmspark.Fixtures;
import glmspark.cpu.Parallel;
import glmspark.format.DType;
import glmspark.format.Gguf;
import glmspark.format.GgufExport;
import glmspark.format.ModelFolder;
import glmspark.format.RandomCheckpoint;
import glmspark.format.TensorData;
import glmspark.model.Glm4Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Q4_K_M against llama.cpp's llama-quantize (d32676d7), recorded in test resources (see gguf/README.md): the
 * per-tensor types it chose for a 40-layer glm4 file, and the SHA-256 of every tensor of two Q4_K_M files it wrote.
 */
class QuantMixTest {

    @TempDir
    Path dir;

    static List<String> resourceLines(String name) throws Exception {
        return Files.readAllLines(GgmlParityTest.resource(name)).stream().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
    }

    @Test
    void choosesLlamaQuantizeTypesFor40Layers() throws Exception {
        List<QuantMix.Tensor> tensors = new ArrayList<>();
        Map<String, DType> want = new LinkedHashMap<>();
        for (String line : resourceLines("q4_k_m-types-40-layers.txt")) {
            String[] f = line.split(" ");
            long ne0 = Long.parseLong(f[1]), ne1 = Long.parseLong(f[2]);
            // llama-quantize prints 4 dims; the F32 rows of width 1 are the 1-D norms and biases
            long[] ne = ne1 == 1 && f[3].equals("F32") ? new long[]{ne0} : new long[]{ne0, ne1};
            tensors.add(new QuantMix.Tensor(f[0], ne, DType.valueOf(f[3])));
            want.put(f[0], DType.valueOf(f[4]));
        }
        assertEquals(523, tensors.size());
        // llama.cpp's order is by layer then name; give ours shuffled to prove the counters do not depend on input order
        List<QuantMix.Tensor> shuffled = new ArrayList<>(tensors);
        java.util.Collections.shuffle(shuffled, new java.util.Random(1));
        Map<String, DType> got = QuantMix.q4_K_M(shuffled, 40);
        for (var e : want.entrySet()) assertEquals(e.getValue(), got.get(e.getKey()), e.getKey());
        assertEquals(want.keySet(), got.keySet());
    }

    @Test
    void q4KMFileHoldsLlamaQuantizeBytes() throws Exception {
        Map<String, String> want = new LinkedHashMap<>();
        for (String line : resourceLines("q4_k_m-llama-quantize.sha256")) {
            String[] f = line.split(" ");
            want.put(f[0] + " " + f[1], f[2] + " " + f[3]);
        }
        Map<String, String> got = new LinkedHashMap<>();
        Map<DType, Integer> counts = new java.util.TreeMap<>();
        for (Object[] m : new Object[][]{{"a", 8, 352, 5L}, {"b", 2, 512, 6L}}) {
            Path model = randomModel(dir.resolve((String) m[0]), (int) m[1], (int) m[2], (long) m[3]);
            Path gguf = dir.resolve(m[0] + "-q4_k_m.gguf");
            GgufExport.export(model, gguf, GgufExport.FileType.Q4_K_M);
            try (Arena arena = Arena.ofConfined()) {
                Gguf g = Gguf.read(gguf, arena);
                assertEquals(15L, ((Number) g.metadata().get("general.file_type")).longValue());
                for (Gguf.TensorInfo t : g.tensors()) {
                    byte[] bytes = g.data(t).toArray(ValueLayout.JAVA_BYTE);
                    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
                    got.put(m[0] + " " + t.name(), t.type() + " " + hash);
                    counts.merge(t.type(), 1, Integer::sum);
                }
            }
        }
        for (var e : want.entrySet()) assertEquals(e.getValue(), got.get(e.getKey()), e.getKey());
        assertEquals(want.keySet(), got.keySet());
        // every rule shows up: Q6_K (output, attn_v, ffn_down), Q4_K, and the fallbacks Q5_0 and Q8_0
        for (DType t : List.of(DType.Q6_K, DType.Q4_K, DType.Q5_0, DType.Q8_0, DType.F32))
            assertTrue(counts.getOrDefault(t, 0) > 0, t + " missing: " + counts);
    }

    @Test
    void q4KMFileRunsLikeItsDequantisedWeights() throws Exception {
        Path model = randomModel(dir.resolve("a"), 8, 352, 5L);
        Path gguf = dir.resolve("a-q4_k_m.gguf");
        GgufExport.export(model, gguf, GgufExport.FileType.Q4_K_M);
        int[] ids = {1, 17, 300, 42, 5, 1911, 2, 99};
        try (Arena arena = Arena.ofShared(); ModelFolder gg = ModelFolder.open(gguf); Parallel par = new Parallel(2)) {
            // the same weights as float32: the mixed Q4_K/Q6_K/Q5_0/Q8_0 kernels against plain float matmuls
            Map<String, TensorData> deq = new LinkedHashMap<>();
            for (TensorData t : gg.tensors().values()) {
                if (!t.dtype().quantized()) {
                    deq.put(t.name(), t);
                    continue;
                }
                deq.put(t.name(), Fixtures.dequantized(t, arena));
            }
            float[] q = new Glm4Model(gg.config(), gg.tensors(), gg.dir(), par).promptLogits(ids, true);
            float[] f = new Glm4Model(gg.config(), deq, gg.dir(), par).promptLogits(ids, true);
            double num = 0, den = 0;
            for (int i = 0; i < f.length; i++) {
                num += (q[i] - f[i]) * (double) (q[i] - f[i]);
                den += f[i] * (double) f[i];
            }
            double err = Math.sqrt(num / den);
            assertTrue(err <= 1e-4, "relative error of Q4_K_M logits vs its dequantised weights: " + err);
        }
    }

    /** The RandomCheckpoint models the recorded llama-quantize files were made from (hidden 256, vocab 1920). */
    static Path randomModel(Path dir, int layers, int intermediate, long seed) throws Exception {
        var c = RandomCheckpoint.with(RandomCheckpoint.tinyConfig(), Map.of("hidden_size", 256, "head_dim", 64,
                "num_hidden_layers", layers, "intermediate_size", intermediate, "vocab_size", 1920));
        RandomCheckpoint.write(dir, c, DType.BF16, seed);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json"))
            Files.copy(Fixtures.path("glm4-tiny").resolve(f), dir.resolve(f));
        return dir;
    }
}
