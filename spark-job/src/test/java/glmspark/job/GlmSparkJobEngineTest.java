package glmspark.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.exec.EngineHolder;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job with the real engine on the committed demo model, checked against the transformers reference
 * (engine/src/test/resources/demo/demo_greedy.json: rendered prompt, input ids, greedy text).
 */
class GlmSparkJobEngineTest {

    static final int CASES = 4;

    @TempDir
    Path tmp;

    private final SparkSession spark = SharedSpark.get();

    @Test
    void greedyPassReproducesTheTransformersReferenceAndSamplingIgnoresPartitioning() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        JsonNode ref = new ObjectMapper().readTree(root.resolve("engine/src/test/resources/demo/demo_greedy.json").toFile());
        List<String> lines = new ArrayList<>();
        ObjectMapper om = new ObjectMapper();
        for (int i = 0; i < CASES; i++) {
            JsonNode c = ref.get("cases").get(i);
            ObjectNode o = om.createObjectNode();
            o.put("id", c.get("id").asText());
            o.put("question", c.get("messages").get(0).get("content").asText());
            o.put("answer", c.get("answer").asText());
            lines.add(om.writeValueAsString(o));
        }
        Path data = tmp.resolve("demo.jsonl");
        Files.write(data, lines);

        EngineHolder.clear();
        int loads = EngineHolder.loads();
        JobConfig a = cfg(root, data, "a", 1);
        GlmSparkJob.run(spark, a);
        JobConfig b = cfg(root, data, "b", 3);
        GlmSparkJob.run(spark, b);
        assertEquals(1, EngineHolder.loads() - loads, "one engine for both runs and all their tasks");

        List<Row> rows = spark.read().parquet(tmp.resolve("a/results").toString()).where("pass = 'greedy'").orderBy("id").collectAsList();
        assertEquals(CASES, rows.size());
        for (int i = 0; i < CASES; i++) {
            JsonNode c = ref.get("cases").get(i);
            Row r = rows.get(i);
            assertEquals(c.get("id").asText(), r.getAs("id"));
            assertEquals((Object) null, r.getAs("error"));
            assertEquals(c.get("rendered").asText(), r.getAs("rendered_prompt"));
            List<Integer> ids = new ArrayList<>();
            for (JsonNode x : c.get("input_ids")) ids.add(x.asInt());
            assertEquals(ids, r.getList(r.fieldIndex("rendered_prompt_tokens")));
            String text = c.get("greedy_text_skip_special").asText();
            String answer = text.substring(text.indexOf("</think>") + "</think>".length()).trim();
            assertEquals(answer, r.getAs("answer"), c.get("id").asText());
            assertTrue(text.contains(r.<String>getAs("reasoning").trim()), c.get("id").asText());
            assertEquals(true, r.getAs("reasoning_closed"));
            assertEquals("stop", r.getAs("finish_reason"));
            assertEquals(c.get("answer").asText(), r.getAs("extracted"));
            assertEquals(c.get("correct").asBoolean(), r.<Boolean>getAs("correct"));
            assertEquals(c.get("greedy_new_ids").size() - 1, r.<Integer>getAs("reasoning_tokens") + r.<Integer>getAs("answer_tokens"),
                    "generated tokens without the final eos");
        }

        // Sampled samples depend on (seed, row, sample index) only: 1 partition and 3 partitions agree.
        assertEquals(sampled("a"), sampled("b"));
    }

    private JobConfig cfg(Path root, Path data, String out, int partitions) throws Exception {
        JobConfig c = ConfigLoader.fromArgs("--model", root.resolve("models/glm-z1-demo").toString(),
                "--dataset", data.toString(), "--output", tmp.resolve(out).toString(), "--seed", "5",
                "--max-new-tokens", "256", "--conf", "backend=cpu", "--conf", "threads=2",
                "--conf", "passes.0.name=greedy", "--conf", "passes.0.do_sample=false",
                "--conf", "passes.1.name=sampled", "--conf", "passes.1.n=2", "--conf", "passes.1.do_sample=true",
                "--conf", "passes.1.temperature=1.2");
        c.partitions = partitions;
        return c;
    }

    private List<String> sampled(String out) {
        List<String> res = new ArrayList<>();
        for (Row r : spark.read().parquet(tmp.resolve(out + "/results").toString()).where("pass = 'sampled'")
                .select("id", "sample_index", "seed", "reasoning", "answer", "finish_reason").orderBy("id", "sample_index").collectAsList()) {
            res.add(r.toString());
        }
        return res;
    }
}
