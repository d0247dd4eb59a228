package glmspark.quant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.Fixtures;
import glmspark.cpu.Parallel;
import glmspark.format.DType;
import glmspark.format.ModelFolder;
import glmspark.format.RandomCheckpoint;
import glmspark.format.TensorData;
import glmspark.model.Glm4Model;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A quantised model's logits equal those of a float32 model holding its dequantised weights. */
class QuantizedModelTest {

    @TempDir
    Path dir;

    static float[] logits(ModelFolder f, Map<String, TensorData> tensors, int[] ids, Parallel par) throws Exception {
        return new Glm4Model(f.config(), tensors, f.dir(), par).promptLogits(ids, true);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"Q8_0", "Q4_K"})
    void quantisedLogitsEqualDequantisedFloatReference(DType type) throws Exception {
        ObjectNode c = RandomCheckpoint.tinyConfig();
        c.put("hidden_size", 256).put("intermediate_size", 256).put("head_dim", 64);
        RandomCheckpoint.write(dir, c, DType.BF16, 5);
        try (ModelFolder f = ModelFolder.open(dir); Arena arena = Arena.ofShared(); Parallel par = new Parallel(2)) {
            Map<String, TensorData> q = ModelQuantizer.quantize(f.tensors(), type, arena);
            assertEquals(type, q.get("model.layers.0.mlp.down_proj.weight").dtype());
            Map<String, TensorData> deq = new LinkedHashMap<>();
            for (TensorData t : q.values()) {
                if (!t.dtype().quantized()) {
                    deq.put(t.name(), t);
                    continue;
                }
                deq.put(t.name(), Fixtures.dequantized(t, arena));
            }
            int[] ids = {1, 17, 300, 42, 5, 511, 2, 99};
            float[] a = logits(f, q, ids, par), b = logits(f, deq, ids, par);
            double maxDiff = 0, maxRef = 0;
            for (int i = 0; i < a.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                maxRef = Math.max(maxRef, Math.abs(b[i]));
            }
            assertTrue(maxDiff / maxRef <= 1e-4, type + ": relative error " + maxDiff / maxRef);
            // and quantisation did change the model (the comparison is not trivially between identical weights)
            float[] orig = logits(f, f.tensors(), ids, par);
            double d = 0;
            for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - orig[i]));
            assertTrue(d > 0, "quantised logits equal the bf16 ones");
        }
    }
}
