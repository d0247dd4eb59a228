package glmspark.report;

import glmspark.score.GroupScore;
import glmspark.score.PublishedScores;
import glmspark.score.ScoredSample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The human-readable report of one evaluation run: report.md (tables only) and a self-contained report.html
 * (the same tables plus inline SVG charts; no scripts beyond a tiny self-check, no network, no external fonts).
 * All numbers are derived once in of(); markdown() and html() only render them. Text that comes from data
 * (dataset names, ids, subjects, answers, error messages, settings) is escaped in both formats.
 */
public final class RunReport {

    /** Finish-reason categories in display order; "error" wins over the recorded finish reason. */
    static final List<String> FINISH = List.of("stop", "length", "context", "error", "other");
    private static final String[] FINISH_COLOURS = {Charts.GREEN, Charts.ORANGE, Charts.PURPLE, Charts.VERMILLION, Charts.GREY};
    /** Errors listed individually; the rest are counted. */
    static final int MAX_ERRORS_LISTED = 20;

    private final RunInfo info;
    private final List<DatasetPart> parts;
    private final Totals totals;
    private final Throughput throughput;
    private final List<ScoredSample> errors;
    private final int errorCount;

    /** Everything shown for one dataset. */
    record DatasetPart(String name, GroupScore overall, List<GroupScore> subjects, List<GroupScore> levels,
                       Optional<PublishedScores.Entry> published, Optional<String> benchmark, int[] finish, Lengths lengths) {}

    /** Reasoning-length statistics and histogram of one dataset's samples. */
    record Lengths(int samples, double mean, int median, int p90, int max, double binWidth, int[] correct, int[] incorrect) {}

    record Totals(int datasets, int prompts, int samples, int correct, long reasoningTokens, long answerTokens) {}

    /** Generated tokens per second in equal time buckets from the run start (or first completion). */
    record Throughput(int completions, long tokens, long startMillis, long endMillis, long bucketMillis, double[] midSeconds, double[] tokensPerSecond) {
        double meanPerSecond() { return endMillis > startMillis ? tokens / ((endMillis - startMillis) / 1000.0) : Double.NaN; }
        double peakPerSecond() { double p = Double.NaN; for (double v : tokensPerSecond) p = Double.isNaN(p) ? v : Math.max(p, v); return p; }
    }

    private RunReport(RunInfo info, List<DatasetPart> parts, Totals totals, Throughput throughput, List<ScoredSample> errors, int errorCount) {
        this.info = info;
        this.parts = parts;
        this.totals = totals;
        this.throughput = throughput;
        this.errors = errors;
        this.errorCount = errorCount;
    }

    /**
     * Builds the report. scores are Metrics.compute output (a dataset row, subject == level == null, then its subject
     * and level rows); samples the graded generations; completions one entry per finished sample (may be empty);
     * published may be empty. Datasets appear in the order of their first score row, then any that have samples only.
     */
    public static RunReport of(RunInfo info, List<GroupScore> scores, List<ScoredSample> samples, List<Completed> completions,
                               PublishedScores published) {
        if (info == null) throw new IllegalArgumentException("RunReport: info is required");
        scores = scores == null ? List.of() : scores;
        samples = samples == null ? List.of() : samples;
        completions = completions == null ? List.of() : completions;
        PublishedScores table = published == null ? new PublishedScores(List.of()) : published;

        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (GroupScore g : scores) names.add(g.dataset());
        for (ScoredSample s : samples) names.add(s.dataset());

        List<DatasetPart> parts = new ArrayList<>();
        for (String name : names) {
            GroupScore overall = null;
            List<GroupScore> subjects = new ArrayList<>(), levels = new ArrayList<>();
            for (GroupScore g : scores) {
                if (!g.dataset().equals(name)) continue;
                if (g.subject() == null && g.level() == null) {
                    if (overall != null) throw new IllegalArgumentException("RunReport: two overall score rows for dataset " + name);
                    overall = g;
                } else if (g.subject() != null) subjects.add(g);
                else levels.add(g);
            }
            List<ScoredSample> mine = new ArrayList<>();
            for (ScoredSample s : samples) if (s.dataset().equals(name)) mine.add(s);
            Optional<String> benchmark = PublishedScores.benchmarkFor(name);
            Optional<PublishedScores.Entry> pub = benchmark.flatMap(b -> table.find(info.modelName(), b));
            parts.add(new DatasetPart(name, overall, subjects, levels, pub, benchmark, finishCounts(mine), lengths(mine)));
        }

        Set<String> prompts = new HashSet<>();
        int correct = 0;
        long reasoning = 0, answer = 0;
        List<ScoredSample> errs = new ArrayList<>();
        int errorCount = 0;
        for (ScoredSample s : samples) {
            prompts.add(s.dataset() + "\u0000" + s.id());
            if (s.correct()) correct++;
            reasoning += s.reasoningTokens();
            answer += s.answerTokens();
            if (failed(s)) {
                errorCount++;
                if (errs.size() < MAX_ERRORS_LISTED) errs.add(s);
            }
        }
        Totals totals = new Totals(parts.size(), prompts.size(), samples.size(), correct, reasoning, answer);
        return new RunReport(info, List.copyOf(parts), totals, throughput(info, completions), List.copyOf(errs), errorCount);
    }

