package glmspark.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.*;

class SamplerTest {

    /** One case of sampler.reference.json: transformers' exact distribution for a row and a setting. */
    record Case(int row, String settings, SamplingParams params, int[] history, int[] support, double[] probs) {}

    static float[][] rows;
    static List<Case> cases = new ArrayList<>();

    @BeforeAll
    static void readFixture() throws IOException {
        JsonNode root;
        try (InputStream in = new GZIPInputStream(SamplerTest.class.getResourceAsStream("sampler.reference.json.gz"))) {
            root = new ObjectMapper().readTree(in);
        }
        JsonNode r = root.get("rows");
        rows = new float[r.size()][];
        for (int i = 0; i < r.size(); i++) {
            rows[i] = new float[r.get(i).size()];
            for (int j = 0; j < rows[i].length; j++) rows[i][j] = (float) r.get(i).get(j).asDouble();
        }
        for (JsonNode c : root.get("cases")) {
            JsonNode s = c.get("settings");
            SamplingParams p = new SamplingParams(true, s.get("temperature").asDouble(), s.path("top_k").asInt(0),
                    s.path("top_p").asDouble(1.0), s.path("min_p").asDouble(0.0),
                    s.path("repetition_penalty").asDouble(1.0));
            int[] history = new int[s.path("history").size()];
            for (int i = 0; i < history.length; i++) history[i] = s.get("history").get(i).asInt();
            int[] support = new int[c.get("support").size()];
            double[] probs = new double[support.length];
            for (int i = 0; i < support.length; i++) {
                support[i] = c.get("support").get(i).asInt();
                probs[i] = c.get("probs").get(i).asDouble();
            }
            cases.add(new Case(c.get("row").asInt(), s.toString(), p, history, support, probs));
        }
        assertEquals(24, cases.size());
    }

    @Test
    void distributionEqualsTransformersForEveryReferenceCase() {
        Sampler sampler = new Sampler(rows[0].length);
        for (Case c : cases) {
            Distribution d = sampler.distribution(rows[c.row], c.history, c.history.length, c.params);
            String name = "row " + c.row + " " + c.settings;
            assertArrayEquals(c.support, d.support(), name + ": support");
            for (int i = 0; i < c.probs.length; i++) {
                assertEquals(c.probs[i], d.probs()[i], 1e-6, name + ": p(" + c.support[i] + ")");
            }
            assertEquals(1.0, Arrays.stream(d.probs()).sum(), 1e-12, name);
        }
    }

    /**
     * 20000 draws per reference case of rows 0 and 3 (every setting; row 3 has top-k ties), seed fixed,
     * steps 0..19999, against transformers' probabilities: Pearson
     * chi-square with cells of expected count < 5 pooled, at significance 1e-4 (critical value from the
     * Wilson-Hilferty approximation). A sampler drawing from a wrong distribution (e.g. off by one token in the
     * CDF walk, or a biased uniform) fails by orders of magnitude.
     */
    @Test
    void drawsFollowTheReferenceDistribution() {
        Sampler sampler = new Sampler(rows[0].length);
        int draws = 20_000;
        for (Case c : cases) {
            if (c.row != 0 && c.row != 3) continue; // rows 1 and 2 add run time, not coverage
            int[] counts = new int[rows[0].length];
            for (int t = 0; t < draws; t++) {
                counts[sampler.sample(rows[c.row], c.history, c.history.length, c.params, 1234L, 0, t)]++;
            }
            int inSupport = 0;
            for (int id : c.support) inSupport += counts[id];
            assertEquals(draws, inSupport, "row " + c.row + " " + c.settings + ": drew a token outside the support");
            double[] result = chiSquare(counts, c.support, c.probs, draws);
            double stat = result[0], df = result[1];
            assertTrue(stat < chiSquareCritical(df, 3.719), "row " + c.row + " " + c.settings
                    + ": chi-square " + stat + " with " + df + " degrees of freedom");
        }
    }

    @Test
    void chiSquareCatchesAShiftedDistribution() {
        // the test above has power: shifting every draw to the next support token fails it
        Case c = cases.get(2); // top_k 5
        Sampler sampler = new Sampler(rows[0].length);
        int[] counts = new int[rows[0].length];
        for (int t = 0; t < 20_000; t++) {
            int id = sampler.sample(rows[c.row], c.history, c.history.length, c.params, 1234L, 0, t);
            int k = Arrays.binarySearch(c.support, id);
            counts[c.support[(k + 1) % c.support.length]]++;
        }
        double[] result = chiSquare(counts, c.support, c.probs, 20_000);
        assertTrue(result[0] > chiSquareCritical(result[1], 3.719), "stat " + result[0]);
    }

