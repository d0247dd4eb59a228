package glmspark.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import glmspark.generate.Engine;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The driver's check of a model before any task starts: the files the engine needs exist, are readable and
 * parse. For a model on the local filesystem it also runs the engine's own check ({@link Engine#check}:
 * config, every safetensors/GGUF header, tensor names and shapes, tokenizer and chat template), which maps the
 * weights without reading them, so a corrupt file fails here and not in every task.
 */
public final class ModelCheck {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelCheck() {
    }

    /** What the driver learned about the model; {@code generationConfig} may be null. */
    public record ModelInfo(String path, boolean gguf, List<FileStatus> files, JsonNode config, JsonNode generationConfig) {
    }

    public static ModelInfo validate(String model, Configuration conf) throws IOException {
        ModelInfo info = validateFiles(model, conf);
        Path p = new Path(model);
        if (p.getFileSystem(conf) instanceof org.apache.hadoop.fs.LocalFileSystem) {
            try {
                Engine.check(java.nio.file.Path.of(p.toUri().getPath()));
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("model: " + e.getMessage(), e);
            }
        }
        return info;
    }

    private static ModelInfo validateFiles(String model, Configuration conf) throws IOException {
        Path p = new Path(model);
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.exists(p)) throw new IllegalArgumentException("model: " + model + " does not exist");
        FileStatus st = fs.getFileStatus(p);
        if (st.isFile()) {
            if (!p.getName().endsWith(".gguf")) throw new IllegalArgumentException("model: " + model + " is a file but not a .gguf");
            byte[] magic = new byte[4];
            try (FSDataInputStream in = fs.open(p)) {
                in.readFully(0, magic);
            } catch (IOException e) {
                throw new IllegalArgumentException("model: " + model + " is unreadable: " + e.getMessage(), e);
            }
            if (!new String(magic, java.nio.charset.StandardCharsets.US_ASCII).equals("GGUF"))
                throw new IllegalArgumentException("model: " + model + " does not start with the GGUF magic");
            return new ModelInfo(model, true, List.of(st), null, null);
        }
        List<FileStatus> files = new ArrayList<>();
        boolean weights = false;
        for (FileStatus f : fs.listStatus(p)) {
            if (!f.isFile()) continue;
            files.add(f);
            weights |= f.getPath().getName().endsWith(".safetensors");
        }
        files.sort((a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
        JsonNode config = readJson(fs, new Path(p, "config.json"), true);
        readJson(fs, new Path(p, "tokenizer.json"), true);
        JsonNode gen = readJson(fs, new Path(p, "generation_config.json"), false);
        if (!weights) throw new IllegalArgumentException("model: " + model + " has no *.safetensors file");
        return new ModelInfo(model, false, files, config, gen);
    }

    private static JsonNode readJson(FileSystem fs, Path f, boolean required) {
        try {
            if (!fs.exists(f)) {
                if (required) throw new IllegalArgumentException("model: " + f + " is missing");
                return null;
            }
            try (InputStream in = fs.open(f)) {
                JsonNode n = JSON.readTree(in);
                if (n == null || !n.isObject()) throw new IllegalArgumentException("model: " + f + " is not a JSON object");
                return n;
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("model: " + f + " is unreadable or not JSON: " + e.getMessage(), e);
        }
    }
}
