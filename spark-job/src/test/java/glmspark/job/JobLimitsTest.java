package glmspark.job;

import glmspark.exec.EngineHolder;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The job's input limits: rows past them are error rows naming the limit, a pass past max_n is a config error. */
class JobLimitsTest {

    @TempDir
    Path tmp;

    private final SparkSession spark = SharedSpark.get();

    private JobConfig config(Path data, String... conf) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--model", GlmSparkJobTest.modelDir(), "--dataset", data.toString(),
                "--output", tmp.resolve("out").toString(), "--conf", "generator=glmspark.exec.FakeRowGenerator$Factory",
                "--conf", "partitions=2"));
        for (String c : conf) {
            args.add("--conf");
            args.add(c);
        }
        return ConfigLoader.fromArgs(args.toArray(String[]::new));
    }

    @Test
    void rowsPastMaxPromptCharsAndMaxRowsBecomeErrorRowsAndTheJobFinishes() throws Exception {
        Path data = tmp.resolve("lim.jsonl");
        Files.write(data, List.of(
                "{\"id\":\"short\",\"question\":\"what is 1\",\"answer\":\"9\"}",
                "{\"id\":\"long\",\"question\":\"" + "x".repeat(21) + "\",\"answer\":\"1\"}",
                "{\"id\":\"edge\",\"question\":\"" + "y".repeat(20) + "\",\"answer\":\"20\"}",
                "{\"id\":\"late\",\"question\":\"q\",\"answer\":\"1\"}"));
        JobConfig c = config(data, "max_prompt_chars=20", "max_rows=3", "n=2");
        GlmSparkJob.Summary s = GlmSparkJob.run(spark, c);
        List<Row> rows = spark.read().parquet(tmp.resolve("out/results").toString()).collectAsList();
        assertEquals(4 * 2, rows.size(), "every input row, each sample, exactly once");
        Map<String, String> errors = new HashMap<>();
        for (Row r : rows) errors.put(r.getAs("id"), r.getAs("error"));
        assertNull(errors.get("short"));
        assertNull(errors.get("edge"));
        assertTrue(errors.get("long").contains("21 characters, more than max_prompt_chars (20)"), errors.get("long"));
        assertTrue(errors.get("lim.jsonl:4").contains("past max_rows (3)"), errors.get("lim.jsonl:4"));
        assertEquals(2 * 2, s.samplesGenerated());
    }

    @Test
    void nAboveMaxNIsAConfigErrorNamingTheField() throws Exception {
        Path data = tmp.resolve("d.jsonl");
        Files.writeString(data, "{\"question\":\"q\"}\n");
        var e = assertThrows(IllegalArgumentException.class, () -> config(data, "n=1025"));
        assertEquals("config: n must be <= max_n (1024), got 1025", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> config(data, "max_n=8", "passes.0.name=a", "passes.0.n=9"));
        assertEquals("config: passes[0].n must be <= max_n (8), got 9", e.getMessage());
        assertEquals(1024, config(data, "n=1024").n);
        for (String bad : List.of("max_n=0", "max_prompt_chars=0", "max_prompt_tokens=-1", "max_rows=-1")) {
            e = assertThrows(IllegalArgumentException.class, () -> config(data, bad));
            assertTrue(e.getMessage().startsWith("config: " + bad.substring(0, bad.indexOf('=')) + " "), e.getMessage());
        }
    }

    @Test
    void maxPromptTokensReachesTheExecutorsGenerator() throws Exception {
        // The real engine on the tiny model: every chat renders to more than 3 tokens.
        Path data = tmp.resolve("t.jsonl");
        Files.write(data, List.of("{\"id\":\"a\",\"question\":\"hello\"}", "{\"id\":\"b\",\"question\":\"there\"}"));
        EngineHolder.clear();
        JobConfig c = config(data, "generator=glmspark.exec.EngineRowGenerator$Factory", "backend=cpu", "threads=1",
                "max_prompt_tokens=3", "max_new_tokens=2");
        GlmSparkJob.run(spark, c);
        List<Row> rows = spark.read().parquet(tmp.resolve("out/results").toString()).collectAsList();
        assertEquals(2, rows.size());
        for (Row r : rows) {
            String err = r.getAs("error");
            assertTrue(err != null && err.contains("longer than max_prompt_tokens (3)"), err);
        }
    }
}
