package glmspark.job;

import glmspark.exec.EngineHolder;
import glmspark.exec.FakeRowGenerator;
import glmspark.io.ProgressStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The whole driver on local[2] with the deterministic fake generator. */
class GlmSparkJobTest {

    @TempDir
    Path tmp;

    private final SparkSession spark = SharedSpark.get();

    @BeforeEach
    void reset() {
        EngineHolder.clear();
        FakeRowGenerator.delayMillis = 0;
    }

    static String modelDir() throws Exception {
        return Path.of(GlmSparkJobTest.class.getResource("/glm4-tiny/config.json").toURI()).getParent().toString();
    }

    private JobConfig config(Path data, String out) throws Exception {
        JobConfig c = ConfigLoader.fromArgs("--model", modelDir(), "--dataset", data.toString(),
                "--output", tmp.resolve(out).toString(), "--seed", "11",
                "--conf", "passes.0.name=greedy", "--conf", "passes.0.do_sample=false",
                "--conf", "passes.1.name=sampled", "--conf", "passes.1.n=2", "--conf", "passes.1.do_sample=true",
                "--conf", "partitions=3", "--conf", "progress_rows=2", "--conf", "report_seconds=1",
                "--conf", "generator=glmspark.exec.FakeRowGenerator$Factory");
        return c;
    }

    private Path jsonl(String name, List<String> lines) throws Exception {
        Path f = tmp.resolve(name);
        Files.write(f, lines);
        return f;
    }