    static boolean failed(ScoredSample s) {
        return s.error() != null && !s.error().isBlank();
    }

    static int[] finishCounts(List<ScoredSample> samples) {
        int[] c = new int[FINISH.size()];
        for (ScoredSample s : samples) {
            if (failed(s)) { c[3]++; continue; }
            String r = s.finishReason() == null ? "" : s.finishReason().toLowerCase(Locale.ROOT);
            int i = FINISH.indexOf(r);
            c[i >= 0 && i < 3 ? i : 4]++;
        }
        return c;
    }

    static Lengths lengths(List<ScoredSample> samples) {
        int n = samples.size();
        int[] sorted = new int[n];
        long sum = 0;
        for (int i = 0; i < n; i++) { sorted[i] = Math.max(0, samples.get(i).reasoningTokens()); sum += sorted[i]; }
        Arrays.sort(sorted);
        int max = n == 0 ? 0 : sorted[n - 1];
        // about 20 bins of a round width, starting at 0
        double width = Charts.niceStep(max, 20, true);
        int bins = (int) (max / width) + 1;
        int[] ok = new int[bins], bad = new int[bins];
        for (ScoredSample s : samples) {
            int b = Math.min(bins - 1, (int) (Math.max(0, s.reasoningTokens()) / width));
            if (s.correct()) ok[b]++;
            else bad[b]++;
        }
        return new Lengths(n, n == 0 ? Double.NaN : (double) sum / n, rank(sorted, 0.5), rank(sorted, 0.9), max, width, ok, bad);
    }

