package glmspark.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.chat.ChatTemplate;
import glmspark.generate.Prompt;
import glmspark.generate.PromptEncoder;
import glmspark.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./glm chat-template}: renders conversations with the model's chat template and encodes them. */
@Command(name = "chat-template", mixinStandardHelpOptions = true, description = {
        "Input lines {\"messages\":[...],\"add_generation_prompt\":true,\"tools\":[...]} give {\"rendered\":\"...\",\"input_ids\":[...]}."})
public final class ChatTemplateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "model folder (tokenizer.json, tokenizer_config.json)")
    Path model;

    @Option(names = "--input", required = true, description = "JSONL file, or - for stdin")
    Path input;

    @Option(names = "--special-in-content", description = "parse special-token strings inside message contents (transformers' behaviour)")
    boolean specialInContent;

    @Override
    public Integer call() throws Exception {
        PromptEncoder encoder = new PromptEncoder(ChatTemplate.load(model), Tokenizer.load(model.resolve("tokenizer.json")));
        int errors = 0;
        try (PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), false)) {
            for (JsonLines.Line line : JsonLines.read(input)) {
                try {
                    if (line.error() != null) throw new IllegalArgumentException(line.error());
                    JsonNode j = line.node();
                    if (!j.path("messages").isArray())
                        throw new IllegalArgumentException(input + " line " + line.number() + ": 'messages' must be an array");
                    List<Map<String, Object>> messages = JsonLines.JSON.convertValue(j.get("messages"), new TypeReference<>() { });
                    List<Map<String, Object>> tools = j.path("tools").isArray()
                            ? JsonLines.JSON.convertValue(j.get("tools"), new TypeReference<>() { }) : null;
                    Prompt p = encoder.encode(messages, tools, j.path("add_generation_prompt").asBoolean(true), specialInContent);
                    ObjectNode o = JsonLines.JSON.createObjectNode();
                    o.put("rendered", p.rendered());
                    ArrayNode ids = o.putArray("input_ids");
                    for (int id : p.ids()) ids.add(id);
                    out.println(o);
                } catch (RuntimeException e) {
                    errors++;
                    System.err.println("error: " + e.getMessage());
                    out.println(JsonLines.errorLine(e.getMessage()));
                }
            }
        }
        return errors == 0 ? 0 : 2;
    }
}
