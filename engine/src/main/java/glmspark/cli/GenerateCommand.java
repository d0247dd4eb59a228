package glmspark.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.generate.Completion;
import glmspark.generate.Engine;
import glmspark.generate.EngineOptions;
import glmspark.generate.GeneratedText;
import glmspark.generate.GenerationRequest;
import glmspark.generate.Prompt;
import glmspark.sampling.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

/**
 * {@code ./glm generate}: continues each input line's prompt. All lines are submitted at once so the
 * scheduler batches them; output lines keep input order (one line per sample).
 */
@Command(name = "generate", mixinStandardHelpOptions = true, description = {
        "Input lines: {\"input_ids\":[...]}, {\"messages\":[...]} or {\"prompt\":\"...\"} (a single user message),",
        "optionally with \"id\", \"seed\", \"n\", \"max_new_tokens\". Output per sample: output_ids, finish_reason,",
        "text, reasoning, answer, reasoning_closed. Greedy unless --do-sample or a sampling option is given."})
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Hugging Face model folder")
    Path model;

    @Option(names = "--input", required = true, description = "JSONL file, or - for stdin")
    Path input;

    @Option(names = "--max-new-tokens", description = "default: ${DEFAULT-VALUE}")
    int maxNewTokens = 256;

    @Option(names = "--do-sample", description = "sample with the model's generation_config.json defaults")
    boolean doSample;

    @Option(names = "--temperature")
    Double temperature;

    @Option(names = "--top-p")
    Double topP;

    @Option(names = "--top-k")
    Integer topK;

    @Option(names = "--min-p")
    Double minP;

    @Option(names = "--repetition-penalty")
    Double repetitionPenalty;

    @Option(names = "--seed", description = "default seed of lines without one (default: ${DEFAULT-VALUE})")
    long seed = 0;

    @Option(names = "--n", description = "samples per prompt (default: ${DEFAULT-VALUE})")
    int n = 1;

    @Option(names = "--stop", description = "stop string (repeatable)")
    List<String> stop = new ArrayList<>();

    @Option(names = "--batch-size", description = "sequences decoded together at most (default: ${DEFAULT-VALUE})")
    int batchSize = 64;

    @Option(names = "--threads", description = "CPU threads (default: all)")
    int threads;

    @Option(names = "--backend", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}: CUDA where a device is present)")
    String backend = "auto";

    @Option(names = "--device", description = "CUDA device ordinal (default: the first)")
    int device = -1;

    @Option(names = "--special-in-content", description = "parse special-token strings inside message contents (transformers' behaviour); by default they stay plain text")
    boolean specialInContent;

    SamplingParams sampling(Engine engine) {
        boolean anySampling = doSample || temperature != null || topP != null || topK != null || minP != null;
        SamplingParams d = anySampling ? engine.defaultSampling() : SamplingParams.greedy();
        return new SamplingParams(anySampling, temperature != null ? temperature : d.temperature(),
                topK != null ? topK : d.topK(), topP != null ? topP : d.topP(), minP != null ? minP : d.minP(),
                repetitionPenalty != null ? repetitionPenalty : d.repetitionPenalty());
    }

    private record Pending(JsonNode line, Prompt prompt, CompletableFuture<List<Completion>> result, String error) {
    }

    @Override
    public Integer call() throws Exception {
        int errors = 0;
        try (Engine engine = Engine.open(EngineOptions.of(model).withThreads(threads).withBatch(512, batchSize)
                .withBackend(backend).withDevice(device));
             PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), false)) {
            SamplingParams params = sampling(engine);
            List<Pending> pending = new ArrayList<>();
            for (JsonLines.Line line : JsonLines.read(input)) {
                try {
                    if (line.error() != null) throw new IllegalArgumentException(line.error());
                    JsonNode j = line.node();
                    Prompt prompt = prompt(engine, line);
                    String id = j.hasNonNull("id") ? j.get("id").asText() : String.valueOf(line.number());
                    GenerationRequest req = new GenerationRequest(id, prompt.ids(), params,
                            j.hasNonNull("seed") ? j.get("seed").asLong() : seed, j.hasNonNull("n") ? j.get("n").asInt() : n,
                            j.hasNonNull("max_new_tokens") ? j.get("max_new_tokens").asInt() : maxNewTokens, stop);
                    pending.add(new Pending(j, prompt, engine.submit(req, null), null));
                } catch (IllegalArgumentException e) {
                    pending.add(new Pending(line.node(), null, null, e.getMessage()));
                }
            }
            for (Pending p : pending) {
                String error = p.error();
                if (error == null) {
                    try {
                        for (Completion c : p.result().get()) out.println(json(engine, p, c));
                        out.flush();
                        continue;
                    } catch (ExecutionException e) {
                        error = e.getCause().getMessage();
                        if (System.getenv("GLM_DEBUG") != null) e.getCause().printStackTrace();
                    }
                }
                errors++;
                System.err.println("error: " + error);
                out.println(JsonLines.errorLine(error));
                out.flush();
            }
        }
        return errors == 0 ? 0 : 2;
    }

    private Prompt prompt(Engine engine, JsonLines.Line line) {
        JsonNode j = line.node();
        if (j.has("input_ids")) return new Prompt(null, JsonLines.ints(input, line, "input_ids"), false);
        List<Map<String, Object>> messages;
        if (j.has("messages")) {
            if (!j.get("messages").isArray() || j.get("messages").isEmpty())
                throw new IllegalArgumentException(input + " line " + line.number() + ": 'messages' must be a non-empty array");
            messages = JsonLines.JSON.convertValue(j.get("messages"), new TypeReference<>() { });
        } else if (j.hasNonNull("prompt")) {
            messages = List.of(Map.of("role", "user", "content", j.get("prompt").asText()));
        } else {
            throw new IllegalArgumentException(input + " line " + line.number() + ": needs 'input_ids', 'messages' or 'prompt'");
        }
        return engine.encodeChat(messages, specialInContent);
    }

    private static String json(Engine engine, Pending p, Completion c) {
        ObjectNode o = JsonLines.JSON.createObjectNode();
        if (p.line().has("id")) o.set("id", p.line().get("id"));
        if (c.sampleIndex() > 0 || p.line().path("n").asInt(1) > 1) o.put("sample_index", c.sampleIndex());
        ArrayNode ids = o.putArray("output_ids");
        for (int id : c.outputIds()) ids.add(id);
        o.put("finish_reason", c.finishReason().wire());
        o.put("text", c.text());
        GeneratedText g = engine.interpret(p.prompt(), c);
        o.put("reasoning", g.reasoning());
        o.put("answer", g.answer());
        o.put("reasoning_closed", g.reasoningClosed());
        return o.toString();
    }
}
