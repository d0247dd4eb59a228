package glmspark.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import glmspark.sampling.SamplingParams;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code generation_config.json}: stop ids and the model's default sampling. Absent fields stay null so a
 * request's own settings, then these, then the GLM-Z1 card's defaults fill them in that order.
 */
public record GenerationConfig(int[] eosTokenIds, Boolean doSample, Double temperature, Integer topK, Double topP,
                               Double minP, Double repetitionPenalty, Integer maxNewTokens) {

    public static GenerationConfig empty() {
        return new GenerationConfig(new int[0], null, null, null, null, null, null, null);
    }

    public static GenerationConfig read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return empty();
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelFormatException(file, "not valid JSON: " + e.getMessage());
        }
        if (c == null || !c.isObject()) throw new ModelFormatException(file, "not a JSON object");
        return new GenerationConfig(ModelConfig.ids(c.path("eos_token_id")),
                c.has("do_sample") ? c.get("do_sample").asBoolean() : null,
                num(c, "temperature"), c.has("top_k") ? c.get("top_k").asInt() : null, num(c, "top_p"),
                num(c, "min_p"), num(c, "repetition_penalty"),
                c.has("max_new_tokens") ? c.get("max_new_tokens").asInt() : null);
    }

    private static Double num(JsonNode c, String k) {
        return c.has(k) && c.get(k).isNumber() ? c.get(k).asDouble() : null;
    }

    /** The model's sampling defaults over the GLM-Z1 card's (temperature 0.6, top_p 0.95, top_k 40). */
    public SamplingParams samplingDefaults() {
        SamplingParams card = SamplingParams.glmZ1Card();
        return new SamplingParams(doSample != null ? doSample : card.doSample(),
                temperature != null ? temperature : card.temperature(),
                topK != null ? topK : card.topK(), topP != null ? topP : card.topP(),
                minP != null ? minP : card.minP(), repetitionPenalty != null ? repetitionPenalty : card.repetitionPenalty());
    }
}
