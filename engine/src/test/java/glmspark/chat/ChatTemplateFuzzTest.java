package glmspark.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Chat templates from many hands: the GLM-4 template with spans deleted, duplicated and spliced with Jinja
 * fragments, and templates made of random fragments (loops, macros, recursion, include/import/extends, Python
 * methods, raise_exception, big string products, deep nesting). Each render ends in text no longer than the output
 * limit or in a ChatTemplateException (or IllegalArgumentException) with a message, within the time limit; file
 * access is never granted.
 */
class ChatTemplateFuzzTest {

    private static final String[] FRAGMENTS = {"{{ ", " }}", "{% ", " %}", "{%- ", " -%}", "for m in messages", "endfor",
            "if ", "endif", "else", "elif ", "messages[0].content", "messages[-1]['role']", "range(50)", "range(1000)",
            "'ab' * 1000", "'ab' * 100000000", "loop.index", "| tojson", "| length", "| upper", "raise_exception('boom')",
            "macro m(n)", "endmacro", "m(3)", "m(n)", "set y = ", "include 'x.jinja'", "import 'x' as y", "extends 'b.html'",
            "from 'm' import f", "{#", "#}", "(", ")", "[", "]", ".split(' ')", ".strip()", ".startswith('a')",
            "namespace(a=1)", "{% raw %}", "{% endraw %}", "None", "none", "~", "1/0", "x.__class__",
            "''.__class__.__mro__", "strftime_now('%Y')", "messages | map(attribute='content') | join", "dict(a=1)",
            "tools", "add_generation_prompt", "bos_token", "\n", " ", "m", "x", "1", "'", "\"", "|", ",", "=", "recursive",
            "loop(messages)", "content.split('</think>')[-1]", "tojson(indent=4)", "lipsum(3)", "messages.append(1)",
            "{{ messages }}", "is defined", "not ", " and ", " or ", "[::-1]", "filter", "endfilter", "call", "endcall"};

    private static String glmTemplate;

    @BeforeContainer
    static void load() throws IOException, URISyntaxException {
        Path dir = Path.of(ChatTemplateFuzzTest.class.getResource("glm4-tiny/tokenizer_config.json").toURI()).getParent();
        glmTemplate = new ObjectMapper().readTree(dir.resolve("tokenizer_config.json").toFile()).get("chat_template").asText();
    }