    /** Nearest-rank percentile of a sorted array; 0 when empty. */
    static int rank(int[] sorted, double q) {
        if (sorted.length == 0) return 0;
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static Throughput throughput(RunInfo info, List<Completed> completions) {
        if (completions.isEmpty()) return new Throughput(0, 0, 0, 0, 0, new double[0], new double[0]);
        long first = Long.MAX_VALUE, last = Long.MIN_VALUE, tokens = 0;
        for (int i = 0; i < completions.size(); i++) {
            Completed c = completions.get(i);
            if (c.finishedAtMillis() <= 0) throw new IllegalArgumentException("RunReport: completion #" + i + " has no finish time (" + c.finishedAtMillis() + ")");
            first = Math.min(first, c.finishedAtMillis());
            last = Math.max(last, c.finishedAtMillis());
            tokens += c.tokens();
        }
        // start at the run start when it is known and consistent, so the ramp-up shows
        long start = info.startedAtMillis() > 0 && info.startedAtMillis() <= first ? info.startedAtMillis() : first;
        long span = last - start;
        long[] widths = {1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000};
        long width = 0;
        for (long w : widths) if (w * 60 >= span) { width = w; break; }
        if (width == 0) width = (span / 60 / 3_600_000 + 1) * 3_600_000;
        int n = (int) (span / width) + 1;
        double[] rate = new double[n], mid = new double[n];
        for (Completed c : completions) rate[(int) ((c.finishedAtMillis() - start) / width)] += c.tokens();
        for (int i = 0; i < n; i++) {
            rate[i] /= width / 1000.0;
            mid[i] = (i + 0.5) * width / 1000.0;
        }
        return new Throughput(completions.size(), tokens, start, last, width, mid, rate);
    }

    // -------------------------------------------------------------------------------------------------------------
    // tables shared by both formats: cells hold plain text, each writer escapes

    /** A table; columns from firstNumeric on are right-aligned. */
    record Table(List<String> header, List<List<String>> rows, int firstNumeric) {}

    private Table summaryTable() {
        List<List<String>> rows = new ArrayList<>();
        for (DatasetPart p : parts) {
            GroupScore g = p.overall();
            List<String> r = new ArrayList<>();
            r.add(p.name());
            if (g == null) {
                r.add(Text.DASH);
                for (int i = 0; i < 13; i++) r.add(Text.DASH);
                rows.add(r);
                continue;
            }
            r.add(g.prompts() + " \u00d7 " + g.samplesPerPrompt());
            r.add(Text.pct(g.pass1()));
            r.add("\u00b1" + Text.pct(g.pass1StdErr()));
            r.add(interval(g));
            r.add(Text.pct(g.majK()));
            r.add(passAtTop(g));
            if (p.published().isPresent()) {
                double pub = p.published().get().score();
                r.add(Text.num(pub, 1));
                r.add(Text.signed(g.pass1() * 100 - pub));
                boolean known = Double.isFinite(g.pass1Ci95Low()) && Double.isFinite(g.pass1Ci95High());
                r.add(!known ? Text.DASH : insideInterval(g, pub) ? "yes" : "no");
            } else {
                r.add(Text.DASH);
                r.add(Text.DASH);
                r.add(Text.DASH);
            }
            r.add(Integer.toString(g.errors()));
            r.add(Integer.toString(g.unclosedReasoning()));
            r.add(Integer.toString(g.lengthFinished()));
            r.add(Text.num(g.meanReasoningTokens(), 0));
            r.add(Text.num(g.meanAnswerTokens(), 0));
            rows.add(r);
        }
        return new Table(List.of("Dataset", "Prompts \u00d7 k", "pass@1 %", "s.e.", "95% CI", "maj@k %", "pass@k %",
                "Published %", "\u0394 pp", "In CI", "Errors", "Unclosed", "Truncated", "Reasoning tok", "Answer tok"), rows, 1);
    }

    static boolean insideInterval(GroupScore g, double publishedPercent) {
        return publishedPercent >= g.pass1Ci95Low() * 100 - 1e-9 && publishedPercent <= g.pass1Ci95High() * 100 + 1e-9;
    }

    private static String interval(GroupScore g) {
        if (!Double.isFinite(g.pass1Ci95Low()) || !Double.isFinite(g.pass1Ci95High())) return Text.DASH;
        return Text.pct(g.pass1Ci95Low()) + "\u2013" + Text.pct(g.pass1Ci95High());
    }

    /** pass@k at the largest k computed; the k is named when it differs from the samples per prompt. */
    private static String passAtTop(GroupScore g) {
        if (g.passAtK() == null || g.passAtK().isEmpty()) return Text.DASH;
        int k = g.passAtK().lastKey();
        String v = Text.pct(g.passAtK().get(k));
        return k == g.samplesPerPrompt() ? v : v + " (@" + k + ")";
    }

    private Table passAtKTable() {
        TreeSet<Integer> ks = new TreeSet<>();
        for (DatasetPart p : parts) if (p.overall() != null && p.overall().passAtK() != null) ks.addAll(p.overall().passAtK().keySet());
        List<String> header = new ArrayList<>();
        header.add("Dataset");
        for (int k : ks) header.add("pass@" + k + " %");
        List<List<String>> rows = new ArrayList<>();
        for (DatasetPart p : parts) {
            if (p.overall() == null) continue;
            List<String> r = new ArrayList<>();
            r.add(p.name());
            for (int k : ks) {
                Double v = p.overall().passAtK() == null ? null : p.overall().passAtK().get(k);
                r.add(v == null ? Text.DASH : Text.pct(v));
            }
            rows.add(r);
        }
        return new Table(header, rows, 1);
    }

    private static Table groupTable(String what, List<GroupScore> groups, boolean bySubject) {
        List<List<String>> rows = new ArrayList<>();
        for (GroupScore g : groups) {
            rows.add(List.of(bySubject ? g.subject() : g.level(), g.prompts() + " \u00d7 " + g.samplesPerPrompt(), Text.pct(g.pass1()),
                    "\u00b1" + Text.pct(g.pass1StdErr()), interval(g), Text.pct(g.majK()), Text.num(g.meanReasoningTokens(), 0)));
        }
        return new Table(List.of(what, "Prompts \u00d7 k", "pass@1 %", "s.e.", "95% CI", "maj@k %", "Reasoning tok"), rows, 1);
    }

    private Table lengthTable() {
        List<List<String>> rows = new ArrayList<>();
        for (DatasetPart p : parts) {
            Lengths l = p.lengths();
            rows.add(List.of(p.name(), Integer.toString(l.samples()), Text.num(l.mean(), 0), l.samples() == 0 ? Text.DASH : Text.num(l.median(), 0),
                    l.samples() == 0 ? Text.DASH : Text.num(l.p90(), 0), l.samples() == 0 ? Text.DASH : Text.num(l.max(), 0),
                    Integer.toString(p.finish()[1])));
        }
        return new Table(List.of("Dataset", "Samples", "Mean", "Median", "90th pct", "Max", "Stopped by length"), rows, 1);
    }

    private Table finishTable() {
        List<String> header = new ArrayList<>();
        header.add("Finish reason");
        for (DatasetPart p : parts) header.add(p.name());
        if (parts.size() > 1) header.add("All");
        int[] all = allFinish();
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < FINISH.size(); i++) {
            if (i == 4 && all[4] == 0) continue; // "other" only when something unexpected was recorded
            List<String> r = new ArrayList<>();
            r.add(FINISH.get(i));
            for (DatasetPart p : parts) r.add(countWithShare(p.finish()[i], sum(p.finish())));
            if (parts.size() > 1) r.add(countWithShare(all[i], sum(all)));
            rows.add(r);
        }
        return new Table(header, rows, 1);
    }

