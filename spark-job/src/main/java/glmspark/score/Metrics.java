package glmspark.score;

import glmspark.grade.AnswerType;
import glmspark.grade.Grader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Benchmark metrics over graded samples, per dataset and per subject / level when rows carry them.
 * Pure Java: the Spark job collects ScoredSample rows (small: one per generation) and calls compute on the driver.
 */
public final class Metrics {

    /** Bootstrap resamples for the 95% interval of pass@1. */
    public static final int BOOTSTRAP_RESAMPLES = 2000;

    private Metrics() { }

    /** One prompt's samples, ordered by sampleIndex. */
    record Prompt(String id, List<ScoredSample> samples) {
        int n() { return samples.size(); }
        int correct() { int c = 0; for (ScoredSample s : samples) if (s.correct()) c++; return c; }
        double accuracy() { return (double) correct() / n(); }
    }

    /**
     * Scores for every dataset (sorted by name), each followed by its subjects and then its levels (sorted).
     * The bootstrap uses bootstrapSeed, so equal input gives equal intervals regardless of row order.
     */
    public static List<GroupScore> compute(List<ScoredSample> samples, long bootstrapSeed) {
        Map<String, List<ScoredSample>> byDataset = new TreeMap<>();
        for (ScoredSample s : samples) byDataset.computeIfAbsent(s.dataset(), d -> new ArrayList<>()).add(s);
        List<GroupScore> out = new ArrayList<>();
        for (Map.Entry<String, List<ScoredSample>> d : byDataset.entrySet()) {
            String dataset = d.getKey();
            List<Prompt> prompts = prompts(d.getValue());
            out.add(score(dataset, null, null, prompts, bootstrapSeed));
            Map<String, List<Prompt>> bySubject = new TreeMap<>(), byLevel = new TreeMap<>();
            for (Prompt p : prompts) {
                ScoredSample first = p.samples().get(0);
                if (first.subject() != null) bySubject.computeIfAbsent(first.subject(), k -> new ArrayList<>()).add(p);
                if (first.level() != null) byLevel.computeIfAbsent(first.level(), k -> new ArrayList<>()).add(p);
            }
            for (Map.Entry<String, List<Prompt>> e : bySubject.entrySet()) out.add(score(dataset, e.getKey(), null, e.getValue(), bootstrapSeed));
            for (Map.Entry<String, List<Prompt>> e : byLevel.entrySet()) out.add(score(dataset, null, e.getKey(), e.getValue(), bootstrapSeed));
        }
        return out;
    }

    /** Prompts sorted by id, samples by index; a repeated (id, sampleIndex) is an error. */
    static List<Prompt> prompts(List<ScoredSample> rows) {
        Map<String, List<ScoredSample>> byId = new TreeMap<>();
        for (ScoredSample s : rows) byId.computeIfAbsent(s.id(), k -> new ArrayList<>()).add(s);
        List<Prompt> out = new ArrayList<>();
        for (Map.Entry<String, List<ScoredSample>> e : byId.entrySet()) {
            List<ScoredSample> list = new ArrayList<>(e.getValue());
            list.sort(Comparator.comparingInt(ScoredSample::sampleIndex));
            for (int i = 1; i < list.size(); i++) {
                if (list.get(i).sampleIndex() == list.get(i - 1).sampleIndex()) {
                    throw new IllegalArgumentException("duplicate sample " + list.get(i).dataset() + "/" + e.getKey() + " #" + list.get(i).sampleIndex());
                }
            }
            out.add(new Prompt(e.getKey(), list));
        }
        return out;
    }