    @Property(tries = 10_000, shrinking = ShrinkingMode.OFF)
    void randomTemplateRendersOrFailsWithAMessage(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String source = r.nextInt(2) == 0 ? mutateGlm(r) : randomTemplate(r);
        List<Map<String, Object>> messages = messages(r);
        boolean generationPrompt = r.nextBoolean();
        assertTimeoutPreemptively(Duration.ofMillis(ChatTemplate.MAX_RENDER_MILLIS + 10_000), () -> {
            try {
                String out = ChatTemplate.of(source, Map.of("bos_token", "<s>")).render(messages, generationPrompt, null);
                assertTrue(out.length() <= ChatTemplate.MAX_OUTPUT_CHARS, "output of " + out.length());
            } catch (ChatTemplateException | IllegalArgumentException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "empty message for " + source);
            } catch (Throwable t) {
                fail("seed " + seed + ": unexpected " + t + " for template " + source, t);
            }
        });
    }

    @Example
    void deeplyNestedTemplatesAreRefusedUpFront() {
        int depth = 20_000;
        for (String source : new String[] {
                "{{ " + "(".repeat(depth) + "1" + ")".repeat(depth) + " }}",
                "{% if true %}".repeat(depth) + "x" + "{% endif %}".repeat(depth),
                "{% for i in [1] %}".repeat(depth) + "x" + "{% endfor %}".repeat(depth),
                "{{ " + "[".repeat(depth) + "]".repeat(depth) + " }}"}) {
            ChatTemplateException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> assertThrows(ChatTemplateException.class, () -> ChatTemplate.of(source, Map.of())));
            assertTrue(e.getMessage().contains("levels deep"), e.getMessage());
        }
    }

    @Example
    void nestingJustUnderTheLimitRendersQuickly() {
        int depth = ChatTemplate.MAX_NESTING - 10;
        String parens = "{{ " + "(".repeat(depth) + "1" + ")".repeat(depth) + " }}";
        String ifs = "{% if true %}".repeat(depth) + "x" + "{% endif %}".repeat(depth);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertEquals("1", ChatTemplate.of(parens, Map.of()).render(List.of(), false, null));
            assertEquals("x", ChatTemplate.of(ifs, Map.of()).render(List.of(), false, null));
        });
    }

    @Example
    void longFlatExpressionsStayBounded() {
        for (String source : new String[] {"{{ 1" + " + 1".repeat(20_000) + " }}", "{{ x" + ".a".repeat(20_000) + " }}"}) {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                try {
                    ChatTemplate.of(source, Map.of()).render(List.of(), false, null);
                } catch (ChatTemplateException e) {
                    assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
                }
            }, source.substring(0, 20));
        }
    }

    @Example
    void rangeIsTruncatedAtTheRangeLimit() {
        // Jinjava caps range() at the configured limit (100,000) instead of failing: bounded, documented in SECURITY.md.
        assertEquals("100000", ChatTemplate.of("{{ range(1000000000) | list | length }}", Map.of()).render(List.of(), false, null));
    }

    @Example
    void limitsHoldForHostileTemplates() {
        String[] hostile = {
                "{% for m in messages recursive %}{{ loop(messages) }}{% endfor %}",      // unbounded loop recursion
                "{{ 'ab' * 100000000 }}",                                                 // 200 MB string
                "{% set s = namespace(x='a') %}{% for i in range(40) %}{% set s.x = s.x ~ s.x %}{% endfor %}{{ s.x }}",
                "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",                         // recursion limit
                "{% include 'tokenizer_config.json' %}", "{% import '/etc/passwd' as p %}", "{% extends '../x' %}",
        };
        for (String source : hostile) {
            assertTimeoutPreemptively(Duration.ofMillis(ChatTemplate.MAX_RENDER_MILLIS + 10_000), () -> {
                ChatTemplateException e = assertThrows(ChatTemplateException.class,
                        () -> ChatTemplate.of(source, Map.of()).render(List.of(msg("user", "hi")), false, null), source);
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
            }, source);
        }
    }

    // ---- generators

    private static String mutateGlm(SplittableRandom r) {
        StringBuilder sb = new StringBuilder(glmTemplate);
        int edits = 1 + r.nextInt(4);
        for (int i = 0; i < edits && !sb.isEmpty(); i++) {
            int a = r.nextInt(sb.length());
            int b = Math.min(sb.length(), a + 1 + r.nextInt(40));
            switch (r.nextInt(4)) {
                case 0 -> sb.delete(a, b);
                case 1 -> sb.insert(a, sb.substring(a, b));
                case 2 -> sb.insert(a, FRAGMENTS[r.nextInt(FRAGMENTS.length)]);
                default -> sb.replace(a, b, FRAGMENTS[r.nextInt(FRAGMENTS.length)]);
            }
        }
        return sb.toString();
    }

    private static String randomTemplate(SplittableRandom r) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + r.nextInt(20);
        for (int i = 0; i < n; i++) sb.append(FRAGMENTS[r.nextInt(FRAGMENTS.length)]);
        return sb.toString();
    }

    private static Map<String, Object> msg(String role, Object content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    private static List<Map<String, Object>> messages(SplittableRandom r) {
        String[] roles = {"user", "assistant", "system", "observation", "tool", ""};
        Object[] contents = {"hello", "", "{{ 7 * 7 }}{% if %}", "<think>a</think>b", "x".repeat(1000), null, 42,
                List.of("a", 1), Map.of("k", "v"), "<|user|>[gMASK]", "\u00e9\u4e2d\uD83D\uDE00"};
        List<Map<String, Object>> out = new ArrayList<>();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
            Map<String, Object> m = msg(roles[r.nextInt(roles.length)], contents[r.nextInt(contents.length)]);
            if (r.nextInt(4) == 0) m.put("metadata", "meta");
            out.add(m);
        }
        return out;
    }
}
