package glmspark.io;

import glmspark.job.JobConfig;
import glmspark.job.SharedSpark;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DatasetReaderTest {

    @TempDir
    Path tmp;

    private final SparkSession spark = SharedSpark.get();

    private static JobConfig.DatasetSpec spec(String path) throws Exception {
        JobConfig.DatasetSpec d = new JobConfig.DatasetSpec();
        d.path = path;
        return DatasetReader.resolve(d, "../datasets", 0);
    }

    @Test
    void jsonlMapsDefaultFieldsAppliesTheTemplateAndCarriesExtras() throws Exception {
        Path f = tmp.resolve("t.jsonl");
        Files.write(f, List.of(
                "{\"id\":7,\"problem\":\"2+2?\",\"answer\":\"#### 4\",\"level\":3}",
                "{\"id\":\"c\",\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"hi\"}]}",
                "{\"id\":\"m\",\"messages\":[{\"role\":\"user\"}]}"));
        JobConfig.DatasetSpec d = spec(f.toString());
        d.template = "Q: {prompt}";
        d.goldAfter = "####";
        List<PromptRow> rows = DatasetReader.read(spark, d);
        assertEquals(3, rows.size());
        PromptRow a = rows.get(0);
        assertEquals("t", a.dataset());
        assertEquals("7", a.id());
        assertEquals("2+2?", a.prompt());
        assertEquals(List.of(Map.of("role", "user", "content", "Q: 2+2?")), a.messages());
        assertEquals("4", a.gold());
        assertEquals(Map.of("level", "3"), a.extra());
        assertNull(a.error());
        assertEquals(2, rows.get(1).messages().size());
        assertEquals("hi", rows.get(1).prompt());
        assertTrue(rows.get(2).error().contains("'content'"), rows.get(2).error());
    }

    @Test
    void csvAndParquetUseTheFieldMappingAndLimit() throws Exception {
        StructType schema = new StructType().add("key", DataTypes.StringType).add("q", DataTypes.StringType)
                .add("gold", DataTypes.StringType).add("topic", DataTypes.StringType);
        var df = spark.createDataFrame(List.of(RowFactory.create("k1", "first, \"quoted\"\nline", "1", "alg"),
                RowFactory.create("k2", "second", "2", "geo"), RowFactory.create("k3", null, "3", "geo")), schema);
        df.coalesce(1).write().parquet(tmp.resolve("p.parquet").toString());
        df.coalesce(1).write().option("header", "true").option("escape", "\"").csv(tmp.resolve("c.csv").toString());

        for (String name : List.of("p.parquet", "c.csv")) {
            JobConfig.DatasetSpec d = spec(tmp.resolve(name).toString());
            d.fields.id = "key";
            d.fields.prompt = "q";
            d.fields.gold = "gold";
            List<PromptRow> rows = DatasetReader.read(spark, d);
            assertEquals(3, rows.size(), name);
            assertEquals("first, \"quoted\"\nline", rows.get(0).prompt(), name);
            assertEquals(Map.of("topic", "alg"), rows.get(0).extra(), name);
            assertTrue(rows.get(2).error().contains("no prompt"), name);
            d.limit = 2;
            assertEquals(2, DatasetReader.read(spark, d).size(), name);
        }
    }

    @Test
    void manifestsReadTheSharedBenchmarks() throws Exception {
        Path shared = Path.of("..", "..", "shared", "datasets").toAbsolutePath().normalize();
        assumeTrue(Files.isDirectory(shared), "../shared/datasets (next to the repository) is absent");
        Map<String, Integer> sizes = Map.of("aime2024", 30, "aime2025", 30, "math500", 500, "gsm8k", 1319);
        for (var e : sizes.entrySet()) {
            JobConfig.DatasetSpec given = new JobConfig.DatasetSpec();
            given.manifest = e.getKey();
            JobConfig.DatasetSpec d = DatasetReader.resolve(given, "../datasets", 0);
            List<PromptRow> rows = DatasetReader.read(spark, d);
            assertEquals(e.getValue(), rows.size(), e.getKey());
            for (PromptRow r : rows) {
                assertNull(r.error(), r.id());
                assertTrue(r.messages().getFirst().get("content").endsWith("within \\boxed{}."), r.id());
                assertTrue(r.gold() != null && !r.gold().isBlank(), r.id());
            }
        }
    }
}
