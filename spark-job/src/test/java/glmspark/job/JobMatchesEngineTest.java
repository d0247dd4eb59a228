package glmspark.job;

import glmspark.exec.Seeds;
import glmspark.generate.Completion;
import glmspark.generate.Engine;
import glmspark.generate.EngineOptions;
import glmspark.generate.GenerationRequest;
import glmspark.generate.Prompt;
import glmspark.sampling.SamplingParams;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The job over a few dozen prompts on the fixture model gives, row for row, what the engine gives alone for the
 * same prompts, seeds and settings: nothing in partitioning, batching across tasks or result assembly changes a
 * generation.
 */
class JobMatchesEngineTest {

    @TempDir
    Path tmp;

    private final SparkSession spark = SharedSpark.get();

    @Test
    void jobRowsEqualTheEngineAlone() throws Exception {
        Path model = Path.of(getClass().getResource("/glm4-tiny/config.json").toURI()).getParent();
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 30; i++) lines.add("{\"id\":\"p" + i + "\",\"question\":\"What is " + i + " times " + (i + 3) + "?\",\"answer\":\"" + i * (i + 3) + "\"}");
        Path data = tmp.resolve("few.jsonl");
        Files.write(data, lines);
        long seed = 77;
        SamplingParams sampled = new SamplingParams(true, 0.8, 40, 0.95, 0.0, 1.0);
        JobConfig cfg = ConfigLoader.fromArgs("--model", model.toString(), "--dataset", data.toString(),
                "--output", tmp.resolve("out").toString(), "--seed", Long.toString(seed), "--max-new-tokens", "20",
                "--conf", "passes.0.name=greedy", "--conf", "passes.0.do_sample=false",
                "--conf", "passes.1.name=sampled", "--conf", "passes.1.n=2", "--conf", "passes.1.do_sample=true",
                "--conf", "passes.1.temperature=0.8", "--conf", "passes.1.top_k=40", "--conf", "passes.1.top_p=0.95",
                "--conf", "partitions=3");
        GlmSparkJob.run(spark, cfg);

        Map<String, String> fromJob = new TreeMap<>();
        String dataset = null;
        for (Row r : spark.read().parquet(tmp.resolve("out/results").toString()).collectAsList()) {
            dataset = r.getAs("dataset");
            fromJob.put(r.getAs("pass") + "/" + r.getAs("id") + "/" + r.getAs("sample_index"),
                    r.getAs("finish_reason") + "|" + r.getAs("reasoning") + "|" + r.getAs("answer"));
        }
        assertEquals(30 * 3, fromJob.size());

        Map<String, String> alone = new TreeMap<>();
        try (Engine engine = Engine.open(EngineOptions.of(model).withThreads(1))) {
            for (int i = 1; i <= 30; i++) {
                String id = "p" + i;
                Prompt p = engine.encodeChat(List.of(Map.of("role", "user", "content", "What is " + i + " times " + (i + 3) + "?")), false);
                for (String pass : List.of("greedy", "sampled")) {
                    boolean greedy = pass.equals("greedy");
                    GenerationRequest req = new GenerationRequest(id, p.ids(), greedy ? SamplingParams.greedy() : sampled,
                            Seeds.rowSeed(seed, dataset, id), greedy ? 1 : 2, 20, List.of());
                    for (Completion c : engine.submit(req, null).get()) {
                        var g = engine.interpret(p, c);
                        alone.put(pass + "/" + id + "/" + c.sampleIndex(), c.finishReason().wire() + "|" + g.reasoning() + "|" + g.answer());
                    }
                }
            }
        }
        assertEquals(alone, fromJob);
    }
}
