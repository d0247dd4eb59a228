package glmspark.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import glmspark.score.GroupScore;
import glmspark.score.PublishedScores;
import glmspark.score.ScoredSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {

    @Test
    void markdownSummaryRowsCarryFormattedScoresAndThePublishedComparison() {
        String md = SyntheticRun.report().markdown();
        // 76.6666% -> 76.7, s.e. 7.12% -> 7.1, CI 62.5..89.2; published 76.4 for GLM-Z1-9B (not the 32B's 80.8): +0.3, inside
        assertTrue(md.contains("| aime2024 | 30 \u00d7 4 | 76.7 | \u00b17.1 | 62.5\u201389.2 | 80.0 | 90.0 | 76.4 | +0.3 | yes | 1 | 2 | 3 | 12,346 | 457 |"), md);
        // 40.0 against 56.6: -16.6, outside 30.0..50.0
        assertTrue(md.contains("| aime2025 | 30 \u00d7 4 | 40.0 | \u00b15.0 | 30.0\u201350.0 | 43.3 | 60.0 | 56.6 | -16.6 | no | 0 | 0 | 5 | 15,000 | 300 |"), md);
        // no published figure for MATH-500; pass@k at k = 2
        assertTrue(md.contains("| math500 | 4 \u00d7 2 | 62.5 | \u00b112.5 | 37.5\u201387.5 | 75.0 | 75.0 | \u2014 | \u2014 | \u2014 | 0 | 0 | 0 | 2,500 | 120 |"), md);
        assertTrue(md.contains("| Dataset | pass@1 % | pass@2 % | pass@4 % |"), md);
        assertTrue(md.contains("| aime2024 | 76.7 | 85.0 | 90.0 |"), md);
        assertTrue(md.contains("| math500 | 62.5 | 75.0 | \u2014 |"), md);
        assertTrue(md.contains("aime2024: GLM-Z1-9B-0414 on AIME24 = 76.4% (chart 9B)"), md);
        // by level and subject
        assertTrue(md.contains("| 5 | 2 \u00d7 2 | 25.0 | \u00b125.0 | 0.0\u201350.0 | 50.0 | 4,000 |"), md);
        assertTrue(md.contains("| Algebra | 2 \u00d7 2 | 75.0 | \u00b125.0 | 50.0\u2013100.0 | 100.0 | 2,000 |"), md);
        // run block: wall time 3,723 s, settings in the given order, the job's own totals
        assertTrue(md.contains("- **Wall time:** 1 h 02 min 03 s"), md);
        assertTrue(md.contains("- **Started:** 2026-01-01 00:00:00 UTC"), md);
        assertTrue(md.indexOf("| temperature | 0.6 |") < md.indexOf("| max\\_new\\_tokens | 32768 |"), md);
        assertTrue(md.contains("- **executors:** 2"), md);
        assertTrue(md.contains("- **Samples:** 10 (6 correct)"), md);
    }

    @Test
    void markdownReportsLengthsFinishReasonsAndThroughput() {
        String md = SyntheticRun.report().markdown();
        // aime2024 reasoning tokens {0, 9000, 14000, 32768}: mean 13942, median (nearest rank) 9000, p90 32768
        assertTrue(md.contains("| aime2024 | 4 | 13,942 | 9,000 | 32,768 | 32,768 | 1 |"), md);
        // finish reasons: the failed sample counts as error even though its finish reason says stop; "STOP" is stop
        assertTrue(md.contains("| stop | 2 (50.0%) | 1 (50.0%) | 4 (100.0%) | 7 (70.0%) |"), md);
        assertTrue(md.contains("| error | 1 (25.0%) | 0 (0.0%) | 0 (0.0%) | 1 (10.0%) |"), md);
        assertTrue(md.contains("| context | 0 (0.0%) | 1 (50.0%) | 0 (0.0%) | 1 (10.0%) |"), md);
        assertFalse(md.contains("| other |"), md);
        // 400 tokens from the start to the last completion 2.5 s later; peak 300 tokens in the 1-2 s bucket
        assertTrue(md.contains("| Mean tokens/s | 160.0 |"), md);
        assertTrue(md.contains("| Peak tokens/s (1 s buckets) | 300.0 |"), md);
    }

    @Test
    void throughputBucketsCreditTokensToTheSecondTheyFinished() {
        RunReport.Throughput t = RunReport.throughput(SyntheticRun.info(), SyntheticRun.completions());
        assertEquals(1000, t.bucketMillis());
        assertArrayEquals(new double[] {100, 300, 0}, t.tokensPerSecond(), 1e-9);
        assertArrayEquals(new double[] {0.5, 1.5, 2.5}, t.midSeconds(), 1e-9);
        // an hour-long run gets one-minute buckets (at most 60 of them)
        List<Completed> c = List.of(new Completed(SyntheticRun.START + 3_599_000, 6000));
        RunReport.Throughput hour = RunReport.throughput(SyntheticRun.info(), c);
        assertEquals(60_000, hour.bucketMillis());
        assertEquals(60, hour.tokensPerSecond().length);
        assertEquals(100.0, hour.tokensPerSecond()[59], 1e-9);
    }

    @Test
    void aCompletionWithoutFinishTimeIsRejectedWithItsIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunReport.of(SyntheticRun.info(), List.of(), List.of(),
                List.of(new Completed(SyntheticRun.START, 1), new Completed(0, 5)), SyntheticRun.published()));
        assertTrue(e.getMessage().contains("completion #1"), e.getMessage());
    }

    @Test
    void textFromDataIsEscapedInHtmlAndMarkdown() {
        RunReport r = SyntheticRun.report();
        String html = r.html(), md = r.markdown();
        for (String out : List.of(html, md)) {
            assertFalse(out.contains(SyntheticRun.HOSTILE_SUBJECT), "raw subject");
            assertFalse(out.contains("<img"), "raw id");
            assertFalse(out.contains("<b>boom"), "raw error");
            assertTrue(out.contains("&lt;img src=x onerror=alert(1)&gt;"), "escaped id");
        }
        assertTrue(html.contains("&lt;script&gt;alert(&#39;s&#39;)&lt;/script&gt;"), "escaped subject in html");
        assertTrue(html.contains("CUDA &lt;b&gt;boom&lt;/b&gt; | pipe &amp; more"), html);
        assertTrue(md.contains("CUDA &lt;b&gt;boom&lt;/b&gt; \\| pipe &amp; more"), md);
        // the only script is the report's own chart self-check
        assertEquals(1, count(html, "<script"), html);
    }

    @Test
    void htmlIsSelfContainedWithOneTitledSvgPerChart() {
        String html = SyntheticRun.report().html();
        for (String banned : List.of("http://", "https://", "<link", "@import", "url(", "<iframe", "<object", "<embed")) {
            assertFalse(html.contains(banned), banned);
        }
        // pass@1 by dataset, math500 by level and by subject, 3 length histograms, finish reasons, throughput
        int charts = count(html, "<svg class=\"chart\"");
        assertEquals(8, charts);
        Matcher m = Pattern.compile("<svg class=\"chart\"[^>]*>(<title[^>]*>[^<]+</title>)").matcher(html);
        int titled = 0;
        while (m.find()) titled++;
        assertEquals(charts, titled);
        assertEquals(count(html, "<svg"), count(html, "</svg>"));
        // the published figure appears as a marker on the dataset chart
        assertTrue(html.contains("published (GLM-Z1-9B-0414)"), html);
        assertTrue(html.contains("aime2024: 76.7% (95% CI 62.5\u201389.2), 30 prompts \u00d7 4, published 76.4%"), html);
    }

    @Test
    void emptyRunSingleSampleAndZeroThroughputRenderWithoutNaN(@TempDir Path dir) throws Exception {
        RunInfo bare = new RunInfo("r", "GLM-4-9B-0414", null, null, 0, 0);
        ScoredSample one = SyntheticRun.sample("gsm8k", "q1", 0, null, null, false, "stop", null, 0);
        GroupScore oneScore = SyntheticRun.score("gsm8k", null, null, 1, 1, 0, 0, 0, 0, 0, new double[] {0}, 0, 0, 0, 0, 100);
        // a score row with NaN and infinite fields, as a broken upstream might send
        GroupScore broken = new GroupScore("aime2024", null, null, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                new TreeMap<>(), 0, 0, 0, Double.POSITIVE_INFINITY, Double.NaN);
        List<RunReport> reports = List.of(
                RunReport.of(bare, List.of(), List.of(), List.of(), new PublishedScores(List.of())),
                RunReport.of(bare, List.of(oneScore), List.of(one), List.of(new Completed(1_000, 0)), null),
                RunReport.of(SyntheticRun.info(), List.of(broken), List.of(), List.of(new Completed(SyntheticRun.START, 0), new Completed(SyntheticRun.START, 0)),
                        SyntheticRun.published()));
        for (RunReport r : reports) {
            for (String out : List.of(r.markdown(), r.html())) {
                assertFalse(out.contains("NaN"), out);
                assertFalse(out.contains("Infinity"), out);
                assertFalse(out.contains("\u221e"), out);
            }
        }
        // an unknown interval says neither yes nor no about the published figure
        assertTrue(reports.get(2).markdown().contains("| aime2024 | 0 \u00d7 0 | \u2014 | \u00b1\u2014 | \u2014 | \u2014 | \u2014 | 76.4 | \u2014 | \u2014 |"),
                reports.get(2).markdown());
        assertTrue(reports.get(0).markdown().contains("No samples were scored."));
        assertTrue(reports.get(0).html().contains("No completions were recorded."));
        assertTrue(reports.get(1).markdown().contains("| gsm8k | 1 \u00d7 1 | 0.0 | \u00b10.0 | 0.0\u20130.0 |"), reports.get(1).markdown());
        reports.get(1).writeTo(dir.resolve("out"));
        assertTrue(Files.readString(dir.resolve("out/report.md")).startsWith("# Evaluation report: r"));
        assertTrue(Files.readString(dir.resolve("out/report.html")).startsWith("<!DOCTYPE html>"));
    }

    @Test
    void lengthPercentilesUseNearestRankAndBinsStartAtZero() {
        List<ScoredSample> s = List.of(SyntheticRun.sample("d", "a", 0, null, null, true, "stop", null, 100),
                SyntheticRun.sample("d", "a", 1, null, null, false, "stop", null, 1999),
                SyntheticRun.sample("d", "a", 2, null, null, true, "stop", null, 400));
        RunReport.Lengths l = RunReport.lengths(s);
        assertEquals(400, l.median());
        assertEquals(1999, l.p90());
        assertEquals(1999, l.max());
        assertEquals(100, l.binWidth(), 0); // 1999 / 20 -> step 100
        assertEquals(20, l.correct().length);
        assertEquals(1, l.correct()[1]);
        assertEquals(1, l.correct()[4]);
        assertEquals(1, l.incorrect()[19]);
    }

    @Test
    void modelNameDropsTheRepositoryPath() {
        assertEquals("GLM-Z1-9B-0414", new RunInfo("r", "THUDM/GLM-Z1-9B-0414", "", Map.of(), 0, 0).modelName());
        assertEquals("GLM-Z1-9B-0414", new RunInfo("r", "/models/GLM-Z1-9B-0414/", "", Map.of(), 0, 0).modelName());
        assertThrows(IllegalArgumentException.class, () -> new RunInfo("r", "m", "", Map.of(), 2000, 1000));
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }
}
