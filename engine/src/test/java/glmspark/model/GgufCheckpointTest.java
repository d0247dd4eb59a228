package glmspark.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import glmspark.Fixtures;
import glmspark.cpu.Parallel;
import glmspark.format.ModelConfig;
import glmspark.format.ModelFolder;
import glmspark.format.Safetensors;
import glmspark.format.TensorData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GGUF files written by llama.cpp's own convert_hf_to_gguf.py from the fixture checkpoints (resources gguf/, see its
 * README) run through the same model code: their configuration, stop tokens and sampling defaults are the
 * safetensors folder's, and their logits match transformers' reference logits and the safetensors path.
 */
class GgufCheckpointTest {

    static Path gguf(String name) throws URISyntaxException {
        return Path.of(GgufCheckpointTest.class.getResource("/gguf/" + name).toURI());
    }

    static float[] logits(ModelFolder folder, int[] ids, Parallel par) throws IOException {
        return new Glm4Model(folder.config(), folder.tensors(), folder.dir(), par).promptLogits(ids, true);
    }

    @ParameterizedTest(name = "{1}: logits match transformers within {2} and the safetensors path")
    @CsvSource({"glm4-tiny, glm4-tiny-f32.gguf, 1e-4", "glm4-tiny-bf16, glm4-tiny-bf16.gguf, 1e-3"})
    void ggufLogitsMatchTransformersAndSafetensors(String name, String file, double tolerance) throws Exception {
        JsonNode ref = new ObjectMapper().readTree(Fixtures.path(name + ".reference.json").toFile());
        try (Arena arena = Arena.ofConfined(); ModelFolder st = ModelFolder.open(Fixtures.path(name));
             ModelFolder gg = ModelFolder.open(gguf(file)); Parallel par = new Parallel(2)) {
            ModelConfig a = st.config(), b = gg.config();
            assertEquals(a.hiddenSize(), b.hiddenSize());
            assertEquals(a.numLayers(), b.numLayers());
            assertEquals(a.numHeads(), b.numHeads());
            assertEquals(a.numKvHeads(), b.numKvHeads());
            assertEquals(a.headDim(), b.headDim());
            assertEquals(a.intermediateSize(), b.intermediateSize());
            assertEquals(a.vocabSize(), b.vocabSize());
            assertEquals(a.rotaryDim(), b.rotaryDim());
            assertEquals(a.ropeTheta(), b.ropeTheta());
            assertEquals(a.attentionBias(), b.attentionBias());
            assertEquals(a.maxPositionEmbeddings(), b.maxPositionEmbeddings());
            assertEquals(a.rmsNormEps(), b.rmsNormEps(), 1e-12);
            assertArrayEquals(Arrays.stream(a.eosTokenIds()).sorted().toArray(), Arrays.stream(b.eosTokenIds()).sorted().toArray());
            assertEquals(st.generationConfig().samplingDefaults(), gg.generationConfig().samplingDefaults());
            Map<String, TensorData> expected = Safetensors.read(Fixtures.path(name + ".reference.safetensors"), arena);
            JsonNode seqs = ref.get("sequences");
            for (int si = 0; si < seqs.size(); si++) {
                int[] ids = Fixtures.ints(seqs.get(si).get("input_ids"));
                float[] fromGguf = logits(gg, ids, par);
                double errRef = Fixtures.relativeError(fromGguf, Fixtures.floats(expected.get("logits_" + si)), fromGguf.length);
                assertTrue(errRef <= tolerance, file + " sequence " + si + ": logits relative error vs transformers " + errRef);
                float[] fromSt = logits(st, ids, par);
                double errSt = Fixtures.relativeError(fromGguf, fromSt, fromGguf.length);
                assertTrue(errSt <= tolerance, file + " sequence " + si + ": logits relative error vs safetensors " + errSt);
            }
        }
    }
}
