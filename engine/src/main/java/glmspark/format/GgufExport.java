package glmspark.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import glmspark.quant.ModelQuantizer;
import glmspark.quant.QuantMix;
import glmspark.quant.Quants;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Writes a Hugging Face Glm4ForCausalLM folder as one GGUF v3 file the way llama.cpp's {@code convert_hf_to_gguf.py}
 * (class Glm4Model) and {@code llama-quantize} lay it out: architecture {@code glm4} with its {@code glm4.*}
 * hyper-parameters, tensors under llama.cpp's names with ggml dims (PyTorch shape reversed), the byte-level BPE
 * tokenizer as {@code tokenizer.ggml.*} and the chat template.
 *
 * <p>Tensor types: for F32 everything is F32. Otherwise 1-D tensors (norms, biases) are F32, as llama.cpp keeps
 * them; a 2-D tensor whose row length is a whole number of the type's blocks gets the type; any other 2-D tensor is
 * F32 (llama.cpp would fall back to another quantised type or F16; F32 loses nothing). Q4_K_M chooses each
 * matrix's type as llama-quantize does from our BF16 file ({@link QuantMix}), fallbacks included, so its tensors
 * are byte for byte llama-quantize's.
 */
public final class GgufExport {

    /** What was written: per-tensor types and the file size. */
    public record Result(Map<String, DType> types, long bytes) {
    }

    private GgufExport() {
    }

    /**
     * A file's quantisation: its llama.cpp number (general.file_type, LLAMA_FTYPE_*) and default matrix type.
     * Q4_K is every matrix Q4_K (llama.cpp's number for it is MOSTLY_Q4_K_S); Q4_K_M mixes types as llama-quantize
     * does (see {@link QuantMix}).
     */
    public enum FileType {
        F32(0, DType.F32), BF16(32, DType.BF16), Q8_0(7, DType.Q8_0), Q4_K(14, DType.Q4_K), Q4_K_M(15, DType.Q4_K);

        public final int llamaFtype;
        public final DType base;

        FileType(int llamaFtype, DType base) {
            this.llamaFtype = llamaFtype;
            this.base = base;
        }

        static FileType of(DType type) {
            return switch (type) {
                case F32 -> F32;
                case BF16 -> BF16;
                case Q8_0 -> Q8_0;
                case Q4_K -> Q4_K;
                default -> throw new IllegalArgumentException("export to " + type + " is not supported (supported: F32, BF16, Q8_0, Q4_K, Q4_K_M)");
            };
        }
    }

    /** The llama.cpp file type number (general.file_type, LLAMA_FTYPE_*) of an output type. */
    static int fileType(DType type) {
        return FileType.of(type).llamaFtype;
    }

    /** The type a tensor of this shape is stored as when the file's type is {@code type}. */
    public static DType tensorType(long[] shape, DType type) {
        if (type == DType.F32 || shape.length != 2) return DType.F32;
        return ModelQuantizer.fits(shape, type) ? type : DType.F32;
    }

    /** Every tensor's type (by GGUF name, in {@code tensors}' order) in a file of type {@code type}. */
    static Map<String, DType> tensorTypes(java.util.Collection<TensorData> tensors, FileType type, int nLayers) throws ModelFormatException {
        Map<String, DType> types = new LinkedHashMap<>();
        if (type != FileType.Q4_K_M) {
            for (TensorData t : tensors) types.put(ggufName(t), tensorType(t.shape(), type.base));
            return types;
        }
        // what llama-quantize is given: our BF16 file (1-D tensors F32, matrices BF16)
        List<QuantMix.Tensor> mix = new ArrayList<>();
        for (TensorData t : tensors) mix.add(new QuantMix.Tensor(ggufName(t), ne(t.shape()), tensorType(t.shape(), DType.BF16)));
        return QuantMix.q4_K_M(mix, nLayers);
    }

    private static String ggufName(TensorData t) throws ModelFormatException {
        String name = GgufModel.ggufName(t.name());
        if (name == null) throw new ModelFormatException(t.file(), "tensor '" + t.name() + "' has no llama.cpp glm4 name");
        return name;
    }

    private static long[] ne(long[] shape) {
        long[] ne = new long[shape.length];
        for (int i = 0; i < ne.length; i++) ne[i] = shape[ne.length - 1 - i];
        return ne;
    }

    public static Result export(Path modelDir, Path out, DType type) throws IOException {
        return export(modelDir, out, FileType.of(type));
    }

