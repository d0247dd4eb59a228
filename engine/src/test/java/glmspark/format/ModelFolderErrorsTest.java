package glmspark.format;

import glmspark.Fixtures;
import glmspark.cpu.Parallel;
import glmspark.model.Glm4Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each way a model folder can be broken ends in an error that names the file and the tensor or field. */
class ModelFolderErrorsTest {

    @TempDir
    Path tmp;

    private Path copyOfTiny() throws IOException {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(Fixtures.path("glm4-tiny"))) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        return dir;
    }

    private static IOException openFails(Path dir) {
        return assertThrows(IOException.class, () -> {
            try (ModelFolder f = ModelFolder.open(dir); Parallel p = new Parallel(1)) {
                new Glm4Model(f.config(), f.tensors(), f.dir(), p);
            }
        });
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention '" + p + "'");
    }

    /** Rewrites model.safetensors with a new JSON header (padded to the old length) and the old data. */
    private static void rewriteHeader(Path file, java.util.function.UnaryOperator<String> edit) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = edit.apply(new String(all, 8, (int) n, StandardCharsets.UTF_8));
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        if (h.length > n) throw new IllegalArgumentException("edited header grew");
        byte[] padded = new byte[(int) n];
        java.util.Arrays.fill(padded, (byte) ' ');
        System.arraycopy(h, 0, padded, 0, h.length);
        System.arraycopy(padded, 0, all, 8, (int) n);
        Files.write(file, all);
    }

    @Test
    void missingTensorNamesTheTensor() throws IOException {
        Path dir = copyOfTiny();
        rewriteHeader(dir.resolve("model.safetensors"), h -> h.replace("\"model.norm.weight\"", "\"model.nrm.weight\""));
        assertMentions(openFails(dir), "model", "missing tensor 'model.norm.weight'");
    }

    @Test
    void wrongShapeNamesFileTensorAndShapes() throws IOException {
        Path dir = copyOfTiny();
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json")).replace("\"intermediate_size\": 160", "\"intermediate_size\": 150"));
        assertMentions(openFails(dir), "model.safetensors", "model.layers.0.mlp.gate_up_proj.weight", "[320, 64]", "expected [300, 64]");
    }

    @Test
    void truncatedFileIsReported() throws IOException {
        Path dir = copyOfTiny();
        Path st = dir.resolve("model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(st.toFile(), "rw")) {
            f.setLength(f.length() - 1000);
        }
        assertMentions(openFails(dir), "model.safetensors", "runs past the end of the file");
    }

    @Test
    void headerClaimingMoreBytesThanTheFileIsReported() throws IOException {
        Path dir = copyOfTiny();
        Path st = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(st);
        ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(all.length + 10L);
        Files.write(st, all);
        assertMentions(openFails(dir), "model.safetensors", "truncated: header claims");
    }

    @Test
    void hugeHeaderLengthIsRejectedWithoutAllocating() throws IOException {
        Path dir = copyOfTiny();
        Path st = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(st);
        ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE / 2);
        Files.write(st, all);
        assertMentions(openFails(dir), "model.safetensors", "header length");
    }

    @Test
    void unknownDtypeNamesTheTensor() throws IOException {
        Path dir = copyOfTiny();
        rewriteHeader(dir.resolve("model.safetensors"), h -> h.replaceFirst("\"F32\"", "\"I8\" "));
        assertMentions(openFails(dir), "model.safetensors", "unsupported dtype I8");
    }

    @Test
    void unknownArchitectureIsReported() throws IOException {
        Path dir = copyOfTiny();
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("Glm4ForCausalLM", "LlamaForCausalLM").replace("\"glm4\"", "\"llama\""));
        assertMentions(openFails(dir), "config.json", "unsupported architecture 'LlamaForCausalLM'");
    }

    @Test
    void missingConfigFieldIsNamed() throws IOException {
        Path dir = copyOfTiny();
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json")).replace("\"hidden_size\": 64, ", ""));
        assertMentions(openFails(dir), "config.json", "missing field 'hidden_size'");
    }

    @Test
    void missingShardListedInTheIndexIsReported() throws IOException {
        Path dir = tmp.resolve("sharded");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(Fixtures.path("glm4-tiny-bf16"))) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        assertMentions(openFails(dir), "model-00002-of-00002.safetensors", "no such file");
    }

    /** Found by ModelFolderFuzzTest: a stray brace ended the weight map early and the rest was ignored. */
    @Test
    void indexWithContentAfterItsJsonIsReported() throws IOException {
        Path dir = tmp.resolve("trailing");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(Fixtures.path("glm4-tiny-bf16"))) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        Path index = dir.resolve("model.safetensors.index.json");
        String text = Files.readString(index);
        int cut = text.lastIndexOf(',', text.indexOf("\"model.layers.1."));
        Files.writeString(index, text.substring(0, cut) + "}}" + text.substring(cut));
        assertMentions(openFails(dir), "model.safetensors.index.json", "not valid JSON");
    }

    @Test
    void folderWithoutWeightsIsReported() throws IOException {
        Path dir = copyOfTiny();
        Files.delete(dir.resolve("model.safetensors"));
        assertMentions(openFails(dir), "no model.safetensors");
    }

    @Test
    void configWithRopeParametersIsRead() throws IOException {
        Path dir = tmp.resolve("v5");
        RandomCheckpoint.write(dir, RandomCheckpoint.with(RandomCheckpoint.tinyConfig(),
                Map.of("rope_parameters", Map.of("rope_theta", 500.0, "partial_rotary_factor", 0.25, "rope_type", "default"))), DType.F32, 1);
        ModelConfig c = ModelConfig.read(dir.resolve("config.json"));
        assertTrue(c.ropeTheta() == 500.0 && c.rotaryDim() == 4, c.toString());
    }
}