    /** {statistic, degrees of freedom}, pooling cells (in ascending expected order) until each expects >= 5. */
    static double[] chiSquare(int[] counts, int[] support, double[] probs, int draws) {
        Integer[] order = new Integer[support.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(probs[a], probs[b]));
        double stat = 0, poolExpected = 0, poolObserved = 0;
        int cells = 0;
        for (int j : order) {
            poolExpected += probs[j] * draws;
            poolObserved += counts[support[j]];
            if (poolExpected >= 5) {
                stat += (poolObserved - poolExpected) * (poolObserved - poolExpected) / poolExpected;
                cells++;
                poolExpected = 0;
                poolObserved = 0;
            }
        }
        if (poolExpected > 0) { // leftover mass below 5: fold into the statistic as one more cell
            stat += (poolObserved - poolExpected) * (poolObserved - poolExpected) / Math.max(poolExpected, 1e-9);
            cells++;
        }
        return new double[]{stat, Math.max(1, cells - 1)};
    }

    /** Wilson-Hilferty: chi2 quantile ~ df (1 - 2/(9 df) + z sqrt(2/(9 df)))^3; z = 3.719 for p = 1e-4. */
    static double chiSquareCritical(double df, double z) {
        double a = 2.0 / (9.0 * df);
        return df * Math.pow(1 - a + z * Math.sqrt(a), 3);
    }

    /**
     * top_p over a large vocabulary (where only the head is sorted) keeps exactly the tokens of the textbook
     * rule: sort all ascending, drop while the cumulative probability is <= 1 - top_p, keep the largest.
     */
    @Test
    void topPOverALargeVocabularyMatchesTheFullSortRule() {
        java.util.Random random = new java.util.Random(17);
        int vocab = 20_000;
        Sampler sampler = new Sampler(vocab);
        for (int trial = 0; trial < 30; trial++) {
            float[] logits = new float[vocab];
            double scale = 0.5 + 6 * random.nextDouble();
            for (int i = 0; i < vocab; i++) logits[i] = (float) (random.nextGaussian() * scale);
            if (trial % 3 == 0) for (int i = 0; i < vocab; i += 7) logits[i] = logits[0]; // many ties
            double topP = 0.05 + 0.9 * random.nextDouble();
            SamplingParams p = new SamplingParams(true, 1.0, 0, topP, 0.0, 1.0);
            assertArrayEquals(fullSortTopP(logits, topP), sampler.distribution(logits, null, 0, p).support(),
                    "trial " + trial + " scale " + scale + " top_p " + topP);
        }
    }