    public static Result export(Path modelDir, Path out, FileType type) throws IOException {
        try (ModelFolder folder = ModelFolder.open(modelDir)) {
            if (folder.ggufVocab() != null) throw new ModelFormatException(modelDir, "is already a GGUF file; give a Hugging Face folder");
            ModelConfig c = folder.config();
            GgufWriter w = new GgufWriter();
            w.putString("general.architecture", "glm4");
            w.putString("general.name", modelDir.toAbsolutePath().normalize().getFileName().toString());
            w.putU32("general.quantization_version", 2);
            w.putU32("general.file_type", type.llamaFtype);
            w.putU32("glm4.context_length", c.maxPositionEmbeddings());
            w.putU32("glm4.embedding_length", c.hiddenSize());
            w.putU32("glm4.block_count", c.numLayers());
            w.putU32("glm4.feed_forward_length", c.intermediateSize());
            w.putU32("glm4.attention.head_count", c.numHeads());
            w.putU32("glm4.attention.head_count_kv", c.numKvHeads());
            w.putU32("glm4.attention.key_length", c.headDim());
            w.putU32("glm4.attention.value_length", c.headDim());
            w.putU32("glm4.rope.dimension_count", c.rotaryDim());
            w.putF32("glm4.rope.freq_base", (float) c.ropeTheta());
            w.putF32("glm4.attention.layer_norm_rms_epsilon", (float) c.rmsNormEps());
            if (c.yarn() != null) {
                ModelConfig.Yarn y = c.yarn();
                w.putString("glm4.rope.scaling.type", "yarn");
                w.putF32("glm4.rope.scaling.factor", (float) y.factor());
                w.putU32("glm4.rope.scaling.original_context_length", y.originalMaxPositionEmbeddings());
                if (y.betaFast() != 32) w.putF32("glm4.rope.scaling.yarn_beta_fast", (float) y.betaFast());
                if (y.betaSlow() != 1) w.putF32("glm4.rope.scaling.yarn_beta_slow", (float) y.betaSlow());
            }
            putTokenizer(w, modelDir, c);

            // Each tensor is converted while the writer streams it (one tensor in memory at a time).
            Map<String, DType> types = tensorTypes(folder.tensors().values(), type, c.numLayers());
            for (TensorData t : folder.tensors().values()) {
                DType want = types.get(ggufName(t));
                w.addTensor(ggufName(t), ne(t.shape()), want, a -> convert(t, want, a));
            }
            w.write(out);
            return new Result(types, Files.size(out));
        }
    }

    /** {@code t} as {@code want}: quantised by ModelQuantizer (ggml's bytes), or a float32 copy; unchanged when it is already. */
    static MemorySegment convert(TensorData t, DType want, Arena arena) {
        if (t.dtype() == want) return t.data();
        if (want == DType.F32) return toFloat32(t, arena).data();
        TensorData q = ModelQuantizer.quantize(Map.of(t.name(), t), want, arena).get(t.name());
        if (q.dtype() != want) throw new IllegalStateException("tensor '" + t.name() + "' was not converted to " + want);
        return q.data();
    }

    /** A float32 copy of a float tensor (F32, F16 or BF16). */
    private static TensorData toFloat32(TensorData t, Arena arena) {
        if (t.dtype().quantized()) throw new IllegalArgumentException("tensor '" + t.name() + "' is already quantised");
        long n = t.elements();
        int cols = (int) t.shape()[t.shape().length - 1];
        long rows = n / cols;
        MemorySegment dst = arena.allocate(4 * n, 64);
        int srcRow = (int) t.dtype().rowBytes(cols);
        IntStream.range(0, (int) rows).parallel().forEach(r -> {
            byte[] raw = new byte[srcRow];
            MemorySegment.copy(t.data(), ValueLayout.JAVA_BYTE, (long) r * srcRow, raw, 0, srcRow);
            float[] x = new float[cols];
            Quants.dequantize(t.dtype(), raw, 0, x, 0, cols);
            byte[] q = new byte[4 * cols];
            Quants.quantize(DType.F32, x, 0, cols, q, 0);
            MemorySegment.copy(q, 0, dst, ValueLayout.JAVA_BYTE, (long) r * 4 * cols, 4 * cols);
        });
        return new TensorData(t.name(), DType.F32, t.shape(), dst, t.file());
    }

    // token types (llama.cpp's llama_token_type)
    static final int NORMAL = 1, UNUSED = 5;

