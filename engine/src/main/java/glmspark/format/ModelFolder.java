package glmspark.format;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * A Hugging Face model folder as published: config.json, generation_config.json, and either one
 * model.safetensors or shards listed in model.safetensors.index.json. Tensors are memory-mapped in a shared
 * arena that lives as long as this object.
 */
public final class ModelFolder implements AutoCloseable {

    private final Path dir;
    private final ModelConfig config;
    private final GenerationConfig generationConfig;
    private final Map<String, TensorData> tensors;
    private final Arena arena;
    private final GgufVocab ggufVocab;

    private ModelFolder(Path dir, ModelConfig config, GenerationConfig gen, Map<String, TensorData> tensors, Arena arena) {
        this(dir, config, gen, tensors, arena, null);
    }

    private ModelFolder(Path dir, ModelConfig config, GenerationConfig gen, Map<String, TensorData> tensors, Arena arena,
                        GgufVocab ggufVocab) {
        this.ggufVocab = ggufVocab;
        this.dir = dir;
        this.config = config;
        this.generationConfig = gen;
        this.tensors = tensors;
        this.arena = arena;
    }

    /** Opens a model folder, or a single {@code .gguf} file (architecture glm4) holding weights, tokenizer and template. */
    public static ModelFolder open(Path dir) throws IOException {
        if (isGguf(dir)) return openGguf(dir);
        if (!Files.isDirectory(dir)) throw new ModelFormatException(dir, "model folder not found");
        ModelConfig config = ModelConfig.read(dir.resolve("config.json"));
        GenerationConfig gen = GenerationConfig.read(dir.resolve("generation_config.json"));
        Arena arena = Arena.ofShared();
        try {
            return new ModelFolder(dir, config, gen, readTensors(dir, arena), arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public static boolean isGguf(Path p) {
        return p.getFileName() != null && p.getFileName().toString().endsWith(".gguf");
    }

    private static ModelFolder openGguf(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            GgufModel.Loaded m = GgufModel.load(file, arena);
            return new ModelFolder(file, m.config(), m.generation(), m.tensors(), arena, m.vocab());
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The tokenizer and chat template of a .gguf model; null for a safetensors folder. */
    public GgufVocab ggufVocab() {
        return ggufVocab;
    }

    private static Map<String, TensorData> readTensors(Path dir, Arena arena) throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        Path single = dir.resolve("model.safetensors");
        if (Files.isRegularFile(index)) {
            JsonNode root;
            try {
                root = StrictJson.MAPPER.readTree(index.toFile());
            } catch (IOException e) {
                throw new ModelFormatException(index, "not valid JSON: " + e.getMessage());
            }
            JsonNode map = root == null ? null : root.get("weight_map");
            if (map == null || !map.isObject()) throw new ModelFormatException(index, "missing object 'weight_map'");
            TreeSet<String> shards = new TreeSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual() || e.getValue().asText().isEmpty())
                    throw new ModelFormatException(index, "weight_map['" + e.getKey() + "'] must be a shard file name, got " + e.getValue());
                shards.add(e.getValue().asText());
            }
            Map<String, TensorData> all = new LinkedHashMap<>();
            for (String shard : shards) {
                Path p;
                try {
                    p = dir.resolve(shard).normalize();
                } catch (java.nio.file.InvalidPathException e) {
                    throw new ModelFormatException(index, "shard name '" + shard + "' is not a valid path: " + e.getReason());
                }
                if (!p.startsWith(dir.normalize())) throw new ModelFormatException(index, "shard '" + shard + "' lies outside the model folder");
                all.putAll(Safetensors.read(p, arena));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                TensorData t = all.get(e.getKey());
                if (t == null || !t.file().getFileName().toString().equals(e.getValue().asText()))
                    throw new ModelFormatException(dir.resolve(e.getValue().asText()), "tensor '" + e.getKey() + "' listed in "
                            + index.getFileName() + " is not in this shard");
            }
            return all;
        }
        if (Files.isRegularFile(single)) return Safetensors.read(single, arena);
        throw new ModelFormatException(dir, "no model.safetensors or model.safetensors.index.json");
    }

    public Path dir() {
        return dir;
    }

    public ModelConfig config() {
        return config;
    }

    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    public Map<String, TensorData> tensors() {
        return tensors;
    }

    /** Total bytes of all tensors. */
    public long weightBytes() {
        return tensors.values().stream().mapToLong(t -> t.data().byteSize()).sum();
    }

    @Override
    public void close() {
        arena.close();
    }
}
