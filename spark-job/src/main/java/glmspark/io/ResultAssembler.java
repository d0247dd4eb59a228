package glmspark.io;

import glmspark.exec.PassSettings;
import glmspark.exec.SampleResult;
import glmspark.exec.Seeds;
import glmspark.job.Scorer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

/**
 * Builds OUTPUT/results (Parquet) from the progress files: every expected (pass, dataset, id, sample_index) --
 * every input row times every pass times its n samples -- appears exactly once. The latest error-free progress
 * row wins when a key was written twice (a zombie attempt); an input row that could not be read becomes an error
 * row; a key with no progress row at all (should not happen after a successful job) becomes an error row too.
 * Schema: docs/results-schema.md.
 */
public final class ResultAssembler {

    public static final StructType PROGRESS = new StructType()
            .add("pass", DataTypes.StringType).add("dataset", DataTypes.StringType).add("id", DataTypes.StringType)
            .add("sample_index", DataTypes.IntegerType).add("rendered_prompt", DataTypes.StringType)
            .add("rendered_prompt_tokens", DataTypes.createArrayType(DataTypes.IntegerType))
            .add("reasoning", DataTypes.StringType).add("answer", DataTypes.StringType)
            .add("reasoning_closed", DataTypes.BooleanType).add("finish_reason", DataTypes.StringType)
            .add("prompt_tokens", DataTypes.IntegerType).add("reasoning_tokens", DataTypes.IntegerType)
            .add("answer_tokens", DataTypes.IntegerType).add("latency_ms", DataTypes.LongType)
            .add("gen_error", DataTypes.StringType).add("progress_file", DataTypes.StringType);

    public static final StructType EXPECTED = new StructType()
            .add("pass", DataTypes.StringType).add("dataset", DataTypes.StringType).add("id", DataTypes.StringType)
            .add("sample_index", DataTypes.IntegerType).add("seed", DataTypes.LongType).add("prompt", DataTypes.StringType)
            .add("gold", DataTypes.StringType).add("answer_type", DataTypes.StringType)
            .add("extra", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))
            .add("input_error", DataTypes.StringType);

    static final StructType SCORE = new StructType().add("extracted", DataTypes.StringType).add("correct", DataTypes.BooleanType);

    private ResultAssembler() {
    }

    public static Path resultsDir(String output) {
        return new Path(output, "results");
    }

    /** Assembles, scores and writes the results; returns them as read back from Parquet. */
    public static Dataset<Row> assemble(SparkSession spark, String output, String runId, List<PromptRow> prompts,
                                        Map<String, PassSettings> passes, Scorer scorer) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        FileSystem fs = new Path(output).getFileSystem(conf);
        List<String> files = new ArrayList<>();
        for (ProgressStore.FileInfo f : ProgressStore.list(fs, ProgressStore.dir(output))) files.add(f.path().toString());

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<Row> progressRows = files.isEmpty() ? jsc.emptyRDD()
                : jsc.parallelize(files, Math.max(1, Math.min(files.size(), jsc.defaultParallelism() * 4))).flatMap(new ReadProgress());
        Dataset<Row> progress = spark.createDataFrame(progressRows, PROGRESS);
        // One row per key: error-free first, then the file written last.
        progress = progress.withColumn("rank", row_number().over(Window.partitionBy("pass", "dataset", "id", "sample_index")
                        .orderBy(col("gen_error").isNull().desc(), col("progress_file").desc())))
                .where(col("rank").equalTo(1)).drop("rank", "progress_file");

        List<Row> expected = new ArrayList<>();
        for (PassSettings p : passes.values()) {
            for (PromptRow r : prompts) {
                long rowSeed = Seeds.rowSeed(p.seed(), r.dataset(), r.id());
                for (int s = 0; s < p.n(); s++) {
                    expected.add(RowFactory.create(p.name(), r.dataset(), r.id(), s, Seeds.fromRow(rowSeed, s), r.prompt(),
                            r.gold(), r.answerType(), r.extra(), r.error()));
                }
            }
        }
        Dataset<Row> want = spark.createDataFrame(expected, EXPECTED);

        Dataset<Row> joined = want.join(progress, scala.jdk.javaapi.CollectionConverters.asScala(
                List.of("pass", "dataset", "id", "sample_index")).toSeq(), "left_outer");
        Column error = coalesce(col("input_error"), col("gen_error"),
                when(col("finish_reason").isNull(), lit("no result was recorded for this sample")));
        var scoreUdf = udf((UDF3<String, String, String, Row>) (gold, answer, type) -> {
            Scorer.Score sc = scorer.score(gold, answer, type);
            return RowFactory.create(sc.extracted(), sc.correct());
        }, SCORE);
        Dataset<Row> results = joined.withColumn("error", error)
                .withColumn("score", when(col("error").isNull(), scoreUdf.apply(col("gold"), col("answer"), col("answer_type"))))
                .select(lit(runId).as("run_id"), col("pass"), col("dataset"), col("id"), col("sample_index"), col("seed"),
                        col("prompt"), col("rendered_prompt"), col("rendered_prompt_tokens"), col("reasoning"), col("answer"),
                        col("reasoning_closed"), col("finish_reason"), col("prompt_tokens"), col("reasoning_tokens"),
                        col("answer_tokens"), col("latency_ms"), col("gold"), col("answer_type"),
                        col("score.extracted").as("extracted"),
                        // A sample that failed or has a gold but no extracted answer counts as wrong.
                        when(col("gold").isNotNull(), coalesce(col("score.correct"), lit(false))).as("correct"),
                        col("error"), col("extra"))
                .orderBy("pass", "dataset", "id", "sample_index");
        String dir = resultsDir(output).toString();
        results.write().mode("overwrite").parquet(dir);
        return spark.read().parquet(dir);
    }

    /** Executor side of the read: one progress file into rows. */
    static final class ReadProgress implements FlatMapFunction<String, Row> {
        @Override
        public Iterator<Row> call(String file) throws Exception {
            Path p = new Path(file);
            FileSystem fs = p.getFileSystem(ModelCache.hadoopConf());
            List<Row> out = new ArrayList<>();
            for (SampleResult r : ProgressStore.read(fs, p)) {
                List<Integer> ids = r.promptTokenIds() == null ? null : Arrays.stream(r.promptTokenIds()).boxed().toList();
                out.add(RowFactory.create(r.pass(), r.dataset(), r.id(), r.sampleIndex(), r.renderedPrompt(),
                        ids == null ? null : scala.jdk.javaapi.CollectionConverters.asScala(ids).toSeq(),
                        r.reasoning(), r.answer(), r.error() == null ? r.reasoningClosed() : null,
                        r.finishReason(), r.error() == null ? r.promptTokens() : null,
                        r.error() == null ? r.reasoningTokens() : null, r.error() == null ? r.answerTokens() : null,
                        r.error() == null ? r.latencyMs() : null, r.error(), p.getName()));
            }
            return out.iterator();
        }
    }
}