    private int[] allFinish() {
        int[] all = new int[FINISH.size()];
        for (DatasetPart p : parts) for (int i = 0; i < all.length; i++) all[i] += p.finish()[i];
        return all;
    }

    private static String countWithShare(int count, int total) {
        return total == 0 ? "0" : count + " (" + Text.pct((double) count / total) + "%)";
    }

    private static int sum(int[] a) {
        int s = 0;
        for (int v : a) s += v;
        return s;
    }

    private Map<String, String> runRows() {
        LinkedHashMap<String, String> m = new LinkedHashMap<>();
        m.put("Run", info.runId());
        m.put("Model", info.model());
        if (!info.backend().isBlank()) m.put("Backend", info.backend());
        m.put("Started", Text.time(info.startedAtMillis()));
        m.put("Finished", Text.time(info.endedAtMillis()));
        if (info.startedAtMillis() > 0 && info.endedAtMillis() > 0) m.put("Wall time", Text.duration(info.endedAtMillis() - info.startedAtMillis()));
        m.put("Datasets", Integer.toString(totals.datasets()));
        m.put("Prompts", Text.num(totals.prompts(), 0));
        m.put("Samples", Text.num(totals.samples(), 0) + (totals.samples() > 0 ? " (" + Text.num(totals.correct(), 0) + " correct)" : ""));
        m.put("Generated tokens", Text.num(totals.reasoningTokens() + totals.answerTokens(), 0) + " (reasoning " + Text.num(totals.reasoningTokens(), 0)
                + ", answer " + Text.num(totals.answerTokens(), 0) + ")");
        for (Map.Entry<String, String> e : info.totals().entrySet()) m.put(e.getKey(), e.getValue());
        return m;
    }

