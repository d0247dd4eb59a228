package glmspark.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.JinjavaProcessors;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELResolver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Hugging Face chat template rendered the way transformers' {@code apply_chat_template} does: Jinja with
 * trim_blocks and lstrip_blocks, transformers' {@code tojson} filter (Python json.dumps formatting) and
 * {@code raise_exception}, variables {@code messages}, {@code tools}, {@code add_generation_prompt} and the
 * special tokens of tokenizer_config.json. Python {@code str} methods (split, strip, startswith, ...) behave as
 * in Python (see {@link PythonStringMethods}).
 *
 * <p>Sandboxed: no file system (include/import/extends fail), no re-interpretation of rendered values
 * (a message containing "{{ }}" stays text), bounded output size, node evaluations and wall-clock time.
 * Thread-safe: each render uses its own interpreter.
 */
public final class ChatTemplate {

    /** Largest rendered prompt: far above any real context window (128k tokens ~ 0.5 MB). */
    public static final long MAX_OUTPUT_CHARS = 8L << 20;
    /** Template nodes evaluated per render; a real template evaluates a few per message. */
    public static final long MAX_NODE_EVALUATIONS = 1_000_000;
    public static final long MAX_RENDER_MILLIS = 10_000;
    /**
     * Deepest nesting of brackets, and of block tags, in a template source. Jinjava's expression parser and
     * renderer recurse once per level and slow down badly with depth (20,000 nested parentheses ran for minutes
     * in the fuzz tests); real templates nest a handful of levels.
     */
    public static final int MAX_NESTING = 200;
    private static final java.util.regex.Pattern BLOCK_TAG = java.util.regex.Pattern.compile("\\{%[-+]?\\s*(\\w+)");
    private static final java.util.Set<String> BLOCK_OPENERS =
            java.util.Set.of("if", "for", "macro", "call", "filter", "block", "with", "autoescape", "raw");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SPECIAL_TOKEN_KEYS =
            {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"};

    private final String source;
    private final Map<String, Object> extraVariables;
    private final Jinjava jinjava;

    private ChatTemplate(String source, Map<String, Object> extraVariables) {
        this.source = source;
        this.extraVariables = extraVariables;
        this.jinjava = newJinjava();
    }

    /** A template from its source; extraVariables (bos_token, eos_token, ...) are visible to it. */
    public static ChatTemplate of(String source, Map<String, Object> extraVariables) {
        if (source == null) throw new IllegalArgumentException("chat template source is null");
        checkNesting(source);
        return new ChatTemplate(source, extraVariables == null ? Map.of() : new LinkedHashMap<>(extraVariables));
    }

    /**
     * The template of a model folder: {@code chat_template.jinja} when present (transformers gives it
     * precedence), else {@code tokenizer_config.json}'s {@code chat_template} (a string, or a list of
     * {name, template} of which "default" is taken). Special tokens come from tokenizer_config.json.
     */
    public static ChatTemplate load(Path modelDir) throws IOException {
        Path configFile = modelDir.resolve("tokenizer_config.json");
        Path jinjaFile = modelDir.resolve("chat_template.jinja");
        JsonNode config = null;
        if (Files.isRegularFile(configFile)) {
            try {
                config = JSON.readTree(configFile.toFile());
            } catch (IOException e) {
                throw new IOException(configFile + ": not valid JSON: " + e.getMessage(), e);
            }
            if (config == null || !config.isObject()) throw new IOException(configFile + ": expected a JSON object");
        }
        String source;
        if (Files.isRegularFile(jinjaFile)) {
            source = Files.readString(jinjaFile, StandardCharsets.UTF_8);
        } else if (config != null) {
            source = templateFromConfig(config.get("chat_template"), configFile);
        } else {
            throw new IOException("no chat template in " + modelDir + ": neither " + configFile.getFileName()
                    + " nor " + jinjaFile.getFileName() + " exists");
        }
        try {
            return of(source, config == null ? Map.of() : specialTokens(config, configFile));
        } catch (ChatTemplateException e) {
            throw new IOException((Files.isRegularFile(jinjaFile) ? jinjaFile : configFile) + ": " + e.getMessage(), e);
        }
    }

    /** Refuses sources nested deeper than {@link #MAX_NESTING} (brackets, or block tags), before Jinjava parses them. */
    static void checkNesting(String source) {
        int depth = 0, deepest = 0;
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '(' || c == '[' || c == '{') deepest = Math.max(deepest, ++depth);
            else if ((c == ')' || c == ']' || c == '}') && depth > 0) depth--;
        }
        if (deepest > MAX_NESTING)
            throw new ChatTemplateException("chat template nests brackets " + deepest + " levels deep (limit " + MAX_NESTING + ")");
        depth = 0;
        deepest = 0;
        java.util.regex.Matcher m = BLOCK_TAG.matcher(source);
        while (m.find()) {
            String tag = m.group(1);
            if (BLOCK_OPENERS.contains(tag)) deepest = Math.max(deepest, ++depth);
            else if (tag.startsWith("end") && depth > 0) depth--;
        }
        if (deepest > MAX_NESTING)
            throw new ChatTemplateException("chat template nests blocks " + deepest + " levels deep (limit " + MAX_NESTING + ")");
    }

    private static String templateFromConfig(JsonNode t, Path configFile) throws IOException {
        if (t == null || t.isNull()) {
            throw new IOException(configFile + ": no \"chat_template\" field (and no chat_template.jinja beside it)");
        }
        if (t.isTextual()) return t.asText();
        if (t.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode entry : t) {
                JsonNode name = entry.get("name");
                JsonNode template = entry.get("template");
                if (name == null || !name.isTextual() || template == null || !template.isTextual()) {
                    throw new IOException(configFile + ": \"chat_template\" list entries must be {name, template} strings");
                }
                if (name.asText().equals("default")) return template.asText();
                names.add(name.asText());
            }
            throw new IOException(configFile + ": \"chat_template\" has no template named \"default\" (has " + names + ")");
        }
        throw new IOException(configFile + ": \"chat_template\" must be a string or a list of {name, template}, got "
                + t.getNodeType());
    }

    /** transformers passes special_tokens_map to the template: token strings (or AddedToken content). */
    private static Map<String, Object> specialTokens(JsonNode config, Path configFile) throws IOException {
        Map<String, Object> vars = new LinkedHashMap<>();
        for (String key : SPECIAL_TOKEN_KEYS) {
            JsonNode v = config.get(key);
            if (v == null || v.isNull()) continue;
            vars.put(key, tokenText(v, configFile, key));
        }
        JsonNode extra = config.get("additional_special_tokens");
        if (extra != null && extra.isArray()) {
            List<String> tokens = new ArrayList<>();
            for (JsonNode v : extra) tokens.add(tokenText(v, configFile, "additional_special_tokens"));
            vars.put("additional_special_tokens", tokens);
        }
        return vars;
    }

    private static String tokenText(JsonNode v, Path configFile, String key) throws IOException {
        if (v.isTextual()) return v.asText();
        if (v.isObject() && v.path("content").isTextual()) return v.get("content").asText();
        throw new IOException(configFile + ": \"" + key + "\" must be a string or {\"content\": ...}");
    }

    public String source() {
        return source;
    }

    /**
     * Renders a conversation. Messages are maps with "role", "content" and optionally "metadata" etc.;
     * tools may be null (the template sees None).
     */
    public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt, List<Map<String, Object>> tools) {
        if (messages == null) throw new IllegalArgumentException("messages is null");
        Map<String, Object> bindings = new LinkedHashMap<>(extraVariables);
        // Copies: Jinjava's dict/list wrappers have mutating methods; the caller's data must stay untouched.
        bindings.put("messages", deepCopy(messages));
        bindings.put("tools", tools == null ? null : deepCopy(tools));
        bindings.put("documents", null);
        bindings.put("add_generation_prompt", addGenerationPrompt);

        Budget budget = new Budget(System.nanoTime() + MAX_RENDER_MILLIS * 1_000_000L);
        JinjavaConfig config = config(budget);
        RenderResult result;
        try {
            result = jinjava.renderForResult(source, bindings, config);
        } catch (SandboxLimitException e) {
            throw new ChatTemplateException("chat template: " + e.getMessage(), e);
        } catch (InterpretException e) {
            throw new ChatTemplateException("chat template: " + describe(e), e);
        } catch (StackOverflowError e) {
            // Jinjava parses and evaluates expressions recursively: a flat but very long chain like 1 + 1 + ... + 1
            // (20,000 terms) overflows the stack without being nested in the source.
            throw new ChatTemplateException("chat template: expression too long or too deeply nested to evaluate (stack overflow)");
        }
        for (TemplateError error : result.getErrors()) {
            // Undefined variables and properties render empty, as jinja2's default Undefined; all else fails.
            if (error.getSeverity() != TemplateError.ErrorType.FATAL
                    && error.getReason() == TemplateError.ErrorReason.UNKNOWN) continue;
            Throwable raised = raisedBy(error.getException());
            if (raised instanceof RaisedException r) {
                throw new ChatTemplateException("chat template raised an exception: " + r.getMessage(), r);
            }
            if (raised instanceof SandboxLimitException s) {
                throw new ChatTemplateException("chat template: " + s.getMessage(), s);
            }
            throw new ChatTemplateException("chat template error at line " + error.getLineno() + ": "
                    + error.getMessage(), error.getException());
        }
        return result.getOutput();
    }

    private static String describe(Throwable e) {
        Throwable r = raisedBy(e);
        return r != null ? r.getMessage() : e.getMessage();
    }

    /** The exception of ours (raise_exception or a sandbox limit) somewhere in a cause chain. */
    private static Throwable raisedBy(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RaisedException || t instanceof SandboxLimitException) return t;
        }
        return null;
    }

    private static Object deepCopy(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) copy.put(String.valueOf(e.getKey()), deepCopy(e.getValue()));
            return copy;
        }
        if (value instanceof Collection<?> c) {
            List<Object> copy = new ArrayList<>(c.size());
            for (Object o : c) copy.add(deepCopy(o));
            return copy;
        }
        return value;
    }

    // ---- Jinjava set-up

    private static final ELResolver RESOLVER;

    static {
        CompositeELResolver composite = new CompositeELResolver();
        composite.add(new PythonStringMethods());
        composite.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        RESOLVER = composite;
    }

    private static JinjavaConfig config(Budget budget) {
        return JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withNestedInterpretationEnabled(false)
                .withFailOnUnknownTokens(false)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withMaxStringLength(MAX_OUTPUT_CHARS)
                .withMaxListSize(1_000_000)
                .withMaxMapSize(1_000_000)
                .withRangeLimit(100_000)
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(100)
                .withElResolver(RESOLVER)
                .withProcessors(JinjavaProcessors.newBuilder().withNodePreProcessor(budget::charge).build())
                .build();
    }

    private static Jinjava newJinjava() {
        Jinjava j = new Jinjava(config(new Budget(Long.MAX_VALUE)));
        j.setResourceLocator((name, encoding, interpreter) -> {
            throw new IOException("chat templates may not read files (include/import/extends of '" + name
                    + "' is disabled)");
        });
        j.registerTag(new FilteringForTag());
        j.registerFilter(new ToJsonFilter());
        j.registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class,
                "raiseException", Object.class));
        j.registerFunction(new ELFunctionDefinition("", "strftime_now", ChatTemplate.class,
                "strftimeNow", String.class));
        return j;
    }

    /** Counts node evaluations and watches the clock; Jinja has no while loop, but nested loops can explode. */
    private static final class Budget {
        private final long deadlineNanos;
        private long nodes;

        Budget(long deadlineNanos) {
            this.deadlineNanos = deadlineNanos;
        }

        void charge(Node node, JinjavaInterpreter interpreter) {
            if (++nodes > MAX_NODE_EVALUATIONS) {
                throw new SandboxLimitException("template evaluated more than " + MAX_NODE_EVALUATIONS
                        + " nodes (line " + node.getLineNumber() + "): runaway loop?");
            }
            if ((nodes & 255) == 0 && System.nanoTime() > deadlineNanos) {
                throw new SandboxLimitException("template ran longer than " + MAX_RENDER_MILLIS + " ms (line "
                        + node.getLineNumber() + ")");
            }
        }
    }

    static final class SandboxLimitException extends RuntimeException {
        SandboxLimitException(String message) {
            super(message);
        }
    }

    static final class RaisedException extends RuntimeException {
        RaisedException(String message) {
            super(message);
        }
    }

    /** transformers' raise_exception(message): aborts rendering with the template's message. */
    public static Object raiseException(Object message) {
        throw new RaisedException(String.valueOf(message));
    }

    /** transformers' strftime_now(format): the current local time in Python strftime format. */
    public static String strftimeNow(String format) {
        LocalDateTime now = LocalDateTime.now();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                out.append(c);
                continue;
            }
            char f = format.charAt(++i);
            switch (f) {
                case 'Y' -> out.append(now.getYear());
                case 'y' -> out.append(String.format("%02d", now.getYear() % 100));
                case 'm' -> out.append(String.format("%02d", now.getMonthValue()));
                case 'd' -> out.append(String.format("%02d", now.getDayOfMonth()));
                case 'H' -> out.append(String.format("%02d", now.getHour()));
                case 'I' -> out.append(String.format("%02d", (now.getHour() + 11) % 12 + 1));
                case 'M' -> out.append(String.format("%02d", now.getMinute()));
                case 'S' -> out.append(String.format("%02d", now.getSecond()));
                case 'p' -> out.append(now.getHour() < 12 ? "AM" : "PM");
                case 'j' -> out.append(String.format("%03d", now.getDayOfYear()));
                case 'B' -> out.append(now.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'b' -> out.append(now.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> out.append(now.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> out.append(now.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case '%' -> out.append('%');
                default -> out.append('%').append(f);
            }
        }
        return out.toString();
    }

    /** transformers' tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False). */
    static final class ToJsonFilter implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object ensureAscii = kwargs.containsKey("ensure_ascii") ? kwargs.get("ensure_ascii") : positional(args, 0);
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : positional(args, 1);
            Object separators = kwargs.containsKey("separators") ? kwargs.get("separators") : positional(args, 2);
            Object sortKeys = kwargs.containsKey("sort_keys") ? kwargs.get("sort_keys") : positional(args, 3);
            for (String k : kwargs.keySet()) {
                if (!List.of("ensure_ascii", "indent", "separators", "sort_keys").contains(k)) {
                    throw new IllegalArgumentException("tojson: unexpected argument '" + k + "'");
                }
            }
            String indentText = null;
            if (indent instanceof Number n) indentText = " ".repeat(Math.max(0, n.intValue()));
            else if (indent instanceof CharSequence s) indentText = s.toString();
            else if (indent != null) throw new IllegalArgumentException("tojson: indent must be an int or a string");
            String item = null, key = null;
            if (separators != null) {
                if (!(separators instanceof List<?> l) || l.size() != 2) {
                    throw new IllegalArgumentException("tojson: separators must be a pair (item_separator, key_separator)");
                }
                item = String.valueOf(l.get(0));
                key = String.valueOf(l.get(1));
            }
            return new PythonJson(truthy(ensureAscii), indentText, item, key, truthy(sortKeys)).write(var);
        }

        private static Object positional(Object[] args, int i) {
            return args != null && i < args.length ? args[i] : null;
        }

        private static boolean truthy(Object o) {
            if (o == null) return false;
            if (o instanceof Boolean b) return b;
            if (o instanceof Number n) return n.doubleValue() != 0;
            if (o instanceof CharSequence s) return !s.isEmpty();
            return true;
        }
    }
}
