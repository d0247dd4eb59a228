package glmspark.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.exec.PassSettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * 10,000 mutated YAML configurations, 10,000 mutated JSON ones and 10,000 random sets of --conf overrides: each
 * must end in a validated configuration whose passes resolve within the limits, or an IllegalArgumentException
 * whose message names the file, flag or field. Anything else (another exception, an error, more than 2 s for
 * one input) fails with the input printed.
 */
class ConfigLoaderFuzzTest {

    private static final String YAML = """
            model: /models/glm
            backend: cpu
            threads: 2
            datasets:
              - path: data/a.jsonl
                limit: 5
                fields: {id: id, prompt: question, gold: answer, extra: [kind]}
                answer_type: NUMBER
                gold_after: "####"
              - manifest: aime2024
                template: "Q: {prompt}"
            sampling:
              temperature: 0.6
              top_p: 0.95
              top_k: 40
            n: 2
            max_new_tokens: 64
            seed: 7
            stop: ["\\n\\n", "</answer>"]
            passes:
              - name: greedy
                do_sample: false
              - name: sampled
                n: 4
                do_sample: true
                min_p: 0.05
            output: runs/x
            partitions: 3
            format: jsonl
            spark: {spark.executor.cores: "2"}
            max_n: 16
            max_prompt_chars: 5000
            max_prompt_tokens: 100
            max_rows: 10
            """;

    private static final String JSON = """
            {"model": "/m", "datasets": [{"path": "d.jsonl", "fields": {"prompt": "q"}}],
             "sampling": {"temperature": 0.7, "repetition_penalty": 1.1}, "n": 3, "max_new_tokens": 10,
             "passes": [{"name": "p1", "n": 2, "seed": 5}, {"name": "p2", "top_k": 3}],
             "stop": ["x"], "output": "o", "progress_rows": 4, "max_n": 8, "max_rows": 0}
            """;

    /** Characters that matter to YAML and JSON, plus ordinary ones. */
    private static final String ALPHABET = "{}[]:,-'\"#&*!|>?%@` \n\t\r0123456789.eE+_anulltrefsxyz\\\u00e9\u2028\u0000";
    private static final String[] VALUES = {"null", "-1", "0", "1", "2147483648", "99999999999999999999", "1e400", "-0.0",
            "NaN", ".nan", ".inf", "true", "x", "\"\"", "[]", "{}", "[null]", "{a: 1}", "~", "'1025'", "1025", "&a [*a]"};
    private static final String[] KEYS = {"model", "backend", "threads", "n", "max_new_tokens", "seed", "stop", "stop.0",
            "passes", "passes.0", "passes.0.name", "passes.0.n", "passes.1.n", "passes.2.name", "passes.0.top_p",
            "passes.0.temperature", "passes.0.max_new_tokens", "sampling", "sampling.top_k", "sampling.min_p",
            "sampling.repetition_penalty", "datasets", "datasets.0", "datasets.0.path", "datasets.0.format",
            "datasets.0.limit", "datasets.0.fields", "datasets.0.fields.extra", "datasets.1.manifest",
            "datasets.0.answer_type", "output", "format", "partitions", "progress_rows", "progress_seconds",
            "report_seconds", "spark", "spark.spark.x", "max_n", "max_prompt_chars", "max_prompt_tokens", "max_rows",
            "generator", "manifests", "unknown_field", "n.0", "sampling.x.y", "passes.9", "0", ".", "a..b"};

    @Test
    void mutatedYamlEndsInAConfigOrANamedError() {
        fuzz(new Random(1), YAML, false, 10_000);
    }

    @Test
    void mutatedJsonEndsInAConfigOrANamedError() {
        fuzz(new Random(2), JSON, true, 10_000);
    }