    /**
     * tokenizer.json's byte-level BPE as tokenizer.ggml.*: tokens by id up to vocab_size (gaps become "[PADi]",
     * UNUSED), added special tokens CONTROL, other added tokens USER_DEFINED; special ids as llama.cpp's Glm4Model
     * sets them (eos {@code <|endoftext|>}, eot {@code <|user|>}, unk {@code <|endoftext|>}, bos {@code [gMASK]}),
     * padding from config.json, and eom {@code <|observation|>} when config.json's eos_token_id lists it (so the
     * GGUF stops where the folder does; llama.cpp's converter leaves that stop out).
     */
    private static void putTokenizer(GgufWriter w, Path dir, ModelConfig c) throws IOException {
        Path tj = dir.resolve("tokenizer.json");
        JsonNode tok = readJson(tj);
        JsonNode model = tok.path("model");
        if (!model.path("type").asText("BPE").equals("BPE") || !model.path("vocab").isObject())
            throw new ModelFormatException(tj, "model must be a BPE tokenizer with a 'vocab' object");
        int n = c.vocabSize();
        String[] tokens = new String[n];
        int[] types = new int[n];
        for (Iterator<Map.Entry<String, JsonNode>> it = model.get("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().asInt(-1);
            if (id < 0 || id >= n) throw new ModelFormatException(tj, "vocab['" + e.getKey() + "'] id " + e.getValue() + " is outside vocab_size " + n);
            tokens[id] = e.getKey();
            types[id] = NORMAL;
        }
        Map<String, Integer> added = new HashMap<>();
        for (JsonNode a : tok.path("added_tokens")) {
            int id = a.path("id").asInt(-1);
            String content = a.path("content").asText(null);
            if (id < 0 || id >= n || content == null)
                throw new ModelFormatException(tj, "added_tokens entry " + a + " has no id below vocab_size " + n + " or no content");
            tokens[id] = content;
            types[id] = a.path("special").asBoolean(false) ? GgufVocab.CONTROL : GgufVocab.USER_DEFINED;
            added.put(content, id);
        }
        for (int i = 0; i < n; i++)
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = UNUSED;
            }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            if (m.isTextual()) merges.add(m.asText());
            else if (m.isArray() && m.size() == 2) merges.add(m.get(0).asText() + " " + m.get(1).asText());
            else throw new ModelFormatException(tj, "merge " + m + " is neither \"a b\" nor [a, b]");
        }
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", "glm4");
        w.putStrings("tokenizer.ggml.tokens", List.of(tokens));
        w.putI32s("tokenizer.ggml.token_type", types);
        w.putStrings("tokenizer.ggml.merges", merges);
        int eos = specialId(added, "<|endoftext|>", c.eosTokenIds().length > 0 ? c.eosTokenIds()[0] : -1);
        if (eos >= 0) {
            w.putU32("tokenizer.ggml.eos_token_id", eos);
            w.putU32("tokenizer.ggml.unknown_token_id", eos);
        }
        int eot = specialId(added, "<|user|>", c.eosTokenIds().length > 1 ? c.eosTokenIds()[1] : -1);
        if (eot >= 0) w.putU32("tokenizer.ggml.eot_token_id", eot);
        // generation_config/config stop at <|observation|> too (tool calls); llama.cpp's slot for it is eom
        int eom = added.getOrDefault("<|observation|>", -1);
        for (int id : c.eosTokenIds()) if (id == eom && eom != eos && eom != eot) w.putU32("tokenizer.ggml.eom_token_id", eom);
        int bos = specialId(added, "[gMASK]", -1);
        if (bos >= 0) w.putU32("tokenizer.ggml.bos_token_id", bos);
        if (c.padTokenId() >= 0 && c.padTokenId() < n) w.putU32("tokenizer.ggml.padding_token_id", c.padTokenId());
        String template = chatTemplate(dir);
        if (template != null) w.putString("tokenizer.chat_template", template);
    }

    private static int specialId(Map<String, Integer> added, String token, int fallback) {
        return added.getOrDefault(token, fallback);
    }

    /** tokenizer_config.json's chat_template (a string), else chat_template.jinja, else null. */
    private static String chatTemplate(Path dir) throws IOException {
        Path tc = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(tc)) {
            JsonNode t = readJson(tc).path("chat_template");
            if (t.isTextual()) return t.asText();
            if (!t.isMissingNode() && !t.isNull())
                throw new ModelFormatException(tc, "chat_template must be a string (named templates are not supported)");
        }
        Path jinja = dir.resolve("chat_template.jinja");
        return Files.isRegularFile(jinja) ? Files.readString(jinja) : null;
    }

    private static JsonNode readJson(Path p) throws IOException {
        if (!Files.isRegularFile(p)) throw new ModelFormatException(p, "no such file");
        try {
            JsonNode n = new ObjectMapper().readTree(p.toFile());
            if (n == null || !n.isObject()) throw new ModelFormatException(p, "not a JSON object");
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ModelFormatException(p, "not valid JSON: " + e.getOriginalMessage());
        }
    }
}
