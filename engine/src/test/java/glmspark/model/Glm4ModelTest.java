package glmspark.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import glmspark.Fixtures;
import glmspark.cpu.Parallel;
import glmspark.format.ModelFolder;
import glmspark.format.Safetensors;
import glmspark.format.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;

import static glmspark.Fixtures.floats;
import static glmspark.Fixtures.ints;
import static glmspark.Fixtures.relativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The forward pass against transformers' logits, hidden states and greedy tokens on the fixture checkpoints. */
class Glm4ModelTest {





    @ParameterizedTest(name = "{0}: logits and hidden states within {1}")
    @CsvSource({"glm4-tiny, 1e-4", "glm4-tiny-bf16, 1e-3"})
    void logitsAndHiddenStatesMatchTransformers(String name, double tolerance) throws IOException {
        JsonNode ref = new ObjectMapper().readTree(Fixtures.path(name + ".reference.json").toFile());
        try (Arena arena = Arena.ofConfined(); ModelFolder folder = ModelFolder.open(Fixtures.path(name));
             Parallel par = new Parallel(2)) {
            Map<String, TensorData> expected = Safetensors.read(Fixtures.path(name + ".reference.safetensors"), arena);
            Glm4Model model = new Glm4Model(folder.config(), folder.tensors(), folder.dir(), par);
            int V = folder.config().vocabSize(), H = folder.config().hiddenSize(), L = folder.config().numLayers();
            JsonNode seqs = ref.get("sequences");
            for (int si = 0; si < seqs.size(); si++) {
                int[] ids = ints(seqs.get(si).get("input_ids"));
                KvCache cache = model.newKvCache(16, 1 << 24);
                KvCache.Sequence seq = cache.newSequence();
                assertTrue(cache.reserve(seq, ids.length));
                Batch b = new Batch();
                b.add(seq, ids, 0, ids.length, true);
                b.wantAllLogits();
                float[] logits = new float[ids.length * V];
                float[] hidden = new float[(L + 1) * ids.length * H];
                int len = ids.length;
                model.forward(b, cache, logits, (index, x, rows, hd) -> System.arraycopy(x, 0, hidden, index * len * hd, rows * hd));
                double err = relativeError(logits, floats(expected.get("logits_" + si)), logits.length);
                assertTrue(err <= tolerance, name + " sequence " + si + ": logits relative error " + err);
                if (expected.containsKey("hidden_" + si)) {
                    float[] hr = floats(expected.get("hidden_" + si));
                    for (int layer = 0; layer <= L; layer++) {
                        float[] got = java.util.Arrays.copyOfRange(hidden, layer * len * H, (layer + 1) * len * H);
                        float[] want = java.util.Arrays.copyOfRange(hr, layer * len * H, (layer + 1) * len * H);
                        double e = relativeError(got, want, got.length);
                        assertTrue(e <= tolerance, name + " hidden state " + layer + ": relative error " + e);
                    }
                }
            }
        }
    }

    /**
     * Decodes with the KV cache one token at a time, feeding transformers' greedy tokens (so one flipped
     * near-tie cannot derail later steps), and checks our argmax wherever transformers' margin is above 1e-3.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"glm4-tiny", "glm4-tiny-bf16"})
    void cachedGreedyDecodingMatchesTransformers(String name) throws IOException {
        JsonNode ref = new ObjectMapper().readTree(Fixtures.path(name + ".reference.json").toFile());
        try (ModelFolder folder = ModelFolder.open(Fixtures.path(name)); Parallel par = new Parallel(2)) {
            Glm4Model model = new Glm4Model(folder.config(), folder.tensors(), folder.dir(), par);
            int V = folder.config().vocabSize();
            int checked = 0;
            for (JsonNode s : ref.get("sequences")) {
                int[] ids = ints(s.get("input_ids"));
                int[] greedy = ints(s.get("greedy"));
                JsonNode margins = s.get("greedy_margins");
                KvCache cache = model.newKvCache(4, 1 << 24);
                KvCache.Sequence seq = cache.newSequence();
                float[] logits = new float[V];
                Batch b = new Batch();
                int[] next = ids;
                for (int step = 0; step < greedy.length; step++) {
                    assertTrue(cache.reserve(seq, seq.length() + next.length));
                    b.clear();
                    b.add(seq, next, 0, next.length, true);
                    model.forward(b, cache, logits, null);
                    int arg = 0;
                    for (int v = 1; v < V; v++) if (logits[v] > logits[arg]) arg = v;
                    if (margins.get(step).asDouble() > 1e-3) {
                        assertEquals(greedy[step], arg, name + " step " + step);
                        checked++;
                    }
                    next = new int[]{greedy[step]};
                }
            }
            assertTrue(checked > 20, "too few steps had a clear margin: " + checked);
        }
    }

    @Test
    void rotaryFrequenciesMatchTransformers() throws IOException {
        JsonNode ref = new ObjectMapper().readTree(Fixtures.path("glm4-tiny.reference.json").toFile()).get("transformers_rotary");
        try (ModelFolder folder = ModelFolder.open(Fixtures.path("glm4-tiny"))) {
            Rope rope = new Rope(folder.config());
            float[] inv = rope.invFreq();
            assertEquals(ref.get("inv_freq").size(), inv.length);
            for (int i = 0; i < inv.length; i++) assertEquals((float) ref.get("inv_freq").get(i).asDouble(), inv[i], 0f);
            assertEquals(ref.get("attention_scaling").asDouble(), rope.attentionScaling(), 0);
        }
    }
}
