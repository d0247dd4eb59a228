package glmspark.chat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ChatTemplateTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Path glm4TinyDir() throws URISyntaxException {
        return Path.of(ChatTemplateTest.class.getResource("glm4-tiny/tokenizer_config.json").toURI()).getParent();
    }

    static Map<String, Object> msg(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    private static String renderSnippet(String template, List<Map<String, Object>> messages) {
        return ChatTemplate.of(template, Map.of()).render(messages, false, null);
    }

    @Test
    void everyFixtureConversationRendersByteForByteAsTransformers() throws Exception {
        ChatTemplate template = ChatTemplate.load(glm4TinyDir());
        JsonNode fixture;
        try (InputStream in = getClass().getResourceAsStream("glm4-tiny.chat.json")) {
            fixture = JSON.readTree(in);
        }
        int cases = 0;
        for (JsonNode c : fixture.get("cases")) {
            List<Map<String, Object>> messages = JSON.convertValue(c.get("messages"), new TypeReference<>() {});
            String rendered = template.render(messages, c.get("add_generation_prompt").asBoolean(), null);
            assertEquals(c.get("rendered").asText(), rendered, "case " + cases);
            cases++;
        }
        assertEquals(4, cases);
    }

    /**
     * The GLM-Z1 template's tools block. Expected text derived by hand from the template as jinja2 renders it
     * with trim_blocks/lstrip_blocks: "[gMASK]<sop>\n" loses its newline to "{%- if tools -%}", which also eats
     * the newline after it; each tool contributes "\n## NAME\n\n" (trim_blocks removes only the first newline
     * after the set tag), then json.dumps(function, indent=4, ensure_ascii=False) (Python: item separator ","
     * before each newline, ": " between key and value, non-ASCII kept, insertion order kept), then
     * "\n在调用上述函数时，请使用 Json 格式表示调用的参数。"; the newline before "{%- endfor %}" is stripped.
     * A tool without a "function" key is used as the function itself. Messages follow as in the fixtures.
     */
    @Test
    void toolsBlockMatchesJinja2WithPythonJsonDumps() throws Exception {
        ChatTemplate template = ChatTemplate.load(glm4TinyDir());
        List<Map<String, Object>> tools = JSON.readValue("""
                [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a \\"city\\"\\n",
                  "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "城市名"},
                  "days": {"type": "integer", "default": 2.5, "enum": []}}, "required": ["city"], "strict": true}}},
                 {"name": "now", "parameters": {}}]
                """, new TypeReference<>() {});
        String rendered = template.render(List.of(msg("user", "Weather in 北京?")), true, tools);
        String expected = "[gMASK]<sop><|system|>\n"
                + "你是一个名为 ChatGLM 的人工智能助手。你是基于智谱 AI 公司训练的语言模型 GLM-4 模型开发的，"
                + "你的任务是针对用户的问题和要求提供适当的答复和支持。\n\n# 可用工具"
                + "\n## get_weather\n\n"
                + "{\n"
                + "    \"name\": \"get_weather\",\n"
                + "    \"description\": \"Weather in a \\\"city\\\"\\n\",\n"
                + "    \"parameters\": {\n"
                + "        \"type\": \"object\",\n"
                + "        \"properties\": {\n"
                + "            \"city\": {\n"
                + "                \"type\": \"string\",\n"
                + "                \"description\": \"城市名\"\n"
                + "            },\n"
                + "            \"days\": {\n"
                + "                \"type\": \"integer\",\n"
                + "                \"default\": 2.5,\n"
                + "                \"enum\": []\n"
                + "            }\n"
                + "        },\n"
                + "        \"required\": [\n"
                + "            \"city\"\n"
                + "        ],\n"
                + "        \"strict\": true\n"
                + "    }\n"
                + "}\n在调用上述函数时，请使用 Json 格式表示调用的参数。"
                + "\n## now\n\n"
                + "{\n    \"name\": \"now\",\n    \"parameters\": {}\n}\n在调用上述函数时，请使用 Json 格式表示调用的参数。"
                + "<|user|>\nWeather in 北京?<|assistant|>\n<think>";
        assertEquals(expected, rendered);
    }

    @Test
    void earlierReasoningIsRemovedFromHistoryAndMetadataFollowsTheRole() throws Exception {
        ChatTemplate template = ChatTemplate.load(glm4TinyDir());
        Map<String, Object> withMeta = msg("assistant", "<think>plan</think> tool call");
        withMeta.put("metadata", "get_weather");
        List<Map<String, Object>> messages = List.of(
                msg("user", "<think>not reasoning</think>  q1"),
                msg("assistant", "<think>\nfirst\n</think>\nmiddle</think>\n\n last part \n"),
                withMeta,
                msg("observation", "{\"t\": 20}"),
                msg("assistant", "no think tags"),
                msg("user", "q2"));
        String rendered = template.render(messages, false, null);
        // content.split('</think>')[-1].strip(): text after the LAST </think>, for every role.
        assertEquals("[gMASK]<sop><|user|>\nq1<|assistant|>\nlast part<|assistant|>get_weather\ntool call"
                + "<|observation|>\n{\"t\": 20}<|assistant|>\nno think tags<|user|>\nq2", rendered);
        assertFalse(rendered.contains("first"));
    }

    @Test
    void generationPromptOpensThinkOnlyWhenAsked() throws Exception {
        ChatTemplate template = ChatTemplate.load(glm4TinyDir());
        // trim_blocks removes the newline between "{%- endfor %}" and "{% if add_generation_prompt %}"
        assertEquals("[gMASK]<sop><|user|>\nhi", template.render(List.of(msg("user", "hi")), false, null));
        assertEquals("[gMASK]<sop><|user|>\nhi<|assistant|>\n<think>",
                template.render(List.of(msg("user", "hi")), true, null));
        assertEquals("[gMASK]<sop><|user|>\nhi<|assistant|>\n<think>",
                template.render(List.of(msg("user", "hi")), true, List.of()), "empty tools list is falsy");
    }

    @Test
    void renderingDoesNotModifyTheCallersMessages() throws Exception {
        ChatTemplate template = ChatTemplate.of("{% set m = messages[0] %}{% do m.update({'content': 'x'}) %}"
                + "{{ messages[0].content }}", Map.of());
        Map<String, Object> m = msg("user", "original");
        template.render(List.of(m), false, null);
        assertEquals("original", m.get("content"));
    }

    @Test
    void specialTokensFromTokenizerConfigAreVariables() throws Exception {
        ChatTemplate glm = ChatTemplate.load(glm4TinyDir());
        ChatTemplate t = ChatTemplate.of("{{ eos_token }}|{{ pad_token }}|{{ bos_token }}|"
                + "{{ additional_special_tokens[1] }}", Map.of());
        assertEquals("||" + "|", t.render(List.of(), false, null), "undefined variables render empty");
        // the same source with the variables load() found
        Path dir = glm4TinyDir();
        String cfg = Files.readString(dir.resolve("tokenizer_config.json"));
        assertTrue(cfg.contains("\"eos_token\": \"<|user|>\""));
        ChatTemplate loadedVars = loadWith(dir, "{{ eos_token }}|{{ pad_token }}|{{ additional_special_tokens[1] }}");
        assertEquals("<|user|>|<|endoftext|>|[gMASK]", loadedVars.render(List.of(), false, null));
        assertNotNull(glm.source());
    }

    @TempDir
    Path temp;

    private ChatTemplate loadWith(Path configDir, String jinja) throws IOException {
        Path dir = Files.createTempDirectory(temp, "model");
        Files.copy(configDir.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        Files.writeString(dir.resolve("chat_template.jinja"), jinja);
        return ChatTemplate.load(dir);
    }

    @Test
    void chatTemplateJinjaTakesPrecedenceAndListTemplatesUseDefault() throws Exception {
        assertEquals("from file", loadWith(glm4TinyDir(), "from file").render(List.of(), false, null));

        Path dir = Files.createTempDirectory(temp, "list");
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D{{ bos_token }}"}],
                 "bos_token": {"content": "<s>", "lstrip": false}}""");
        assertEquals("D<s>", ChatTemplate.load(dir).render(List.of(), false, null));
    }

    @Test
    void loadNamesTheFileWhenTheTemplateIsAbsentOrInvalid() throws Exception {
        Path empty = Files.createTempDirectory(temp, "empty");
        IOException e = assertThrows(IOException.class, () -> ChatTemplate.load(empty));
        assertTrue(e.getMessage().contains("tokenizer_config.json") && e.getMessage().contains("chat_template.jinja"),
                e.getMessage());

        Path bad = Files.createTempDirectory(temp, "bad");
        Files.writeString(bad.resolve("tokenizer_config.json"), "{\"chat_template\": ");
        e = assertThrows(IOException.class, () -> ChatTemplate.load(bad));
        assertTrue(e.getMessage().contains(bad.resolve("tokenizer_config.json").toString()), e.getMessage());

        Path none = Files.createTempDirectory(temp, "none");
        Files.writeString(none.resolve("tokenizer_config.json"), "{\"eos_token\": \"x\"}");
        e = assertThrows(IOException.class, () -> ChatTemplate.load(none));
        assertTrue(e.getMessage().contains("chat_template") && e.getMessage().contains("tokenizer_config.json"),
                e.getMessage());

        Path noDefault = Files.createTempDirectory(temp, "nodefault");
        Files.writeString(noDefault.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"rag\", \"template\": \"x\"}]}");
        e = assertThrows(IOException.class, () -> ChatTemplate.load(noDefault));
        assertTrue(e.getMessage().contains("default") && e.getMessage().contains("rag"), e.getMessage());
    }

    @Test
    void pythonStringAndDictMethodsBehaveAsInPython() {
        String t = """
                {%- for m in messages -%}
                [{{ m.content.split('</think>')[-1] }}|{{ m.content.split('</think>')[0] }}|{{ m.content.strip() }}|\
                {{ m.get('metadata', 'none') }}|{{ m.content.startswith('<think>') }}|{{ m.content.endswith('x') }}|\
                {{ m.content.split() | length }}|{{ loop.last }}]
                {%- endfor -%}""";
        Map<String, Object> withMeta = msg("user", "a</think>");
        withMeta.put("metadata", "M");
        String out = renderSnippet(t, List.of(msg("user", "<think>r</think>\u00a0 b x \u0085"), withMeta));
        // Python: split keeps the trailing empty string; strip removes U+00A0 and U+0085 (str.isspace).
        assertEquals("[\u00a0 b x \u0085|<think>r|<think>r</think>\u00a0 b x|none|true|false|3|false]"
                + "[|a|a</think>|M|false|false|1|true]", out);
    }

    @Test
    void namespaceLoopFilterAndLoopControlsWork() {
        String t = """
                {%- set ns = namespace(last_user=-1, n=0) -%}
                {%- for m in messages -%}
                  {%- if m.role == 'user' %}{% set ns.last_user = loop.index0 %}{% endif -%}
                {%- endfor -%}
                {%- for m in messages if m.role != 'system' -%}
                  {%- if loop.index0 > 1 %}{% break %}{% endif -%}
                  {{ m.content }}{{ ',' if not loop.last }}
                {%- endfor -%}
                |{{ ns.last_user }}""";
        String out = renderSnippet(t, List.of(msg("system", "S"), msg("user", "u1"), msg("assistant", "a1"),
                msg("user", "u2")));
        assertEquals("u1,a1,|3", out);
    }

    @Test
    void raiseExceptionAbortsWithTheTemplatesMessage() {
        ChatTemplate t = ChatTemplate.of("{% if messages[0].role != 'user' %}"
                + "{{ raise_exception('Conversation roles must alternate user/assistant') }}{% endif %}ok", Map.of());
        assertEquals("ok", t.render(List.of(msg("user", "x")), false, null));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> t.render(List.of(msg("assistant", "x")), false, null));
        assertTrue(e.getMessage().contains("Conversation roles must alternate user/assistant"), e.getMessage());
    }

    @Test
    void renderedValuesAreNotInterpretedAsTemplates() {
        assertEquals("{{ 7 * 7 }}{% if true %}", renderSnippet("{{ messages[0].content }}",
                List.of(msg("user", "{{ 7 * 7 }}{% if true %}"))));
    }

    @Test
    void includeAndImportCannotReadFiles() {
        for (String t : List.of("{% include '/etc/passwd' %}", "{% import 'x.jinja' as x %}{{ x.y() }}",
                "{% extends 'base.html' %}", "{% from 'm.jinja' import f %}{{ f() }}")) {
            ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> renderSnippet(t, List.of()), t);
            assertFalse(e.getMessage().contains("root:"), e.getMessage());
        }
    }

    @Test
    void outputLargerThanTheLimitFails() {
        // 8 MB limit: 1000 copies of a 10 kB message = 10 MB in a few thousand node evaluations
        List<Map<String, Object>> big = List.of(msg("user", "x".repeat(10_000)));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> renderSnippet(
                "{% for i in range(1000) %}{{ messages[0].content }}{% endfor %}", big));
        assertTrue(e.getMessage().contains("OutputTooBig"), e.getMessage());
        assertEquals(7_000_000, renderSnippet("{% for i in range(700) %}{{ messages[0].content }}{% endfor %}", big)
                .length(), "below the limit");
    }

    @Test
    void runawayLoopsWithoutOutputFail() {
        // 100k^2 iterations that print nothing: stopped by the node budget, long before it could finish
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> renderSnippet(
                "{% for i in range(100000) %}{% for j in range(100000) %}{% set x = j %}{% endfor %}{% endfor %}",
                List.of()));
        assertTrue(e.getMessage().contains("runaway loop") || e.getMessage().contains("longer than"), e.getMessage());
    }

    @Test
    void unboundedMacroRecursionFails() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> renderSnippet(
                "{% macro f(n) %}x{{ f(n) }}{% endmacro %}{{ f(1) }}", List.of()));
        assertTrue(e.getMessage().contains("recursion"), e.getMessage());
        assertEquals("3210", renderSnippet("{% macro f(n) %}{{ n }}{% if n > 0 %}{{ f(n - 1) }}{% endif %}"
                + "{% endmacro %}{{ f(3) }}", List.of()), "bounded recursion is fine");
    }

    @Test
    void stringIndexingAcceptsNegativeIndices() {
        assertEquals("c|a|bc", renderSnippet("{% set s = messages[0].content %}{{ s[-1] }}|{{ s[0] }}|{{ s[1:] }}",
                List.of(msg("user", "abc"))));
    }

    @Test
    void syntaxErrorsAreReportedWithTheLine() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> renderSnippet("line1\n{% if %}", List.of()));
        assertTrue(e.getMessage().contains("line"), e.getMessage());
    }

    @Test
    void toolsAsFilterArgumentsMatchTransformersDefaults() {
        // transformers' tojson defaults: ensure_ascii=False, no indent, (", ", ": ") separators
        Map<String, Object> m = msg("user", "é\"");
        List<Map<String, Object>> messages = new ArrayList<>(List.of(m));
        assertEquals("{\"role\": \"user\", \"content\": \"é\\\"\"}",
                renderSnippet("{{ messages[0] | tojson }}", messages));
        assertEquals("{\"role\":\"user\",\"content\":\"\\u00e9\\\"\"}",
                renderSnippet("{{ messages[0] | tojson(ensure_ascii=True, separators=(',', ':')) }}", messages));
        assertEquals("{\"content\": \"é\\\"\", \"role\": \"user\"}",
                renderSnippet("{{ messages[0] | tojson(sort_keys=True) }}", messages));
    }
}
