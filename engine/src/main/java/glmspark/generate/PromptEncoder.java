package glmspark.generate;

import glmspark.chat.ChatTemplate;
import glmspark.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Conversation to prompt tokens: the chat template renders, the tokenizer encodes with special tokens parsed.
 * Message contents are user data: unless {@code specialInContent}, special-token strings inside them are
 * protected (see {@link Tokenizer#protect}) so they encode as plain text and cannot forge roles.
 */
public final class PromptEncoder {

    private final ChatTemplate template;
    private final Tokenizer tokenizer;

    public PromptEncoder(ChatTemplate template, Tokenizer tokenizer) {
        this.template = template;
        this.tokenizer = tokenizer;
    }

    public Prompt encode(List<Map<String, Object>> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt,
                         boolean specialInContent) {
        List<Map<String, Object>> msgs = messages;
        if (!specialInContent) {
            msgs = new ArrayList<>();
            for (Map<String, Object> m : messages) {
                Map<String, Object> copy = new HashMap<>(m);
                if (copy.get("content") instanceof String s) copy.put("content", tokenizer.protect(s));
                msgs.add(copy);
            }
        }
        String rendered = template.render(msgs, addGenerationPrompt, tools);
        int[] ids = tokenizer.encode(rendered, true);
        String shown = Tokenizer.unprotect(rendered);
        int open = shown.lastIndexOf("<think>");
        boolean opensThink = open >= 0 && shown.indexOf("</think>", open) < 0 && shown.substring(open + 7).isBlank();
        return new Prompt(shown, ids, opensThink);
    }
}