    private static int[] fullSortTopP(float[] logits, double topP) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[a], logits[b]) : Integer.compare(a, b));
        double max = logits[order[order.length - 1]], total = 0;
        for (float l : logits) total += Math.exp(l - max);
        boolean[] removed = new boolean[logits.length];
        double cumulative = 0;
        for (int j = 0; j < order.length - 1; j++) {
            cumulative += Math.exp(logits[order[j]] - max) / total;
            if (cumulative <= 1 - topP) removed[order[j]] = true;
        }
        return java.util.stream.IntStream.range(0, logits.length).filter(i -> !removed[i]).toArray();
    }

    @Test
    void greedyTakesTheLowestIdAmongTiedMaxima() {
        float[] logits = {0.5f, 2f, -1f, 2f, 2f, 1.9f};
        Sampler sampler = new Sampler(logits.length);
        SamplingParams greedy = SamplingParams.greedy();
        assertEquals(1, sampler.sample(logits, new int[0], 0, greedy, 7, 0, 0));
        // temperature 0 is greedy too, whatever the other settings
        assertEquals(1, sampler.sample(logits, new int[0], 0, new SamplingParams(true, 0.0, 1, 0.1, 0.5, 1.0), 7, 3, 9));
        Distribution d = sampler.distribution(logits, new int[0], 0, greedy);
        assertArrayEquals(new int[]{1}, d.support());
        assertArrayEquals(new double[]{1.0}, d.probs());
    }

    @Test
    void greedyAppliesTheRepetitionPenaltyAsTransformers() {
        // transformers applies RepetitionPenaltyLogitsProcessor in greedy search too: 2 / 1.5 < 1.9
        float[] logits = {0.5f, 2f, -1f, 1.5f, 1.9f};
        Sampler sampler = new Sampler(logits.length);
        SamplingParams p = new SamplingParams(false, 1.0, 0, 1.0, 0.0, 1.5);
        assertEquals(4, sampler.sample(logits, new int[]{1, 1, 2}, 3, p, 0, 0, 0));
        assertEquals(1, sampler.sample(logits, new int[]{1, 1, 2}, 0, p, 0, 0, 0), "only the first historyLength count");
    }

    @Test
    void repeatedHistoryTokensArePenalisedOnce() {
        // transformers gathers, penalises and scatters: a token seen 3 times is divided once
        float[] logits = rows[0];
        Sampler sampler = new Sampler(logits.length);
        SamplingParams p = new SamplingParams(true, 1.0, 0, 1.0, 0.0, 1.3);
        Distribution once = sampler.distribution(logits, new int[]{3, 8}, 2, p);
        Distribution thrice = sampler.distribution(logits, new int[]{3, 3, 8, 3, 8}, 5, p);
        assertArrayEquals(once.probs(), thrice.probs(), 0.0);
    }

    @Test
    void samplingDoesNotModifyTheLogits() {
        float[] logits = rows[1].clone();
        Sampler sampler = new Sampler(logits.length);
        for (Case c : cases) {
            sampler.sample(logits, c.history, c.history.length, c.params, 1, 0, 0);
            sampler.distribution(logits, c.history, c.history.length, c.params);
        }
        assertArrayEquals(rows[1], logits);
    }

    @Test
    void sameSeedSampleAndStepGiveTheSameTokenInAnyCallOrder() {
        Sampler a = new Sampler(rows[0].length);
        Sampler b = new Sampler(rows[0].length);
        SamplingParams p = SamplingParams.glmZ1Card();
        int steps = 200;
        int[][] forward = new int[3][steps];
        for (int i = 0; i < 3; i++) {
            for (int t = 0; t < steps; t++) forward[i][t] = a.sample(rows[t % 4], null, 0, p, 99L, i, t);
        }
        // reverse order, samples interleaved, on another sampler instance
        for (int t = steps - 1; t >= 0; t--) {
            for (int i = 2; i >= 0; i--) {
                assertEquals(forward[i][t], b.sample(rows[t % 4], null, 0, p, 99L, i, t), "sample " + i + " step " + t);
            }
        }
        assertEquals(RandomStream.uniform(5, 1, 2), RandomStream.uniform(5, 1, 2));
    }

    @Test
    void differentSampleIndicesAndSeedsGiveDifferentStreams() {
        int steps = 1000;
        int equalUniforms = 0;
        for (int t = 0; t < steps; t++) {
            double u0 = RandomStream.uniform(42, 0, t);
            if (u0 == RandomStream.uniform(42, 1, t)) equalUniforms++;
            if (u0 == RandomStream.uniform(43, 0, t)) equalUniforms++;
            if (u0 == RandomStream.uniform(42, 0, t + 1)) equalUniforms++;
        }
        assertEquals(0, equalUniforms);

        Sampler sampler = new Sampler(rows[0].length);
        SamplingParams p = new SamplingParams(true, 1.0, 0, 1.0, 0.0, 1.0);
        int sameTokens = 0;
        for (int t = 0; t < steps; t++) {
            if (sampler.sample(rows[0], null, 0, p, 42, 0, t) == sampler.sample(rows[0], null, 0, p, 42, 1, t)) sameTokens++;
        }
        // 1920 tokens of similar probability: two independent streams agree on a handful of steps at most
        assertTrue(sameTokens < 20, "streams of samples 0 and 1 agree on " + sameTokens + " of " + steps + " steps");
    }

    @Test
    void badInputIsRejectedClearly() {
        Sampler sampler = new Sampler(4);
        SamplingParams p = SamplingParams.glmZ1Card();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sampler.sample(new float[5], null, 0, p, 0, 0, 0));
        assertTrue(e.getMessage().contains("5"));
        e = assertThrows(IllegalArgumentException.class,
                () -> sampler.sample(new float[]{0, Float.NaN, 0, 0}, null, 0, p, 0, 0, 0));
        assertTrue(e.getMessage().contains("token 1"));
        e = assertThrows(IllegalArgumentException.class,
                () -> sampler.sample(new float[4], new int[]{2, 9}, 2, new SamplingParams(true, 1, 0, 1, 0, 1.2), 0, 0, 0));
        assertTrue(e.getMessage().contains("history[1] = 9"));
        float[] none = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
        assertThrows(IllegalArgumentException.class, () -> sampler.sample(none, null, 0, p, 0, 0, 0));
    }
}
