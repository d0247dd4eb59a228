package glmspark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.Fixtures;
import glmspark.cpu.Parallel;
import glmspark.format.DType;
import glmspark.format.Gguf;
import glmspark.format.ModelFolder;
import glmspark.format.RandomCheckpoint;
import glmspark.format.Safetensors;
import glmspark.format.TensorData;
import glmspark.model.Glm4Model;
import glmspark.quant.ModelQuantizer;
import glmspark.quant.Quants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static glmspark.Fixtures.floats;
import static glmspark.Fixtures.ints;
import static glmspark.Fixtures.relativeError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ./glm quantize writes a GGUF that runs like the safetensors folder it came from. */
class QuantizeCommandTest {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    static Path quantize(Path model, Path out, String type) {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new Glm());
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute("quantize", "--model", model.toString(), "--out", out.toString(), "--type", type);
        assertEquals(0, code, err.toString());
        assertTrue(Files.isRegularFile(out), out.toString());
        return out;
    }

    static float[] logits(ModelFolder f, Map<String, TensorData> tensors, int[] ids, Parallel par) throws Exception {
        return new Glm4Model(f.config(), tensors, f.dir(), par).promptLogits(ids, true);
    }




    @Test
    void f32GgufGivesTheSafetensorsLogitsExactly() throws Exception {
        Path gguf = quantize(Fixtures.path("glm4-tiny"), dir.resolve("tiny-f32.gguf"), "f32");
        JsonNode ref = new ObjectMapper().readTree(Fixtures.path("glm4-tiny.reference.json").toFile());
        try (ModelFolder st = ModelFolder.open(Fixtures.path("glm4-tiny")); ModelFolder gg = ModelFolder.open(gguf);
             Parallel par = new Parallel(2)) {
            assertEquals(st.config().rotaryDim(), gg.config().rotaryDim());
            assertEquals(st.config().maxPositionEmbeddings(), gg.config().maxPositionEmbeddings());
            assertEquals(st.config().rmsNormEps(), gg.config().rmsNormEps(), 1e-12);
            assertEquals(st.config().numKvHeads(), gg.config().numKvHeads());
            // eos <|endoftext|>, eot <|user|> (as llama.cpp's converter sets them) and eom <|observation|>: config's stops
            assertArrayEquals(st.config().eosTokenIds(), gg.config().eosTokenIds());
            for (JsonNode s : ref.get("sequences")) {
                int[] ids = ints(s.get("input_ids"));
                assertArrayEquals(logits(st, st.tensors(), ids, par), logits(gg, gg.tensors(), ids, par));
            }
        }
    }

    @Test
    void bf16GgufMatchesTransformersAndTheSafetensorsPath() throws Exception {
        Path gguf = quantize(Fixtures.path("glm4-tiny-bf16"), dir.resolve("tiny-bf16.gguf"), "bf16");
        JsonNode ref = new ObjectMapper().readTree(Fixtures.path("glm4-tiny-bf16.reference.json").toFile());
        try (Arena arena = Arena.ofConfined(); ModelFolder st = ModelFolder.open(Fixtures.path("glm4-tiny-bf16"));
             ModelFolder gg = ModelFolder.open(gguf); Parallel par = new Parallel(2)) {
            assertEquals(DType.BF16, gg.tensors().get("model.layers.0.mlp.down_proj.weight").dtype());
            assertEquals(DType.F32, gg.tensors().get("model.layers.0.input_layernorm.weight").dtype());
            Map<String, TensorData> expected = Safetensors.read(Fixtures.path("glm4-tiny-bf16.reference.safetensors"), arena);
            JsonNode seqs = ref.get("sequences");
            for (int si = 0; si < seqs.size(); si++) {
                int[] ids = ints(seqs.get(si).get("input_ids"));
                float[] fromGguf = logits(gg, gg.tensors(), ids, par);
                double errRef = relativeError(fromGguf, floats(expected.get("logits_" + si)));
                assertTrue(errRef <= 1e-3, "sequence " + si + ": relative error vs transformers " + errRef);
                double errSt = relativeError(fromGguf, logits(st, st.tensors(), ids, par));
                assertTrue(errSt <= 1e-6, "sequence " + si + ": relative error vs safetensors " + errSt);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"Q8_0", "Q4_K"})
    void quantisedGgufHoldsModelQuantizerBytesAndRunsLikeItsDequantisedWeights(DType type) throws Exception {
        ObjectNode c = RandomCheckpoint.tinyConfig();
        c.put("hidden_size", 256).put("intermediate_size", 256).put("head_dim", 64).put("vocab_size", 1920);
        c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0).put("original_max_position_embeddings", 64);
        Path model = dir.resolve("random");
        RandomCheckpoint.write(model, c, DType.BF16, 11);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json"))
            Files.copy(Fixtures.path("glm4-tiny").resolve(f), model.resolve(f));
        Path gguf = quantize(model, dir.resolve("random.gguf"), type.name().toLowerCase(java.util.Locale.ROOT));
        try (Arena arena = Arena.ofShared(); ModelFolder st = ModelFolder.open(model); ModelFolder gg = ModelFolder.open(gguf);
             Parallel par = new Parallel(2)) {
            // yarn: written as glm4.rope.scaling.* and read back
            assertEquals(4.0, gg.config().yarn().factor());
            assertEquals(64, gg.config().yarn().originalMaxPositionEmbeddings());
            Map<String, TensorData> mine = ModelQuantizer.quantize(st.tensors(), type, arena);
            assertEquals(mine.keySet(), gg.tensors().keySet());
            Map<String, TensorData> deq = new LinkedHashMap<>();
            for (TensorData t : gg.tensors().values()) {
                TensorData m = mine.get(t.name());
                assertArrayEquals(m.shape(), t.shape(), t.name());
                if (t.shape().length == 1) {
                    // norms and biases: F32, the exact values of the bf16 source
                    assertEquals(DType.F32, t.dtype(), t.name());
                    float[] src = new float[(int) m.elements()];
                    Quants.dequantize(m.dtype(), m.data().toArray(ValueLayout.JAVA_BYTE), 0, src, 0, src.length);
                    assertArrayEquals(src, floats(t), t.name());
                    deq.put(t.name(), t);
                    continue;
                }
                assertEquals(type, t.dtype(), t.name());
                assertEquals(-1, MemorySegment.mismatch(m.data(), 0, m.data().byteSize(), t.data(), 0, t.data().byteSize()),
                        t.name() + ": bytes differ from ModelQuantizer's");
                deq.put(t.name(), Fixtures.dequantized(t, arena));
            }
            int[] ids = {1, 17, 300, 42, 5, 511, 2, 99};
            float[] q = logits(gg, gg.tensors(), ids, par), f = logits(gg, deq, ids, par);
            double err = relativeError(q, f);
            assertTrue(err <= 1e-4, type + " vs dequantised float: relative error " + err);
            assertNotEquals(0.0, relativeError(q, logits(st, st.tensors(), ids, par)), "quantisation changed nothing");
        }
    }

    @Test
    void writesLlamaCppGlm4MetadataAndNames() throws Exception {
        Path gguf = quantize(Fixtures.path("glm4-tiny"), dir.resolve("tiny-q8.gguf"), "q8_0");
        try (Arena arena = Arena.ofConfined()) {
            Gguf g = Gguf.read(gguf, arena);
            Map<String, Object> m = g.metadata();
            assertEquals(3, g.version());
            assertEquals("glm4", m.get("general.architecture"));
            assertEquals(7L, m.get("general.file_type"));
            assertEquals(512L, m.get("glm4.context_length"));
            assertEquals(8L, m.get("glm4.rope.dimension_count"));
            assertEquals(1e-5f, m.get("glm4.attention.layer_norm_rms_epsilon"));
            assertEquals("gpt2", m.get("tokenizer.ggml.model"));
            assertEquals("glm4", m.get("tokenizer.ggml.pre"));
            assertEquals(1902L, m.get("tokenizer.ggml.bos_token_id"));
            assertEquals(1900L, m.get("tokenizer.ggml.padding_token_id"));
            assertEquals(1920, ((List<?>) m.get("tokenizer.ggml.tokens")).size());
            assertEquals(3, ((List<?>) m.get("tokenizer.ggml.token_type")).get(1902));
            JsonNode tc = new ObjectMapper().readTree(Fixtures.path("glm4-tiny").resolve("tokenizer_config.json").toFile());
            assertEquals(tc.get("chat_template").asText(), m.get("tokenizer.chat_template"));
            // rows of 64 and 160 are whole Q8_0 blocks (2 and 5): every matrix is Q8_0, dims in ggml order
            Map<String, Gguf.TensorInfo> t = new LinkedHashMap<>();
            for (Gguf.TensorInfo i : g.tensors()) t.put(i.name(), i);
            assertArrayEquals(new long[]{64, 1920}, t.get("token_embd.weight").ne());
            assertEquals(DType.Q8_0, t.get("token_embd.weight").type());
            assertArrayEquals(new long[]{64, 320}, t.get("blk.0.ffn_up.weight").ne());
            assertEquals(DType.F32, t.get("blk.1.attn_q.bias").type());
            assertEquals(DType.F32, t.get("output_norm.weight").type());
        }
    }

    @Test
    void q4_kKeepsMatricesWhoseRowsAreNotWholeBlocksInF32() throws Exception {
        // glm4-tiny's rows are 64 or 160 wide, never a multiple of Q4_K's 256: every tensor stays F32
        Path gguf = quantize(Fixtures.path("glm4-tiny"), dir.resolve("tiny-q4k.gguf"), "q4_k");
        try (Arena arena = Arena.ofConfined()) {
            Gguf g = Gguf.read(gguf, arena);
            assertEquals(14L, g.metadata().get("general.file_type"));
            for (Gguf.TensorInfo i : g.tensors()) assertEquals(DType.F32, i.type(), i.name());
        }
    }

    @Test
    void badInputFailsWithAMessageAndLeavesNoFile() throws Exception {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new Glm());
        cmd.setErr(new PrintWriter(err));
        Path out = dir.resolve("x.gguf");
        assertEquals(2, cmd.execute("quantize", "--model", Fixtures.path("glm4-tiny").toString(), "--out", out.toString(), "--type", "q5"));
        assertTrue(err.toString().contains("--type 'q5' is not one of q8_0, q4_k, q4_k_m, bf16, f32"), err.toString());
        // a folder with a tensor llama.cpp's glm4 has no name for
        Path model = dir.resolve("odd");
        RandomCheckpoint.write(model, RandomCheckpoint.tinyConfig().put("vocab_size", 1920), DType.F32, 1);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json"))
            Files.copy(Fixtures.path("glm4-tiny").resolve(f), model.resolve(f));
        // replace the weights by one tensor transformers 4.x checkpoints sometimes carry
        byte[] header = "{\"model.layers.0.self_attn.rotary_emb.inv_freq\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + header.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Files.write(model.resolve("model.safetensors"), b.array());
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(glmspark.format.ModelFormatException.class,
                () -> glmspark.format.GgufExport.export(model, out, DType.Q8_0));
        assertTrue(e.getMessage().contains("rotary_emb.inv_freq") && e.getMessage().contains("no llama.cpp glm4 name"), e.getMessage());
        assertTrue(!Files.exists(out) && !Files.exists(dir.resolve("x.gguf.tmp")));
    }
}
