package glmspark.exec;

import glmspark.sampling.SamplingParams;

import java.io.Serializable;
import java.util.List;

/**
 * One pass with every setting resolved (pass entry, then top-level config, then the model's
 * generation_config.json, then greedy defaults).
 */
public record PassSettings(String name, int n, int maxNewTokens, long seed, boolean doSample, double temperature,
                           int topK, double topP, double minP, double repetitionPenalty,
                           List<String> stop) implements Serializable {

    public PassSettings {
        stop = List.copyOf(stop);
    }

    public SamplingParams sampling() {
        return new SamplingParams(doSample, temperature, topK, topP, minP, repetitionPenalty);
    }
}