    private Table runTable() {
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, String> e : runRows().entrySet()) rows.add(List.of(e.getKey(), e.getValue()));
        return new Table(List.of("", ""), rows, 99);
    }

    private Table settingsTable() {
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, String> e : info.settings().entrySet()) rows.add(List.of(e.getKey(), e.getValue()));
        return new Table(List.of("Setting", "Value"), rows, 99);
    }

    private Table throughputTable() {
        Throughput t = throughput;
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("Completed samples", Text.num(t.completions(), 0)));
        rows.add(List.of("Generated tokens", Text.num(t.tokens(), 0)));
        rows.add(List.of("From", Text.time(t.startMillis())));
        rows.add(List.of("To (last completion)", Text.time(t.endMillis())));
        rows.add(List.of("Mean tokens/s", Text.num(t.meanPerSecond(), 1)));
        rows.add(List.of("Peak tokens/s (" + Text.bucket(t.bucketMillis()) + " buckets)", Text.num(t.peakPerSecond(), 1)));
        return new Table(List.of("", ""), rows, 1);
    }

    private List<String> publishedNotes() {
        List<String> notes = new ArrayList<>();
        for (DatasetPart p : parts) {
            p.published().ifPresent(e -> notes.add(p.name() + ": " + e.model() + " on " + e.benchmark() + " = " + Text.num(e.score(), 1) + "% (" + e.source() + ")"));
        }
        return notes;
    }

    private static final String METRIC_NOTE = "pass@1 is the mean over prompts of the fraction of correct samples (avg@k); s.e. is its standard "
            + "error over prompts; the 95% CI is a percentile bootstrap over prompts. maj@k is majority voting over the k samples; pass@k is the "
            + "unbiased estimator of Chen et al. (2021). \u0394 pp is ours minus published, in percentage points. Unclosed: reasoning block never "
            + "closed. Truncated: stopped by max_new_tokens. Token columns are means per sample.";

    // -------------------------------------------------------------------------------------------------------------
    // Markdown

    public String markdown() {
        StringBuilder s = new StringBuilder(8192);
        s.append("# Evaluation report: ").append(Text.md(info.runId())).append("\n\n");
        mdKeyValues(s, runRows());
        if (!info.settings().isEmpty()) {
            s.append("\n## Settings\n\n");
            mdTable(s, settingsTable());
        }
        s.append("\n## Summary\n\n");
        if (parts.isEmpty()) s.append("No samples were scored.\n");
        else {
            mdTable(s, summaryTable());
            s.append('\n').append(Text.md(METRIC_NOTE)).append('\n');
            List<String> notes = publishedNotes();
            if (!notes.isEmpty()) {
                s.append("\nPublished figures (the publisher does not state its sampling settings):\n\n");
                for (String n : notes) s.append("- ").append(Text.md(n)).append('\n');
            }
            Table pk = passAtKTable();
            if (!pk.rows().isEmpty() && pk.header().size() > 2) {
                s.append("\n### pass@k\n\n");
                mdTable(s, pk);
            }
        }
        for (DatasetPart p : parts) {
            if (!p.levels().isEmpty()) {
                s.append("\n## ").append(Text.md(p.name())).append(": accuracy by level\n\n");
                mdTable(s, groupTable("Level", p.levels(), false));
            }
            if (!p.subjects().isEmpty()) {
                s.append("\n## ").append(Text.md(p.name())).append(": accuracy by subject\n\n");
                mdTable(s, groupTable("Subject", p.subjects(), true));
            }
        }
        s.append("\n## Reasoning length (tokens)\n\n");
        if (totals.samples() == 0) s.append("No samples.\n");
        else mdTable(s, lengthTable());
        s.append("\n## Finish reasons\n\n");
        if (totals.samples() == 0) s.append("No samples.\n");
        else mdTable(s, finishTable());
        s.append("\n## Throughput\n\n");
        if (throughput.completions() == 0) s.append("No completions were recorded.\n");
        else {
            mdTable(s, throughputTable());
            s.append("\nTokens are credited when their sample finishes.\n");
        }
        mdErrors(s);
        return s.toString();
    }

    private void mdErrors(StringBuilder s) {
        if (errorCount == 0) return;
        s.append("\n## Errors\n\n");
        List<List<String>> rows = new ArrayList<>();
        for (ScoredSample e : errors) rows.add(List.of(e.dataset(), e.id(), Integer.toString(e.sampleIndex()), Text.cut(e.error(), 300)));
        mdTable(s, new Table(List.of("Dataset", "Id", "Sample", "Error"), rows, 99));
        if (errorCount > errors.size()) s.append("\n").append(errorCount - errors.size()).append(" more not listed.\n");
    }

    private static void mdKeyValues(StringBuilder s, Map<String, String> m) {
        for (Map.Entry<String, String> e : m.entrySet()) s.append("- **").append(Text.md(e.getKey())).append(":** ").append(Text.md(e.getValue())).append('\n');
    }

    private static void mdTable(StringBuilder s, Table t) {
        s.append('|');
        for (String h : t.header()) s.append(' ').append(Text.md(h)).append(" |");
        s.append("\n|");
        for (int i = 0; i < t.header().size(); i++) s.append(i >= t.firstNumeric() ? " ---: |" : " --- |");
        s.append('\n');
        for (List<String> r : t.rows()) {
            s.append('|');
            for (String c : r) s.append(' ').append(Text.md(c)).append(" |");
            s.append('\n');
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // HTML

    public String html() {
        StringBuilder s = new StringBuilder(32768);
        s.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Evaluation report: ").append(Text.html(info.runId())).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        s.append("<header><h1>Evaluation report</h1><p class=\"sub\">").append(Text.html(info.runId())).append(" \u00b7 ")
                .append(Text.html(info.model())).append("</p></header>\n");
        s.append("<section class=\"cols\"><div>\n<h2>Run</h2>\n");
        htmlTable(s, runTable(), "meta");
        s.append("</div>\n");
        if (!info.settings().isEmpty()) {
            s.append("<div>\n<h2>Settings</h2>\n");
            htmlTable(s, settingsTable(), "meta");
            s.append("</div>\n");
        }
        s.append("</section>\n<section>\n<h2>Summary</h2>\n");
        if (parts.isEmpty()) s.append("<p class=\"empty\">No samples were scored.</p>\n");
        else {
            htmlTable(s, summaryTable(), "wide");
            s.append("<p class=\"note\">").append(Text.html(METRIC_NOTE)).append("</p>\n");
            List<String> notes = publishedNotes();
            if (!notes.isEmpty()) {
                s.append("<p class=\"note\">Published figures (the publisher does not state its sampling settings):</p>\n<ul class=\"note\">\n");
                for (String n : notes) s.append("<li>").append(Text.html(n)).append("</li>\n");
                s.append("</ul>\n");
            }
            List<Charts.Bar> bars = new ArrayList<>();
            for (DatasetPart p : parts) if (p.overall() != null) bars.add(bar(p.name(), p.overall(), p.published().map(PublishedScores.Entry::score).orElse(Double.NaN)));
            if (!bars.isEmpty()) {
                figure(s, Charts.hbars("chart-pass1", "pass@1 by dataset", "pass@1 in percent for each dataset with its 95% bootstrap interval"
                        + (notes.isEmpty() ? "" : " and the published figure as a diamond"), bars, "pass@1 (%)", "published (" + info.modelName() + ")"),
                        "pass@1 per dataset; whiskers: 95% bootstrap interval over prompts" + (notes.isEmpty() ? "." : "; diamonds: published figure."));
            }
            Table pk = passAtKTable();
            if (!pk.rows().isEmpty() && pk.header().size() > 2) {
                s.append("<h3>pass@k</h3>\n");
                htmlTable(s, pk, "");
            }
        }
        s.append("</section>\n");
        int chart = 0;
        for (DatasetPart p : parts) {
            if (p.levels().isEmpty() && p.subjects().isEmpty()) continue;
            s.append("<section>\n<h2>").append(Text.html(p.name())).append(": accuracy by level and subject</h2>\n");
            if (!p.levels().isEmpty()) {
                List<Charts.Bar> bars = new ArrayList<>();
                for (GroupScore g : p.levels()) bars.add(bar(g.level(), g, Double.NaN));
                figure(s, Charts.hbars("chart-level-" + chart++, p.name() + ": pass@1 by level", "pass@1 in percent per level with 95% bootstrap intervals",
                        bars, "pass@1 (%)", ""), p.name() + ": pass@1 by level; whiskers: 95% bootstrap interval.");
                s.append("<details><summary>Table</summary>\n");
                htmlTable(s, groupTable("Level", p.levels(), false), "");
                s.append("</details>\n");
            }
            if (!p.subjects().isEmpty()) {
                List<Charts.Bar> bars = new ArrayList<>();
                for (GroupScore g : p.subjects()) bars.add(bar(g.subject(), g, Double.NaN));
                figure(s, Charts.hbars("chart-subject-" + chart++, p.name() + ": pass@1 by subject", "pass@1 in percent per subject with 95% bootstrap intervals",
                        bars, "pass@1 (%)", ""), p.name() + ": pass@1 by subject; whiskers: 95% bootstrap interval.");
                s.append("<details><summary>Table</summary>\n");
                htmlTable(s, groupTable("Subject", p.subjects(), true), "");
                s.append("</details>\n");
            }
            s.append("</section>\n");
        }
        s.append("<section>\n<h2>Reasoning length</h2>\n");
        if (totals.samples() == 0) s.append("<p class=\"empty\">No samples.</p>\n");
        else {
            htmlTable(s, lengthTable(), "");
            for (DatasetPart p : parts) {
                Lengths l = p.lengths();
                if (l.samples() == 0) continue;
                s.append("<h3>").append(Text.html(p.name())).append("</h3>\n");
                figure(s, Charts.histogram("chart-length-" + chart++, p.name() + ": reasoning length", "Histogram of reasoning tokens per sample, "
                                + "correct and incorrect samples stacked", l.binWidth(), new int[][] {l.correct(), l.incorrect()},
                                new String[] {"correct", "incorrect"}, new String[] {Charts.BLUE, Charts.ORANGE}, "reasoning tokens per sample", "samples"),
                        p.name() + ": reasoning tokens per sample (bins of " + Text.num(l.binWidth(), 0) + " tokens), correct and incorrect stacked.");
            }
        }
        s.append("</section>\n<section>\n<h2>Finish reasons</h2>\n");
        if (totals.samples() == 0) s.append("<p class=\"empty\">No samples.</p>\n");
        else {
            htmlTable(s, finishTable(), "");
            int[] all = allFinish();
            List<String> labels = new ArrayList<>();
            List<String> colours = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            for (int i = 0; i < FINISH.size(); i++) {
                if (i == 4 && all[4] == 0) continue;
                labels.add(FINISH.get(i));
                colours.add(FINISH_COLOURS[i]);
                values.add((double) all[i]);
            }
            double[] v = new double[values.size()];
            for (int i = 0; i < v.length; i++) v[i] = values.get(i);
            figure(s, Charts.columns("chart-finish", "Finish reasons", "Number of samples by finish reason over all datasets", labels, v,
                    colours.toArray(new String[0]), "finish reason", "samples"),
                    "Samples by finish reason (all datasets): stop = end of text, length = max_new_tokens, context = context window full, error = generation failed.");
        }
        s.append("</section>\n<section>\n<h2>Throughput</h2>\n");
        if (throughput.completions() == 0) s.append("<p class=\"empty\">No completions were recorded.</p>\n");
        else {
            htmlTable(s, throughputTable(), "meta");
            figure(s, Charts.timeLine("chart-throughput", "Generated tokens per second", "Generated tokens per second in "
                            + Text.bucket(throughput.bucketMillis()) + " buckets over the run", throughput.midSeconds(), throughput.tokensPerSecond(),
                            "time since start (" + Text.bucket(throughput.bucketMillis()) + " buckets)", "tokens/s"),
                    "Generated tokens per second over time; a sample's tokens are credited when it finishes.");
        }
        s.append("</section>\n");
        if (errorCount > 0) {
            s.append("<section>\n<h2>Errors</h2>\n");
            List<List<String>> rows = new ArrayList<>();
            for (ScoredSample e : errors) rows.add(List.of(e.dataset(), e.id(), Integer.toString(e.sampleIndex()), Text.cut(e.error(), 300)));
            htmlTable(s, new Table(List.of("Dataset", "Id", "Sample", "Error"), rows, 99), "");
            if (errorCount > errors.size()) s.append("<p class=\"note\">").append(errorCount - errors.size()).append(" more not listed.</p>\n");
            s.append("</section>\n");
        }
        s.append("<footer>Generated by glm-spark.</footer>\n");
        // Self-check for headless browsers and curious readers: records how many charts were laid out with a non-zero size.
        s.append("<script>(function(){var c=document.querySelectorAll('svg.chart'),ok=0;for(var i=0;i<c.length;i++){var r=c[i].getBoundingClientRect();")
                .append("if(r.width>0&&r.height>0)ok++;}document.documentElement.setAttribute('data-charts-rendered',ok+'/'+c.length);})();</script>\n");
        s.append("</body>\n</html>\n");
        return s.toString();
    }

    private static Charts.Bar bar(String label, GroupScore g, double reference) {
        String detail = Text.pct(g.pass1()) + "% (95% CI " + interval(g) + "), " + g.prompts() + " prompts \u00d7 " + g.samplesPerPrompt()
                + (Double.isFinite(reference) ? ", published " + Text.num(reference, 1) + "%" : "");
        return new Charts.Bar(label == null ? "" : label, g.pass1() * 100, g.pass1Ci95Low() * 100, g.pass1Ci95High() * 100, reference, detail);
    }

    private static void figure(StringBuilder s, String svg, String caption) {
        s.append("<figure>").append(svg).append("<figcaption>").append(Text.html(caption)).append("</figcaption></figure>\n");
    }

    private static void htmlTable(StringBuilder s, Table t, String cls) {
        s.append("<div class=\"scroll\"><table").append(cls.isEmpty() ? "" : " class=\"" + cls + "\"").append(">\n");
        boolean header = false;
        for (String h : t.header()) header |= !h.isEmpty();
        if (header) {
            s.append("<thead><tr>");
            for (int i = 0; i < t.header().size(); i++) {
                s.append(i >= t.firstNumeric() ? "<th class=\"num\">" : "<th>").append(Text.html(t.header().get(i))).append("</th>");
            }
            s.append("</tr></thead>\n");
        }
        s.append("<tbody>\n");
        for (List<String> r : t.rows()) {
            s.append("<tr>");
            for (int i = 0; i < r.size(); i++) {
                if (!header && i == 0) s.append("<th scope=\"row\">").append(Text.html(r.get(i))).append("</th>");
                else s.append(i >= t.firstNumeric() ? "<td class=\"num\">" : "<td>").append(Text.html(r.get(i))).append("</td>");
            }
            s.append("</tr>\n");
        }
        s.append("</tbody></table></div>\n");
    }

    private static final String CSS = """
            :root { color-scheme: light; }
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "DejaVu Sans", sans-serif;
                   color: #222; background: #fff; margin: 0 auto; max-width: 1140px; padding: 20px 28px 40px; line-height: 1.45; }
            header h1 { font-size: 1.7em; margin: 0; }
            header .sub { margin: 2px 0 0; color: #555; font-size: 1.05em; }
            h2 { font-size: 1.25em; border-bottom: 2px solid #e3e3e3; padding-bottom: 4px; margin: 1.6em 0 .6em; }
            h3 { font-size: 1.05em; margin: 1.2em 0 .4em; }
            .cols { display: flex; flex-wrap: wrap; gap: 0 48px; }
            .cols > div { flex: 1 1 380px; }
            table { border-collapse: collapse; font-size: 13px; margin: .4em 0 .8em; }
            .scroll { overflow-x: auto; }
            th, td { padding: 4px 7px; border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: top; }
            thead th { background: #f2f4f7; border-bottom: 2px solid #d0d4da; font-weight: 600; vertical-align: bottom; }
            td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
            td.num { white-space: nowrap; }
            table.meta th { font-weight: normal; color: #555; padding-left: 0; }
            table.meta td { word-break: break-word; }
            table.meta tbody tr:nth-child(even) td { background: none; }
            table.wide { width: 100%; }
            tbody tr:nth-child(even) td { background: #fafbfc; }
            figure { margin: 1em 0 1.4em; }
            figcaption { font-size: 13px; color: #555; margin-top: 4px; }
            svg.chart { display: block; max-width: 100%; height: auto; }
            svg.chart text { font-family: inherit; }
            .note { font-size: 13px; color: #555; max-width: 920px; }
            ul.note { margin-top: 0; }
            .empty { color: #555; font-style: italic; }
            details { margin: -.6em 0 1em; font-size: 14px; }
            summary { cursor: pointer; color: #0b5cad; }
            footer { margin-top: 3em; font-size: 12px; color: #777; }
            """;

    // -------------------------------------------------------------------------------------------------------------

    /** Writes report.md and report.html into outputDir (created if missing). */
    public void writeTo(Path outputDir) throws IOException {
        Files.createDirectories(outputDir);
        Files.writeString(outputDir.resolve("report.md"), markdown(), StandardCharsets.UTF_8);
        Files.writeString(outputDir.resolve("report.html"), html(), StandardCharsets.UTF_8);
    }
}