    @Test
    void randomConfOverridesEndInAConfigOrANamedError() {
        Random rnd = new Random(3);
        int accepted = 0;
        for (int i = 0; i < 10_000; i++) {
            List<String> overrides = new ArrayList<>();
            int k = 1 + rnd.nextInt(4);
            for (int j = 0; j < k; j++) {
                String key = KEYS[rnd.nextInt(KEYS.length)];
                String value = rnd.nextInt(4) == 0 ? mutate(rnd, VALUES[rnd.nextInt(VALUES.length)]) : VALUES[rnd.nextInt(VALUES.length)];
                overrides.add(rnd.nextInt(50) == 0 ? key + value : key + "=" + value);
            }
            if (check(() -> ConfigLoader.fromTree(ConfigLoader.readTree(YAML, false, "base.yaml"), overrides), overrides.toString())) accepted++;
        }
        // A fuzzer that never reaches a valid configuration only tests the first check.
        assertTrue(accepted > 100, "only " + accepted + " override sets were valid");
    }

    private static void fuzz(Random rnd, String base, boolean json, int count) {
        int accepted = 0;
        for (int i = 0; i < count; i++) {
            String text = base;
            int m = 1 + rnd.nextInt(3);
            for (int j = 0; j < m; j++) text = mutate(rnd, text);
            String input = text;
            if (check(() -> ConfigLoader.fromTree(ConfigLoader.readTree(input, json, json ? "c.json" : "c.yaml"), List.of()), input)) accepted++;
        }
        assertTrue(accepted > count / 50, "only " + accepted + " of " + count + " mutants were valid");
    }

    /** One mutation: delete, insert, replace a character run, repeat or drop a line, or swap a value. */
    static String mutate(Random rnd, String s) {
        if (s.isEmpty()) return String.valueOf(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
        int at = rnd.nextInt(s.length());
        switch (rnd.nextInt(7)) {
            case 0 -> {
                return s.substring(0, at) + s.substring(Math.min(s.length(), at + 1 + rnd.nextInt(8)));
            }
            case 1 -> {
                return s.substring(0, at) + ALPHABET.charAt(rnd.nextInt(ALPHABET.length())) + s.substring(at);
            }
            case 2 -> {
                return s.substring(0, at) + ALPHABET.charAt(rnd.nextInt(ALPHABET.length())) + s.substring(at + 1);
            }
            case 3 -> {
                String[] lines = s.split("\n", -1);
                int l = rnd.nextInt(lines.length);
                List<String> out = new ArrayList<>(List.of(lines));
                if (rnd.nextBoolean()) out.add(l, lines[l]);
                else out.remove(l);
                return String.join("\n", out);
            }
            case 4 -> {
                // Replace the value after a colon with a hostile one.
                int colon = s.indexOf(':', at);
                if (colon < 0) return s;
                int end = colon + 1;
                while (end < s.length() && ",}\n".indexOf(s.charAt(end)) < 0) end++;
                return s.substring(0, colon + 1) + " " + VALUES[rnd.nextInt(VALUES.length)] + s.substring(end);
            }
            case 5 -> {
                return s.substring(0, at) + s.substring(at, Math.min(s.length(), at + 20)).repeat(1 + rnd.nextInt(5)) + s.substring(at);
            }
            default -> {
                // A number with many digits, or a deep nesting.
                String insert = rnd.nextBoolean() ? "9".repeat(1 + rnd.nextInt(2000)) : "[".repeat(1 + rnd.nextInt(3000));
                return s.substring(0, at) + insert + s.substring(at);
            }
        }
    }

    interface Attempt {
        JobConfig run() throws Exception;
    }

    /** True when the input gave a valid configuration; fails unless it gave that or a named error. */
    private static boolean check(Attempt a, String input) {
        long t0 = System.nanoTime();
        try {
            JobConfig cfg = a.run();
            // A validated configuration must resolve and keep its limits.
            Map<String, PassSettings> passes = Passes.resolve(cfg, null);
            for (PassSettings p : passes.values()) {
                if (p.n() < 1 || p.n() > cfg.maxN || p.maxNewTokens() < 1) fail("pass " + p + " escaped validation for input:\n" + input);
            }
            return true;
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            if (msg == null || !(msg.startsWith("config") || msg.startsWith("--conf"))) {
                fail("error without a named file or field: " + msg + "\ninput:\n" + input, e);
            }
            return false;
        } catch (Throwable e) {
            fail("unexpected " + e + " for input:\n" + input, e);
            return false;
        } finally {
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (ms > 2000) fail(ms + " ms for input:\n" + input);
        }
    }
}
