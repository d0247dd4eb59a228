package glmspark.job;

import com.fasterxml.jackson.databind.JsonNode;
import glmspark.exec.PassSettings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves the configured passes. Each setting comes from, in order: the pass entry, the top-level
 * configuration, the model's generation_config.json, and last greedy defaults (do_sample false, temperature 1,
 * top_k 0, top_p 1, min_p 0, repetition_penalty 1).
 */
public final class Passes {

    private Passes() {
    }

    public static Map<String, PassSettings> resolve(JobConfig cfg, JsonNode generationConfig) {
        JsonNode g = generationConfig == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : generationConfig;
        List<JobConfig.Pass> list = cfg.passes.isEmpty() ? List.of(defaultPass()) : cfg.passes;
        Map<String, PassSettings> out = new LinkedHashMap<>();
        JobConfig.Sampling s = cfg.sampling;
        for (JobConfig.Pass p : list) {
            out.put(p.name, new PassSettings(p.name,
                    p.n != null ? p.n : cfg.n,
                    p.maxNewTokens != null ? p.maxNewTokens : cfg.maxNewTokens,
                    p.seed != null ? p.seed : cfg.seed,
                    first(p.doSample, s.doSample, g.has("do_sample") ? g.get("do_sample").asBoolean() : null, false),
                    first(p.temperature, s.temperature, g.has("temperature") ? g.get("temperature").asDouble() : null, 1.0),
                    first(p.topK, s.topK, g.has("top_k") ? g.get("top_k").asInt() : null, 0),
                    first(p.topP, s.topP, g.has("top_p") ? g.get("top_p").asDouble() : null, 1.0),
                    first(p.minP, s.minP, g.has("min_p") && !g.get("min_p").isNull() ? g.get("min_p").asDouble() : null, 0.0),
                    first(p.repetitionPenalty, s.repetitionPenalty,
                            g.has("repetition_penalty") ? g.get("repetition_penalty").asDouble() : null, 1.0),
                    cfg.stop));
        }
        return out;
    }

    private static JobConfig.Pass defaultPass() {
        JobConfig.Pass p = new JobConfig.Pass();
        p.name = "default";
        return p;
    }

    @SafeVarargs
    private static <T> T first(T... values) {
        for (T v : values) if (v != null) return v;
        throw new IllegalStateException("no default");
    }
}
