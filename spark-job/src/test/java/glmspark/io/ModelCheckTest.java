package glmspark.io;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A corrupt model fails on the driver, before any task starts, with the engine's message naming the file. */
class ModelCheckTest {

    @TempDir
    Path tmp;

    private Path copyOfTiny() throws Exception {
        Path src = Path.of(getClass().getResource("/glm4-tiny/config.json").toURI()).getParent();
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        return dir;
    }

    @Test
    void aGoodModelPasses() throws Exception {
        ModelCheck.ModelInfo info = ModelCheck.validate(copyOfTiny().toString(), new Configuration());
        assertEquals(64, info.config().get("hidden_size").asInt());
    }

    @Test
    void aTruncatedWeightsFileFailsOnTheDriver() throws Exception {
        Path dir = copyOfTiny();
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("model.safetensors").toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelCheck.validate(dir.toString(), new Configuration()));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("past the end"), e.getMessage());
    }

    @Test
    void aWrongShapeInConfigFailsOnTheDriver() throws Exception {
        Path dir = copyOfTiny();
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"hidden_size\": 64", "\"hidden_size\": 48"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelCheck.validate(dir.toString(), new Configuration()));
        assertTrue(e.getMessage().contains("expected"), e.getMessage());
    }
}