    private Path goodRows(int count) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            String q = "question number " + i;
            lines.add("{\"id\":\"q" + i + "\",\"question\":\"" + q + "\",\"answer\":\"" + q.length() + "\",\"kind\":\"k" + (i % 2) + "\"}");
        }
        return jsonl("good.jsonl", lines);
    }

    @Test
    void everyInputRowAppearsOnceAndBadRowsBecomeErrorRows() throws Exception {
        Path data = jsonl("mixed.jsonl", List.of(
                "{\"id\":\"a\",\"question\":\"what is 1\",\"answer\":\"9\",\"kind\":\"easy\"}",
                "{\"id\":\"b\",\"question\":\"what is 22\",\"answer\":\"0\"}",
                "{\"id\":\"c\", this is not json",
                "",
                "{\"id\":\"d\",\"answer\":\"1\"}",
                "{\"id\":\"a\",\"question\":\"again\",\"answer\":\"1\"}",
                "{\"id\":\"e\",\"question\":\"please FAIL here\",\"answer\":\"1\"}",
                "[1,2]"));
        GlmSparkJob.Summary s = GlmSparkJob.run(spark, config(data, "mixed"));
        List<Row> rows = spark.read().parquet(tmp.resolve("mixed/results").toString()).collectAsList();

        // 7 input rows (the blank line is not a row) x (greedy n=1 + sampled n=2).
        assertEquals(7 * 3, rows.size());
        Set<String> keys = new HashSet<>();
        for (Row r : rows) keys.add(r.getAs("pass") + "/" + r.getAs("id") + "/" + r.getAs("sample_index"));
        assertEquals(rows.size(), keys.size());

        Map<String, String> errorById = new java.util.HashMap<>();
        for (Row r : rows) errorById.put(r.getAs("id"), r.getAs("error"));
        assertNull(errorById.get("a"));
        assertNull(errorById.get("b"));
        assertTrue(errorById.get("mixed.jsonl:3").contains("malformed JSON") && errorById.get("mixed.jsonl:3").contains("line 3"),
                errorById.get("mixed.jsonl:3"));
        assertTrue(errorById.get("d").contains("no prompt"), errorById.get("d"));
        assertTrue(errorById.get("a#2").contains("duplicate id"), errorById.get("a#2"));
        assertTrue(errorById.get("e").contains("prompt asks to fail"), errorById.get("e"));
        assertTrue(errorById.get("mixed.jsonl:8").contains("not a JSON object"), errorById.get("mixed.jsonl:8"));

        Row a = rows.stream().filter(r -> r.getAs("id").equals("a") && r.getAs("pass").equals("greedy")).findFirst().orElseThrow();
        // The fake answers \boxed{length of the user message}; the template-free message is the question itself.
        assertEquals("9", a.getAs("extracted"));
        assertEquals(true, a.getAs("correct"));
        assertEquals("easy", a.<scala.collection.Map<String, String>>getAs("extra").get("kind").get());
        assertEquals("stop", a.getAs("finish_reason"));
        assertEquals(s.runId(), a.getAs("run_id"));

        assertEquals(21, s.scores().get("rows").asLong());
        // Metrics per pass over the rows with a gold answer: a, b, d, a#2, e (the two unparsable lines have none).
        var greedy = s.scores().get("metrics").get("greedy").get(0);
        assertEquals("mixed", greedy.get("dataset").asText());
        assertEquals(5, greedy.get("prompts").asInt());
        // Only a is right: b's gold is 0, the others failed.
        assertEquals(0.2, greedy.get("pass1").asDouble(), 1e-12);
        assertEquals(2, s.scores().get("metrics").get("sampled").get(0).get("samplesPerPrompt").asInt());
        assertEquals(5 * 3, s.scores().get("errors").asLong());
        assertTrue(Files.exists(tmp.resolve("mixed/results.jsonl")) == false, "parquet format writes no JSONL");
        assertTrue(Files.exists(tmp.resolve("mixed/scores.json")));
        assertTrue(Files.readString(tmp.resolve("mixed/report.md")).contains("## Summary"));
        assertTrue(spark.read().parquet(tmp.resolve("mixed/scores").toString()).count() > 0);
        assertTrue(Files.readString(tmp.resolve("mixed/report.html")).contains("<svg"));
        assertTrue(Files.readString(tmp.resolve("mixed/manifest.json")).contains("\"status\" : \"finished\""));
    }

    @Test
    void engineOpensOncePerJvmAlthoughManyTasksRun() throws Exception {
        int opens = FakeRowGenerator.OPENS.get(), loads = EngineHolder.loads();
        JobConfig c = config(goodRows(16), "once");
        c.partitions = 6;
        GlmSparkJob.run(spark, c);
        assertEquals(1, FakeRowGenerator.OPENS.get() - opens);
        assertEquals(1, EngineHolder.loads() - loads);
    }

    @Test
    void speculationIsRefused() {
        var e = assertThrows(IllegalStateException.class,
                () -> GlmSparkJob.refuseSpeculation(new SparkConf().set("spark.speculation", "true")));
        assertTrue(e.getMessage().contains("spark.speculation"));
        GlmSparkJob.refuseSpeculation(new SparkConf().set("spark.speculation", "false"));
    }

    @Test
    void resumeGeneratesOnlyUnfinishedSamplesAndMatchesAnUninterruptedRun() throws Exception {
        Path data = goodRows(12);
        int total = 12 * 3;

        int before = FakeRowGenerator.SAMPLES.get();
        GlmSparkJob.run(spark, config(data, "whole"));
        assertEquals(total, FakeRowGenerator.SAMPLES.get() - before);

        // Interrupted run: cancel the job once some samples are checkpointed.
        EngineHolder.clear();
        FakeRowGenerator.delayMillis = 80;
        JobConfig cut = config(data, "cut");
        CompletableFuture<Object> run = CompletableFuture.supplyAsync(() -> {
            try {
                return GlmSparkJob.run(spark, cut);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        FileSystem fs = ProgressStore.fs(cut.output, new Configuration());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (ProgressStore.list(fs, ProgressStore.dir(cut.output)).stream().mapToInt(ProgressStore.FileInfo::rows).sum() < 6) {
            assertTrue(System.nanoTime() < deadline, "no progress within 60 s");
            Thread.sleep(20);
        }
        spark.sparkContext().cancelAllJobs();
        assertThrows(ExecutionException.class, run::get);
        // Cancelled tasks stop at their next check and save what they hold; wait for them.
        while (java.util.Arrays.stream(spark.sparkContext().statusTracker().getExecutorInfos()).anyMatch(x -> x.numRunningTasks() > 0)) {
            Thread.sleep(20);
        }
        int finished = ProgressStore.finishedKeys(fs, ProgressStore.dir(cut.output)).size();
        assumeTrue(finished < total, "the job finished before it could be cancelled");
        assertTrue(finished >= 6);
        assertTrue(Files.readString(tmp.resolve("cut/manifest.json")).contains("\"status\" : \"failed\""));

        // Resume. (A cancelled task may still save what it holds after the job reports failure, so the resume's
        // own count of finished samples is the reference; it can only have grown.)
        EngineHolder.clear();
        FakeRowGenerator.delayMillis = 0;
        before = FakeRowGenerator.SAMPLES.get();
        GlmSparkJob.Summary resumed = GlmSparkJob.run(spark, config(data, "cut"));
        int generated = FakeRowGenerator.SAMPLES.get() - before;
        assertEquals(resumed.samplesGenerated(), generated);
        assertTrue(generated <= total - finished, generated + " generated, " + finished + " were finished");

        assertEquals(rowsWithoutRunId("whole"), rowsWithoutRunId("cut"));

        // A second resume has nothing left to generate.
        before = FakeRowGenerator.SAMPLES.get();
        GlmSparkJob.run(spark, config(data, "cut"));
        assertEquals(0, FakeRowGenerator.SAMPLES.get() - before);
    }

    @Test
    void resumeRefusesAChangedFingerprintUnlessAllowed() throws Exception {
        Path data = goodRows(3);
        GlmSparkJob.run(spark, config(data, "fp"));
        JobConfig changed = config(data, "fp");
        changed.passes.get(1).temperature = 0.3;
        var e = assertThrows(IllegalStateException.class, () -> GlmSparkJob.run(spark, changed));
        assertTrue(e.getMessage().contains("passes"), e.getMessage());
        changed.allowFingerprintMismatch = true;
        int before = FakeRowGenerator.SAMPLES.get();
        GlmSparkJob.run(spark, changed);
        assertEquals(0, FakeRowGenerator.SAMPLES.get() - before);
        // resume: false starts over.
        changed.resume = false;
        GlmSparkJob.run(spark, changed);
        assertEquals(9, FakeRowGenerator.SAMPLES.get() - before);
    }

    @Test
    void jsonlFormatWritesEveryColumnOnEveryLine() throws Exception {
        JobConfig c = config(goodRows(2), "js");
        c.format = "jsonl";
        GlmSparkJob.run(spark, c);
        List<String> lines = Files.readAllLines(tmp.resolve("js/results.jsonl"));
        assertEquals(6, lines.size());
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(0));
        for (String col : List.of("run_id", "pass", "dataset", "id", "sample_index", "seed", "prompt", "rendered_prompt",
                "rendered_prompt_tokens", "reasoning", "answer", "reasoning_closed", "finish_reason", "prompt_tokens",
                "reasoning_tokens", "answer_tokens", "latency_ms", "gold", "extracted", "correct", "error", "extra")) {
            assertTrue(node.has(col), col);
        }
        assertNotNull(node.get("rendered_prompt_tokens").get(0));
        assertFalse(node.get("seed").isNull());
    }

    private List<String> rowsWithoutRunId(String out) {
        List<String> res = new ArrayList<>();
        for (Row r : spark.read().parquet(tmp.resolve(out + "/results").toString()).drop("run_id")
                .orderBy("pass", "dataset", "id", "sample_index").collectAsList()) {
            res.add(r.toString());
        }
        return res;
    }
}
