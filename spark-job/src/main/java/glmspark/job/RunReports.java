package glmspark.job;

import glmspark.exec.PassSettings;
import glmspark.io.ProgressStore;
import glmspark.report.Completed;
import glmspark.report.RunInfo;
import glmspark.report.RunReport;
import glmspark.score.Metrics;
import glmspark.score.PublishedScores;
import glmspark.score.ScoredSample;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OUTPUT/report.md and report.html from the written results. With several passes each dataset appears once
 * per pass, labelled "dataset · pass". Throughput over time comes from the progress files: each holds a batch
 * of finished samples, its tokens and its write time.
 */
final class RunReports {

    private RunReports() {
    }

    static void write(Dataset<Row> results, JobConfig cfg, String runId, long startedAt, FileSystem fs, Path progressDir,
                      Map<String, PassSettings> passes) throws IOException {
        Map<String, List<ScoredSample>> byPass = ScoreReport.samplesByPass(results);
        List<ScoredSample> samples = new ArrayList<>();
        for (Map.Entry<String, List<ScoredSample>> e : byPass.entrySet()) {
            for (ScoredSample s : e.getValue()) {
                String label = passes.size() > 1 ? s.dataset() + PublishedScores.PASS_SEPARATOR + e.getKey() : s.dataset();
                samples.add(new ScoredSample(label, s.id(), s.sampleIndex(), s.subject(), s.level(), s.extracted(), s.correct(),
                        s.reasoningClosed(), s.finishReason(), s.error(), s.reasoningTokens(), s.answerTokens()));
            }
        }
        List<Completed> completions = new ArrayList<>();
        for (ProgressStore.FileInfo f : ProgressStore.list(fs, progressDir)) {
            FileStatus st = fs.getFileStatus(f.path());
            completions.add(new Completed(st.getModificationTime(), (int) Math.min(Integer.MAX_VALUE, f.tokens())));
        }
        Map<String, String> settings = new LinkedHashMap<>();
        passes.forEach((name, p) -> settings.put("pass " + name, p.doSample()
                ? String.format("n=%d, sampled: temperature %s, top_p %s, top_k %d, min_p %s, repetition penalty %s, seed %d",
                p.n(), p.temperature(), p.topP(), p.topK(), p.minP(), p.repetitionPenalty(), p.seed())
                : String.format("n=%d, greedy, seed %d", p.n(), p.seed())));
        settings.put("max_new_tokens", String.valueOf(cfg.maxNewTokens));
        settings.put("seed", String.valueOf(cfg.seed));
        RunInfo info = new RunInfo(runId, cfg.model, cfg.backend, settings, startedAt, System.currentTimeMillis());
        PublishedScores published;
        try {
            published = PublishedScores.loadBundled();
        } catch (IOException | RuntimeException e) {
            published = new PublishedScores(List.of());
        }
        RunReport report = RunReport.of(info, Metrics.compute(samples, 0L), samples, completions, published);
        writeText(fs, new Path(cfg.output, "report.md"), report.markdown());
        writeText(fs, new Path(cfg.output, "report.html"), report.html());
    }

    private static void writeText(FileSystem fs, Path file, String text) throws IOException {
        try (FSDataOutputStream os = fs.create(file, true)) {
            os.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
