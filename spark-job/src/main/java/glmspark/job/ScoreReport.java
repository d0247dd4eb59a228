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
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import glmspark.score.GroupScore;
import glmspark.score.Metrics;
import glmspark.score.ScoredSample;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * OUTPUT/scores.json and the table printed at the end, computed from the written results (never from a second
 * inference). Accuracy = correct / rows with a gold answer; failed samples count as wrong.
 * {@code metrics} adds, per pass, {@link Metrics}' groups (dataset, then subject and level when the input has
 * such columns): pass@1 with its standard error and bootstrap interval, maj@k and unbiased pass@k.
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
        root.set("metrics", metrics(results));
        return root;
    }

    /** Metrics per pass, from the results' grading columns (no text leaves the executors). */
    static ObjectNode metrics(Dataset<Row> results) {
        ObjectNode out = JSON.createObjectNode();
        for (Map.Entry<String, List<ScoredSample>> e : samplesByPass(results).entrySet()) {
            List<GroupScore> groups = Metrics.compute(e.getValue(), 0L);
            out.set(e.getKey(), JSON.valueToTree(groups));
        }
        return out;
    }

    /** The graded samples (rows with a gold answer) of each pass, in pass order. */
    public static Map<String, List<ScoredSample>> samplesByPass(Dataset<Row> results) {
        Map<String, List<ScoredSample>> byPass = new TreeMap<>();
        List<Row> rows = results.select(col("pass"), col("dataset"), col("id"), col("sample_index"),
                col("extra").getItem("subject"), col("extra").getItem("level"), col("extracted"), col("correct"),
                col("reasoning_closed"), col("finish_reason"), col("error"), col("reasoning_tokens"), col("answer_tokens"),
                col("gold")).collectAsList();
        for (Row r : rows) {
            if (r.isNullAt(13)) continue; // nothing to grade against
            byPass.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(new ScoredSample(r.getString(1), r.getString(2),
                    r.getInt(3), r.getString(4), r.getString(5), r.getString(6), !r.isNullAt(7) && r.getBoolean(7),
                    !r.isNullAt(8) && r.getBoolean(8), r.getString(9), r.getString(10),
                    r.isNullAt(11) ? 0 : r.getInt(11), r.isNullAt(12) ? 0 : r.getInt(12)));
        }
        return byPass;
    }

    /** OUTPUT/scores/ as Parquet: one row per pass and metrics group (dataset, subject or level). */
    public static void writeParquet(SparkSession spark, Dataset<Row> results, String dir) {
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, List<ScoredSample>> e : samplesByPass(results).entrySet()) {
            for (GroupScore g : Metrics.compute(e.getValue(), 0L)) {
                Map<Integer, Double> passAtK = new TreeMap<>(g.passAtK());
                rows.add(RowFactory.create(e.getKey(), g.dataset(), g.subject(), g.level(), g.prompts(), g.samplesPerPrompt(),
                        g.samples(), g.pass1(), g.pass1StdErr(), g.pass1Ci95Low(), g.pass1Ci95High(), g.majK(),
                        scala.jdk.javaapi.CollectionConverters.asScala(passAtK), g.errors(), g.unclosedReasoning(),
                        g.lengthFinished(), g.meanReasoningTokens(), g.meanAnswerTokens()));
            }
        }
        StructType schema = new StructType()
                .add("pass", DataTypes.StringType).add("dataset", DataTypes.StringType)
                .add("subject", DataTypes.StringType).add("level", DataTypes.StringType)
                .add("prompts", DataTypes.IntegerType).add("samples_per_prompt", DataTypes.IntegerType)
                .add("samples", DataTypes.IntegerType).add("pass1", DataTypes.DoubleType)
                .add("pass1_stderr", DataTypes.DoubleType).add("pass1_ci95_low", DataTypes.DoubleType)
                .add("pass1_ci95_high", DataTypes.DoubleType).add("maj_k", DataTypes.DoubleType)
                .add("pass_at_k", DataTypes.createMapType(DataTypes.IntegerType, DataTypes.DoubleType))
                .add("errors", DataTypes.IntegerType).add("unclosed_reasoning", DataTypes.IntegerType)
                .add("length_finished", DataTypes.IntegerType).add("mean_reasoning_tokens", DataTypes.DoubleType)
                .add("mean_answer_tokens", DataTypes.DoubleType);
        spark.createDataFrame(rows, schema).coalesce(1).write().mode(SaveMode.Overwrite).parquet(dir);
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
