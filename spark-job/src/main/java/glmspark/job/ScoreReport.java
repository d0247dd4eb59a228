package glmspark.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.util.List;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * OUTPUT/scores.json and the table printed at the end, computed from the written results (never from a second
 * inference). Accuracy = correct / rows with a gold answer; failed samples count as wrong.
 * SEAM: glmspark.score.Metrics (pass@k, majority vote) replaces the per-group numbers here when it lands.
 */
public final class ScoreReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ScoreReport() {
    }

    public static ObjectNode compute(Dataset<Row> results) {
        List<Row> groups = results.groupBy("pass", "dataset").agg(
                        count(lit(1)).as("rows"),
                        sum(when(col("error").isNotNull(), 1).otherwise(0)).as("errors"),
                        sum(when(col("gold").isNotNull(), 1).otherwise(0)).as("graded"),
                        sum(when(col("correct"), 1).otherwise(0)).as("correct"),
                        avg(when(col("error").isNull(), col("reasoning_closed").cast("double"))).as("closed"),
                        sum(col("reasoning_tokens").plus(col("answer_tokens"))).as("tokens"))
                .orderBy("pass", "dataset").collectAsList();
        ObjectNode root = JSON.createObjectNode();
        long rows = 0, errors = 0, tokens = 0;
        ArrayNode arr = root.putArray("groups");
        ObjectNode acc = JSON.createObjectNode();
        for (Row g : groups) {
            long r = g.getLong(2), e = g.getLong(3), graded = g.getLong(4), correct = g.getLong(5);
            long t = g.isNullAt(7) ? 0 : g.getLong(7);
            ObjectNode o = arr.addObject();
            o.put("pass", g.getString(0)).put("dataset", g.getString(1)).put("rows", r).put("errors", e)
                    .put("graded", graded).put("correct", correct);
            if (graded > 0) {
                o.put("accuracy", (double) correct / graded);
                acc.with(g.getString(1)).put(g.getString(0), (double) correct / graded);
            } else {
                o.putNull("accuracy");
            }
            if (!g.isNullAt(6)) o.put("reasoning_closed_rate", g.getDouble(6));
            o.put("generated_tokens", t);
            rows += r;
            errors += e;
            tokens += t;
        }
        root.put("rows", rows).put("errors", errors).put("generated_tokens", tokens);
        root.set("accuracy", acc);
        return root;
    }

    public static void write(FileSystem fs, Path file, ObjectNode scores) throws IOException {
        try (FSDataOutputStream os = fs.create(file, true)) {
            os.write(JSON.writeValueAsBytes(scores));
        }
    }

    public static String table(ObjectNode scores) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-12s %-14s %7s %7s %8s %9s %8s%n", "pass", "dataset", "rows", "errors", "correct", "accuracy", "closed"));
        for (var g : scores.withArray("groups")) {
            sb.append(String.format("%-12s %-14s %7d %7d %8d %9s %8s%n", g.get("pass").asText(), g.get("dataset").asText(),
                    g.get("rows").asLong(), g.get("errors").asLong(), g.get("correct").asLong(),
                    g.get("accuracy").isNull() ? "-" : String.format("%.3f", g.get("accuracy").asDouble()),
                    g.has("reasoning_closed_rate") ? String.format("%.2f", g.get("reasoning_closed_rate").asDouble()) : "-"));
        }
        sb.append(String.format("total rows %d, errors %d, generated tokens %d%n", scores.get("rows").asLong(),
                scores.get("errors").asLong(), scores.get("generated_tokens").asLong()));
        return sb.toString();
    }
}
