package glmspark.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.chat.ChatTemplate;
import glmspark.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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
        ChatTemplate template = ChatTemplate.load(model);
        Tokenizer tok = Tokenizer.load(model.resolve("tokenizer.json"));
        int errors = 0;
        try (PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), false)) {
            for (JsonLines.Line line : JsonLines.read(input)) {
                try {
                    if (line.error() != null) throw new IllegalArgumentException(line.error());
                    JsonNode j = line.node();
                    if (!j.path("messages").isArray())
                        throw new IllegalArgumentException(input + " line " + line.number() + ": 'messages' must be an array");
                    List<Map<String, Object>> messages = JsonLines.JSON.convertValue(j.get("messages"), new TypeReference<>() { });
                    if (!specialInContent) {
                        List<Map<String, Object>> protectedMessages = new ArrayList<>();
                        for (Map<String, Object> m : messages) {
                            Map<String, Object> copy = new HashMap<>(m);
                            if (copy.get("content") instanceof String s) copy.put("content", tok.protect(s));
                            protectedMessages.add(copy);
                        }
                        messages = protectedMessages;
                    }
                    List<Map<String, Object>> tools = j.path("tools").isArray()
                            ? JsonLines.JSON.convertValue(j.get("tools"), new TypeReference<>() { }) : null;
                    String rendered = template.render(messages, j.path("add_generation_prompt").asBoolean(true), tools);
                    ObjectNode o = JsonLines.JSON.createObjectNode();
                    o.put("rendered", Tokenizer.unprotect(rendered));
                    ArrayNode ids = o.putArray("input_ids");
                    for (int id : tok.encode(rendered, true)) ids.add(id);
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
