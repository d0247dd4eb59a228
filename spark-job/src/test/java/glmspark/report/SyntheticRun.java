package glmspark.report;

import glmspark.score.GroupScore;
import glmspark.score.PublishedScores;
import glmspark.score.ScoredSample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A small hand-made run: scores with known values, samples with hostile text, completions on a known clock. */
final class SyntheticRun {

    static final long START = 1_767_225_600_000L; // 2026-01-01 00:00:00 UTC
    static final String HOSTILE_SUBJECT = "<script>alert('s')</script>";
    static final String HOSTILE_ID = "<img src=x onerror=alert(1)>";
    static final String HOSTILE_ERROR = "CUDA <b>boom</b> | pipe & more";

    private SyntheticRun() { }

    static RunInfo info() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("temperature", "0.6");
        settings.put("top_p", "0.95");
        settings.put("max_new_tokens", "32768");
        settings.put("samples per prompt", "4");
        return new RunInfo("run-2026-01-01", "THUDM/GLM-Z1-9B-0414", "java-cpu", settings, START, START + 3_723_000L,
                Map.of("executors", "2"));
    }

    static GroupScore score(String dataset, String subject, String level, int n, int k, double p1, double se, double lo, double hi,
                            double maj, double[] passAtK, int errors, int unclosed, int length, double meanR, double meanA) {
        TreeMap<Integer, Double> pk = new TreeMap<>();
        for (int i = 0, kk = 1; i < passAtK.length; i++, kk *= 2) pk.put(kk, passAtK[i]);
        return new GroupScore(dataset, subject, level, n, k, n * k, p1, se, lo, hi, maj, pk, errors, unclosed, length, meanR, meanA);
    }

    static List<GroupScore> scores() {
        List<GroupScore> s = new ArrayList<>();
        // published GLM-Z1-9B-0414: AIME24 76.4 (inside 62.5..89.2), AIME25 56.6 (outside 30.0..50.0)
        s.add(score("aime2024", null, null, 30, 4, 0.766666, 0.0712, 0.625, 0.891666, 0.8, new double[] {0.766666, 0.85, 0.9}, 1, 2, 3, 12345.6, 456.7));
        s.add(score("aime2025", null, null, 30, 4, 0.4, 0.05, 0.3, 0.5, 0.4333, new double[] {0.4, 0.5, 0.6}, 0, 0, 5, 15000, 300));
        s.add(score("math500", null, null, 4, 2, 0.625, 0.125, 0.375, 0.875, 0.75, new double[] {0.625, 0.75}, 0, 0, 0, 2500, 120));
        s.add(score("math500", "Algebra", null, 2, 2, 0.75, 0.25, 0.5, 1.0, 1.0, new double[] {0.75, 1.0}, 0, 0, 0, 2000, 100));
        s.add(score("math500", HOSTILE_SUBJECT, null, 2, 2, 0.5, 0.0, 0.25, 0.75, 0.5, new double[] {0.5, 0.5}, 0, 0, 0, 3000, 140));
        s.add(score("math500", null, "1", 2, 2, 1.0, 0.0, 1.0, 1.0, 1.0, new double[] {1.0, 1.0}, 0, 0, 0, 1000, 90));
        s.add(score("math500", null, "5", 2, 2, 0.25, 0.25, 0.0, 0.5, 0.5, new double[] {0.25, 0.5}, 0, 0, 0, 4000, 150));
        return s;
    }

    static ScoredSample sample(String dataset, String id, int idx, String subject, String level, boolean correct, String finish, String error, int reasoning) {
        return new ScoredSample(dataset, id, idx, subject, level, correct ? "42" : "7", correct, !"length".equals(finish), finish, error, reasoning, 100);
    }

    static List<ScoredSample> samples() {
        List<ScoredSample> s = new ArrayList<>();
        s.add(sample("aime2024", "60", 0, null, null, true, "stop", null, 9000));
        s.add(sample("aime2024", "60", 1, null, null, false, "length", null, 32768));
        s.add(sample("aime2024", HOSTILE_ID, 0, null, null, false, "stop", HOSTILE_ERROR, 0));
        s.add(sample("aime2024", HOSTILE_ID, 1, null, null, true, "stop", null, 14000));
        s.add(sample("aime2025", "1", 0, null, null, false, "context", null, 30000));
        s.add(sample("aime2025", "1", 1, null, null, true, "stop", null, 12000));
        s.add(sample("math500", "a", 0, "Algebra", "1", true, "stop", null, 1500));
        s.add(sample("math500", "a", 1, "Algebra", "1", true, "stop", null, 2500));
        s.add(sample("math500", "b", 0, HOSTILE_SUBJECT, "5", false, "stop", null, 4000));
        s.add(sample("math500", "b", 1, HOSTILE_SUBJECT, "5", true, "STOP", null, 2000));
        return s;
    }

    /** 0-1 s: 100 tokens, 1-2 s: 300 tokens, 2-3 s: none, all from the run start: 400 tokens over 2.5 s. */
    static List<Completed> completions() {
        return List.of(new Completed(START + 500, 100), new Completed(START + 1200, 120), new Completed(START + 1900, 180),
                new Completed(START + 2500, 0));
    }

    /** The two GLM-Z1-9B figures of the published table, plus other models' figures on the same benchmarks. */
    static PublishedScores published() {
        return new PublishedScores(List.of(
                new PublishedScores.Entry("GLM-Z1-32B-0414", "AIME24", 80.8, "chart 32B"),
                new PublishedScores.Entry("GLM-Z1-9B-0414", "AIME24", 76.4, "chart 9B"),
                new PublishedScores.Entry("GLM-Z1-9B-0414", "AIME25", 56.6, "chart 9B"),
                new PublishedScores.Entry("QwQ-32B", "AIME25", 66.0, "chart 32B")));
    }

    /**
     * A larger seeded run shaped like a real one (MATH-500 subjects and levels, AIME, GSM8K; long reasoning on hard
     * prompts, some truncation, an error) scored by Metrics, for looking at the report and for the browser test.
     */
    static RunReport realistic() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        String[] subjects = {"Algebra", "Counting & Probability", "Geometry", "Intermediate Algebra", "Number Theory", "Prealgebra", "Precalculus"};
        List<ScoredSample> samples = new ArrayList<>();
        List<Completed> done = new ArrayList<>();
        long t = START + 40_000;
        int k = 4;
        for (String dataset : new String[] {"aime2024", "aime2025", "gsm8k", "math500"}) {
            int prompts = dataset.startsWith("aime") ? 30 : 80;
            for (int p = 0; p < prompts; p++) {
                int level = 1 + rnd.nextInt(5);
                String subject = dataset.equals("math500") ? subjects[rnd.nextInt(subjects.length)] : null;
                double difficulty = dataset.startsWith("aime") ? 0.35 + 0.6 * rnd.nextDouble() : dataset.equals("gsm8k") ? 0.05 * rnd.nextDouble() : 0.08 * level * rnd.nextDouble() * 2;
                for (int i = 0; i < k; i++) {
                    boolean correct = rnd.nextDouble() > difficulty;
                    int reasoning = (int) Math.min(32768, (dataset.startsWith("aime") ? 6000 : 600) * (1 + 4 * difficulty) * (0.5 + rnd.nextDouble()) * (correct ? 1 : 1.6));
                    String finish = reasoning >= 32768 ? "length" : "stop";
                    String error = dataset.equals("gsm8k") && p == 3 && i == 2 ? "executor lost: <heartbeat timeout>" : null;
                    samples.add(new ScoredSample(dataset, dataset + "-" + p, i, subject, dataset.equals("math500") ? "Level " + level : null,
                            correct ? "A" : "B" + rnd.nextInt(3), correct && error == null, !"length".equals(finish), finish, error, reasoning, 150 + rnd.nextInt(300)));
                    t += 200 + rnd.nextInt(1400) + (samples.size() > 900 ? 2500 : 0);
                    done.add(new Completed(t, reasoning + 300));
                }
            }
        }
        List<GroupScore> scores = glmspark.score.Metrics.compute(samples, 1);
        return RunReport.of(info(), scores, samples, done, published());
    }

    static RunReport report() {
        return RunReport.of(info(), scores(), samples(), completions(), published());
    }
}
