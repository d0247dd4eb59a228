package glmspark.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.Fixtures;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A copy of the sharded glm4-tiny-bf16 folder with a mutated model.safetensors.index.json: shard names that
 * escape the folder, are absolute, hold NUL characters, are missing or are not strings; tensors moved to the
 * wrong shard, removed or invented; broken and non-object JSON. ModelFolder.open either opens the folder with
 * every listed tensor found in the shard the index names, or fails with a ModelFormatException naming a file of
 * the folder.
 */
class ModelFolderFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static ObjectNode index;
    private static List<String> names;
    private static int tensorCount;

    @BeforeContainer
    static void copy() throws IOException {
        Path src = Fixtures.path("glm4-tiny-bf16");
        Path root = Files.createTempDirectory("index-fuzz");
        dir = root.resolve("model");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        Files.writeString(root.resolve("outside.safetensors"), "not a checkpoint");
        index = (ObjectNode) JSON.readTree(dir.resolve("model.safetensors.index.json").toFile());
        names = ModelConfigFuzzTest.fieldNames((ObjectNode) index.get("weight_map"));
        try (ModelFolder f = ModelFolder.open(dir)) {
            tensorCount = f.tensors().size();
        }
    }

    @AfterContainer
    static void clean() throws IOException {
        try (Stream<Path> s = Files.walk(dir.getParent())) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Property(tries = 10_000, shrinking = ShrinkingMode.OFF)
    void mutatedIndexOpensOrNamesAFile(@ForAll long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        Path file = dir.resolve("model.safetensors.index.json");
        String text = mutate(r);
        Files.writeString(file, text);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (ModelFolder f = ModelFolder.open(dir)) {
                // Whatever the index lists is there; shards are read whole, so nothing is lost either.
                assertEquals(tensorCount, f.tensors().size());
                for (TensorData t : f.tensors().values()) assertTrue(t.file().startsWith(dir), t.file().toString());
            } catch (ModelFormatException e) {
                assertTrue(e.getMessage() != null && e.getMessage().contains(dir.toString()), "no file named: " + e.getMessage());
            } catch (Throwable t) {
                fail("seed " + seed + ": unexpected " + t + " for " + text, t);
            }
        });
    }

    @Example
    void shardOutsideTheFolderIsRefused() throws IOException {
        for (String shard : new String[] {"../outside.safetensors", "/etc/hostname", "a/../../outside.safetensors", "x\u0000y"}) {
            ObjectNode i = index.deepCopy();
            ((ObjectNode) i.get("weight_map")).put(names.getFirst(), shard);
            Files.writeString(dir.resolve("model.safetensors.index.json"), i.toString());
            ModelFormatException e = org.junit.jupiter.api.Assertions.assertThrows(ModelFormatException.class, () -> ModelFolder.open(dir).close());
            assertTrue(e.getMessage().contains("model.safetensors.index.json"), e.getMessage());
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());
    }

    private static String mutate(SplittableRandom r) {
        ObjectNode i = index.deepCopy();
        ObjectNode map = (ObjectNode) i.get("weight_map");
        String name = names.get(r.nextInt(names.size()));
        String[] shards = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model-00003-of-00002.safetensors",
                "../outside.safetensors", "/etc/hostname", ".", "", "config.json", "tokenizer.json", "x\u0000y", "sub/../model-00001-of-00002.safetensors",
                "model.safetensors.index.json", "generation_config.json", "\u00e9\u4e2d.safetensors"};
        switch (r.nextInt(8)) {
            case 0 -> map.put(name, shards[r.nextInt(shards.length)]);
            case 1 -> map.set(name, ModelConfigFuzzTest.oddValue(r));
            case 2 -> map.remove(name);
            case 3 -> map.put("model.invented." + r.nextInt(100) + ".weight", shards[r.nextInt(2)]);
            case 4 -> i.set("weight_map", ModelConfigFuzzTest.oddValue(r));
            case 5 -> i.remove("weight_map");
            case 6 -> {
                return ModelConfigFuzzTest.textMutation(r, i.toString());
            }
            default -> {
                return new String[] {"[]", "null", "", "{", "{\"weight_map\":" + "[".repeat(3000) + "]".repeat(3000) + "}",
                        JsonNodeFactory.instance.arrayNode().add(i).toString()}[r.nextInt(6)];
            }
        }
        return i.toString();
    }
}
