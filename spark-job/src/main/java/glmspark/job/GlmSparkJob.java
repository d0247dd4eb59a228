package glmspark.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.exec.GenTask;
import glmspark.exec.GeneratePartition;
import glmspark.exec.GeneratorSpec;
import glmspark.exec.PassSettings;
import glmspark.exec.SampleResult;
import glmspark.exec.Seeds;
import glmspark.io.DatasetReader;
import glmspark.io.JsonlWriter;
import glmspark.io.ModelCheck;
import glmspark.io.ProgressStore;
import glmspark.io.PromptRow;
import glmspark.io.ResultAssembler;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The driver: read prompts, generate on the executors (progress files as rows finish), assemble the results
 * from the progress files, score them. Usage: see {@link ConfigLoader}.
 */
public final class GlmSparkJob {

    /** What a run produced. */
    public record Summary(String runId, String output, int samplesGenerated, ObjectNode scores) {
    }

    public static void main(String[] args) throws Exception {
        JobConfig cfg;
        try {
            cfg = ConfigLoader.fromArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        SparkSession.Builder builder = SparkSession.builder().appName("glm-spark");
        if (cfg.master != null) builder.master(cfg.master);
        else if (System.getProperty("spark.master") == null) builder.master("local[*]");
        cfg.spark.forEach(builder::config);
        SparkSession spark = builder.getOrCreate();
        try {
            Summary s = run(spark, cfg);
            System.out.println();
            System.out.print(ScoreReport.table(s.scores()));
            System.out.println("results: " + new Path(s.output(), "results") + (cfg.format.equals("jsonl") ? " and " + new Path(s.output(), "results.jsonl") : ""));
            System.out.println("scores:  " + new Path(s.output(), "scores.json") + "   manifest: " + new Path(s.output(), "manifest.json"));
            System.out.println("report:  " + new Path(s.output(), "report.md") + " and " + new Path(s.output(), "report.html"));
        } finally {
            spark.stop();
        }
    }

    /** A speculative copy of a generation task doubles the work and competes for the same accelerator. */
    public static void refuseSpeculation(org.apache.spark.SparkConf conf) {
        if (conf.getBoolean("spark.speculation", false)) {
            throw new IllegalStateException("spark.speculation=true is not supported: a speculative copy of a generation "
                    + "task doubles the work and fights the original for the same accelerator. Set spark.speculation=false.");
        }
    }

    /**
     * max_new_tokens past the context is not an error: each row's budget is clamped to the room its prompt leaves
     * (context length minus prompt tokens), so a row stops there. Said once on the driver so the clamp is not a surprise.
     */
    static void warnMaxNewTokens(Map<String, PassSettings> passes, ModelCheck.ModelInfo model) {
        int context = model.config() == null ? 0 : model.config().path("max_position_embeddings").asInt(0);
        if (context <= 0) return;
        for (PassSettings p : passes.values()) {
            if (p.maxNewTokens() >= context) {
                System.err.printf("glm-spark: warning: pass %s: max_new_tokens %d is not below the model's context length %d;"
                        + " each row is clamped to the room its prompt leaves%n", p.name(), p.maxNewTokens(), context);
            }
        }
    }

    static String qualify(String path, Configuration conf) throws java.io.IOException {
        Path p = new Path(path);
        return p.getFileSystem(conf).makeQualified(p).toString();
    }

    public static Summary run(SparkSession spark, JobConfig cfg) throws Exception {
        // 1. Checks that need no executor: speculation would run a prompt twice; the model must be readable.
        refuseSpeculation(spark.sparkContext().getConf());
        for (String w : GpuSettings.warnings(spark.sparkContext().getConf(), cfg.backend)) System.err.println("glm-spark: warning: " + w);
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        // Executors resolve relative paths against their own working folders: qualify them here.
        cfg.output = qualify(cfg.output, hadoop);
        cfg.model = qualify(cfg.model, hadoop);
        ModelCheck.ModelInfo model = ModelCheck.validate(cfg.model, hadoop);

        // 2. Prompts (bad rows become error rows) and passes (settings resolved against generation_config.json).
        List<PromptRow> prompts = DatasetReader.readAll(spark, cfg);
        Map<String, PassSettings> passes = Passes.resolve(cfg, model.generationConfig());
        warnMaxNewTokens(passes, model);

        // 3. Run manifest: new run, or resume with the same fingerprint.
        String segment = "s" + System.currentTimeMillis() + "-" + UUID.randomUUID().toString().substring(0, 6);
        RunManifest manifest = RunManifest.open(cfg, RunManifest.fingerprintParts(cfg, model, passes, hadoop), hadoop, segment);
        FileSystem fs = ProgressStore.fs(cfg.output, hadoop);
        Path progressDir = ProgressStore.dir(cfg.output);
        fs.mkdirs(progressDir);

        // 4. The samples still to generate: one task per prompt and pass, minus samples finished earlier.
        Set<String> finished = ProgressStore.finishedKeys(fs, progressDir);
        List<GenTask> tasks = new ArrayList<>();
        long total = 0, pending = 0;
        for (PassSettings p : passes.values()) {
            for (PromptRow r : prompts) {
                if (r.error() != null) continue;
                List<Integer> left = new ArrayList<>();
                for (int s = 0; s < p.n(); s++) if (!finished.contains(SampleResult.key(p.name(), r.dataset(), r.id(), s))) left.add(s);
                total += p.n();
                pending += left.size();
                if (!left.isEmpty()) tasks.add(new GenTask(p.name(), r.dataset(), r.id(), r.messages(), Seeds.rowSeed(p.seed(), r.dataset(), r.id()), left));
            }
        }
        System.err.printf("glm-spark: run %s, %d prompts, %d samples, %d already finished, %d to generate%n",
                manifest.runId(), prompts.size(), total, total - pending, pending);

        // 5. Generate on the executors; each finished sample lands in a progress file.
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int threads = cfg.threads > 0 ? cfg.threads : spark.sparkContext().conf().getInt("spark.executor.cores", 0);
        GeneratorSpec spec = new GeneratorSpec(cfg.model, cfg.backend, threads, cfg.maxBatchTokens, cfg.maxSequences,
                cfg.specialInContent, cfg.modelCache, cfg.maxPromptTokens);
        try (ProgressReporter ignored = new ProgressReporter(fs, progressDir, segment, total - pending, total, cfg.reportSeconds)) {
            if (!tasks.isEmpty()) {
                int partitions = Math.min(tasks.size(), cfg.partitions > 0 ? cfg.partitions : jsc.defaultParallelism());
                jsc.parallelize(tasks, partitions).foreachPartition(new GeneratePartition(cfg.generator, spec, passes,
                        cfg.output, segment, cfg.progressRows, cfg.progressSeconds));
            }
        } catch (Exception e) {
            manifest.finish("failed", null);
            throw e;
        }

        // 6. Results from the progress files (every input row exactly once), then scores from the results.
        String runId = manifest.runId();
        Dataset<Row> results = ResultAssembler.assemble(spark, cfg.output, runId, prompts, passes, new GraderScorer());
        if (cfg.format.equals("jsonl")) JsonlWriter.write(results, fs, new Path(cfg.output, "results.jsonl"));
        ObjectNode scores = ScoreReport.compute(results);
        ScoreReport.write(fs, new Path(cfg.output, "scores.json"), scores);
        ScoreReport.writeParquet(spark, results, new Path(cfg.output, "scores").toString());
        RunReports.write(results, cfg, runId, manifest.startedAtMillis(), fs, progressDir, passes);
        ObjectNode totals = scores.deepCopy();
        totals.remove("groups");
        totals.put("generated_this_segment", pending);
        manifest.finish("finished", totals);
        return new Summary(runId, cfg.output, (int) pending, scores);
    }
}
