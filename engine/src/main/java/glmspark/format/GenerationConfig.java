package glmspark.format;

import com.fasterxml.jackson.databind.JsonNode;
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
            c = StrictJson.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelFormatException(file, "not valid JSON: " + e.getMessage());
        }
        if (c == null || !c.isObject()) throw new ModelFormatException(file, "not a JSON object");
        GenerationConfig g = new GenerationConfig(ModelConfig.ids(c.path("eos_token_id")),
                c.hasNonNull("do_sample") ? c.get("do_sample").asBoolean() : null,
                num(file, c, "temperature"), integer(file, c, "top_k"), num(file, c, "top_p"),
                num(file, c, "min_p"), num(file, c, "repetition_penalty"), integer(file, c, "max_new_tokens"));
        // Range errors would otherwise surface later, from SamplingParams, without naming this file.
        try {
            g.samplingDefaults();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
        if (g.maxNewTokens != null && g.maxNewTokens < 0)
            throw new ModelFormatException(file, "max_new_tokens must be >= 0, got " + g.maxNewTokens);
        return g;
    }

    private static Double num(Path file, JsonNode c, String k) throws ModelFormatException {
        JsonNode v = c.get(k);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) throw new ModelFormatException(file, "field '" + k + "' must be a number, got " + v);
        return v.asDouble();
    }

    private static Integer integer(Path file, JsonNode c, String k) throws ModelFormatException {
        JsonNode v = c.get(k);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || !v.canConvertToInt())
            throw new ModelFormatException(file, "field '" + k + "' must be an integer, got " + v);
        return v.asInt();
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
