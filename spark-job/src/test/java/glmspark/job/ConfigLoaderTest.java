package glmspark.job;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    @TempDir
    Path tmp;

    private Path yaml(String text) throws Exception {
        Path f = tmp.resolve("job.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void readsYamlThenFlagsThenOverrides() throws Exception {
        Path f = yaml("""
                model: models/a
                datasets:
                  - manifest: aime2024
                    limit: 3
                sampling: {temperature: 0.6, top_p: 0.95}
                passes:
                  - {name: greedy, do_sample: false}
                  - {name: sampled, n: 4}
                n: 2
                """);
        JobConfig c = ConfigLoader.fromArgs(f.toString(), "--model", "models/b", "--n", "3", "--seed=7",
                "--max-new-tokens", "99", "--format", "jsonl", "--conf", "sampling.top_k=40",
                "--conf", "passes.1.temperature=0.8", "--conf", "datasets.0.fields.gold=solution",
                "--conf", "stop=[\"</s>\", \"###\"]", "--conf", "spark.spark.executor.cores=4");
        assertEquals("models/b", c.model);
        assertEquals(3, c.n);
        assertEquals(7L, c.seed);
        assertEquals(99, c.maxNewTokens);
        assertEquals("jsonl", c.format);
        assertEquals(40, c.sampling.topK);
        assertEquals(0.6, c.sampling.temperature);
        assertEquals(0.8, c.passes.get(1).temperature);
        assertEquals(4, c.passes.get(1).n);
        assertEquals(false, c.passes.get(0).doSample);
        assertEquals("aime2024", c.datasets.get(0).manifest);
        assertEquals(3, c.datasets.get(0).limit);
        assertEquals("solution", c.datasets.get(0).fields.gold);
        assertEquals(List.of("</s>", "###"), c.stop);
        assertEquals("4", c.spark.get("spark.executor.cores"));
        assertTrue(c.resume);
        assertFalse(c.specialInContent);
    }

    @Test
    void datasetFlagsReplaceTheFileListAndTellManifestFromPath() throws Exception {
        Path f = yaml("model: m\ndatasets: [{manifest: math500}]\n");
        JobConfig c = ConfigLoader.fromArgs(f.toString(), "--dataset", "gsm8k", "--dataset", "data/x.jsonl");
        assertEquals(2, c.datasets.size());
        assertEquals("gsm8k", c.datasets.get(0).manifest);
        assertNull(c.datasets.get(0).path);
        assertEquals("data/x.jsonl", c.datasets.get(1).path);
    }

    @Test
    void overrideAppendsAListEntryAtTheNextIndex() throws Exception {
        JobConfig c = ConfigLoader.fromArgs("--model", "m", "--conf", "datasets.0.path=a.jsonl",
                "--conf", "datasets.1.manifest=demo", "--conf", "passes.0.name=g", "--conf", "passes.0.do_sample=false");
        assertEquals(2, c.datasets.size());
        assertEquals("demo", c.datasets.get(1).manifest);
        assertEquals("g", c.passes.get(0).name);
    }

    @Test
    void validationNamesTheField() throws Exception {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.fromArgs("--model", "m", "--dataset", "d.jsonl", "--conf", "sampling.top_p=1.5"));
        assertTrue(e.getMessage().contains("sampling.top_p"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.fromArgs("--dataset", "d.jsonl"));
        assertTrue(e.getMessage().contains("model"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.fromArgs("--model", "m", "--dataset", "d.jsonl", "--conf", "passes.0.n=2"));
        assertTrue(e.getMessage().contains("passes[0].name"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.fromArgs("--model", "m", "--dataset", "d.jsonl", "--format", "csv"));
        assertTrue(e.getMessage().contains("format"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.fromArgs("--model", "m", "--dataset", "d.jsonl", "--conf", "sampling.temprature=1"));
        assertTrue(e.getMessage().contains("temprature"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.fromArgs("--model", "m", "--dataset", "d.jsonl", "--n", "many"));
        assertTrue(e.getMessage().contains("'n'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.fromArgs("--model", "m", "--bogus", "1"));
        assertTrue(e.getMessage().contains("--bogus"), e.getMessage());
    }

    @Test
    void shippedConfigurationsParseAndValidate() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        for (String name : List.of("default.yaml", "glm-z1-9b-aime.yaml", "glm-z1-32b-math500.yaml", "glm-z1-9b-gpu.yaml")) {
            JobConfig c = ConfigLoader.fromArgs(root.resolve("conf").resolve(name).toString());
            assertFalse(c.datasets.isEmpty(), name);
        }
    }
}