    static GroupScore score(String dataset, String subject, String level, List<Prompt> prompts, long seed) {
        int n = prompts.size();
        int k = Integer.MAX_VALUE, total = 0, errors = 0, unclosed = 0, length = 0;
        long reasoning = 0, answer = 0;
        double[] acc = new double[n];
        for (int i = 0; i < n; i++) {
            Prompt p = prompts.get(i);
            k = Math.min(k, p.n());
            acc[i] = p.accuracy();
            for (ScoredSample s : p.samples()) {
                total++;
                if (s.failed()) errors++;
                if (!s.reasoningClosed()) unclosed++;
                if (s.finishedByLength()) length++;
                reasoning += s.reasoningTokens();
                answer += s.answerTokens();
            }
        }
        double pass1 = mean(acc);
        double[] ci = bootstrapInterval(acc, seed);
        AnswerType type = Grader.typeForDataset(dataset);
        double maj = 0;
        for (Prompt p : prompts) if (majorityCorrect(p.samples(), type)) maj++;
        TreeMap<Integer, Double> passAtK = new TreeMap<>();
        for (int kk = 1; kk <= k; kk *= 2) {
            double sum = 0;
            for (Prompt p : prompts) sum += passAtK(p.n(), p.correct(), kk);
            passAtK.put(kk, sum / n);
        }
        return new GroupScore(dataset, subject, level, n, k, total, pass1, stdErr(acc), ci[0], ci[1], maj / n,
                passAtK, errors, unclosed, length, (double) reasoning / total, (double) answer / total);
    }

    /**
     * Unbiased pass@k of Chen et al. (2021): 1 - C(n-c, k) / C(n, k), computed as a running product
     * prod_{i=n-c+1..n} (1 - k/i) so no binomial coefficient is ever formed.
     */
    public static double passAtK(int n, int c, int k) {
        if (k < 1 || k > n) throw new IllegalArgumentException("pass@k needs 1 <= k <= n, got k=" + k + " n=" + n);
        if (c < 0 || c > n) throw new IllegalArgumentException("correct count " + c + " outside 0.." + n);
        if (n - c < k) return 1.0;
        double prod = 1.0;
        for (int i = n - c + 1; i <= n; i++) prod *= 1.0 - (double) k / i;
        return 1.0 - prod;
    }

    /**
     * Majority vote over the extracted answers of one prompt (samples without an answer do not vote). Answers are
     * grouped by Grader.equivalent against each group's first answer. The largest group wins; a tie goes to the
     * group whose first member has the lowest sampleIndex. The vote is correct when that first member is correct.
     */
    static boolean majorityCorrect(List<ScoredSample> samples, AnswerType type) {
        List<ScoredSample> reps = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        List<ScoredSample> ordered = new ArrayList<>(samples);
        ordered.sort(Comparator.comparingInt(ScoredSample::sampleIndex));
        for (ScoredSample s : ordered) {
            if (s.extracted() == null || s.extracted().isBlank()) continue;
            int found = -1;
            for (int g = 0; g < reps.size() && found < 0; g++) {
                String rep = reps.get(g).extracted();
                if (Objects.equals(rep, s.extracted()) || Grader.equivalent(rep, s.extracted(), type)) found = g;
            }
            if (found < 0) { reps.add(s); counts.add(1); }
            else counts.set(found, counts.get(found) + 1);
        }
        int best = -1;
        for (int g = 0; g < reps.size(); g++) if (best < 0 || counts.get(g) > counts.get(best)) best = g;
        return best >= 0 && reps.get(best).correct();
    }

    static double mean(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return x.length == 0 ? Double.NaN : s / x.length;
    }

    /** Sample standard deviation of per-prompt accuracy over sqrt(n); 0 for a single prompt. */
    static double stdErr(double[] x) {
        int n = x.length;
        if (n < 2) return 0;
        double m = mean(x), ss = 0;
        for (double v : x) ss += (v - m) * (v - m);
        return Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
    }

    /** Percentile bootstrap over prompts: {2.5th, 97.5th} percentile of the resampled mean. */
    static double[] bootstrapInterval(double[] acc, long seed) {
        int n = acc.length;
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] means = new double[BOOTSTRAP_RESAMPLES];
        for (int b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += acc[rnd.nextInt(n)];
            means[b] = s / n;
        }
        Arrays.sort(means);
        return new double[] {percentile(means, 0.025), percentile(means, 0.975)};
    }

    /** Linear interpolation between closest ranks of a sorted array. */
    static double percentile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
