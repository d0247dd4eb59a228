package glmspark.job;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link JobConfig} from the command line:
 * {@code [CONF.yaml|CONF.json] [--model DIR] [--dataset NAME|PATH]... [--output DIR] [--n N]
 * [--max-new-tokens N] [--seed S] [--master URL] [--format parquet|jsonl] [--conf key=value]...}.
 *
 * <p>Order: the file, then the flags, then the {@code --conf} overrides, all applied to the configuration's
 * tree before it is bound, so an override can set any field: {@code sampling.temperature=0.7},
 * {@code datasets.0.limit=5}, {@code passes.1.n=8} (list index; the next free index appends an entry).
 * Values are read as YAML scalars or flow collections ({@code stop=["\n\n"]}).
 */
public final class ConfigLoader {

    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    public static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ConfigLoader() {
    }

    public static JobConfig fromArgs(String... args) throws IOException {
        ObjectNode tree = JsonNodeFactory.instance.objectNode();
        List<String> overrides = new ArrayList<>();
        ArrayNode datasetFlags = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                if (i != 0) throw new IllegalArgumentException("unexpected argument '" + a + "': the configuration file must come first");
                tree = readTree(Path.of(a));
                continue;
            }
            String name = a, value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else {
                if (i + 1 >= args.length) throw new IllegalArgumentException("flag " + a + " needs a value");
                value = args[++i];
            }
            switch (name) {
                case "--model" -> tree.put("model", value);
                case "--output" -> tree.put("output", value);
                case "--master" -> tree.put("master", value);
                case "--format" -> tree.put("format", value);
                case "--n" -> tree.set("n", scalar(value));
                case "--max-new-tokens" -> tree.set("max_new_tokens", scalar(value));
                case "--seed" -> tree.set("seed", scalar(value));
                case "--dataset" -> {
                    // The first --dataset replaces the file's list; later ones add to it.
                    if (datasetFlags == null) datasetFlags = tree.putArray("datasets");
                    ObjectNode d = datasetFlags.addObject();
                    if (looksLikePath(value)) d.put("path", value);
                    else d.put("manifest", value);
                }
                case "--conf" -> overrides.add(value);
                default -> throw new IllegalArgumentException("unknown flag " + name
                        + " (known: --model --dataset --output --n --max-new-tokens --seed --master --format --conf)");
            }
        }
        return fromTree(tree, overrides);
    }

    /** A manifest name is a bare word (aime2024, demo); anything with a slash, dot or scheme is a path. */
    static boolean looksLikePath(String v) {
        return v.contains("/") || v.contains(".") || v.contains(":");
    }

    public static ObjectNode readTree(Path file) throws IOException {
        if (!Files.isReadable(file)) throw new IllegalArgumentException("config file " + file + " is not readable");
        String text;
        try {
            text = Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException("config file " + file + " is not UTF-8 text", e);
        }
        return readTree(text, file.toString().endsWith(".json"), file.toString());
    }

    /** A configuration's text (JSON when json, else YAML) as a tree; errors name the file. */
    public static ObjectNode readTree(String text, boolean json, String file) {
        JsonNode n;
        try {
            n = json ? JSON.readTree(text) : YAML.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("config file " + file + ": " + e.getMessage(), e);
        }
        if (n == null || n.isMissingNode() || n.isNull()) return JsonNodeFactory.instance.objectNode();
        if (!n.isObject()) throw new IllegalArgumentException("config file " + file + ": top level must be a mapping");
        return (ObjectNode) n;
    }

    /** The file's tree, then the --conf overrides, bound and validated: what fromArgs does after reading flags. */
    public static JobConfig fromTree(ObjectNode tree, List<String> overrides) {
        for (String o : overrides) applyOverride(tree, o);
        JobConfig cfg = bind(tree);
        cfg.validate();
        return cfg;
    }

    static JobConfig bind(JsonNode tree) {
        try {
            return JSON.treeToValue(tree, JobConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException("config: unknown field '" + path(e) + "' (known: " + e.getKnownPropertyIds() + ")", e);
        } catch (IOException e) {
            String where = e instanceof com.fasterxml.jackson.databind.JsonMappingException m ? path(m) : "?";
            throw new IllegalArgumentException("config: field '" + where + "': " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
    }

    private static String path(com.fasterxml.jackson.databind.JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) sb.append('.');
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) sb.append('[').append(ref.getIndex()).append(']');
        }
        return sb.toString();
    }

    private static JsonNode scalar(String value) {
        try {
            JsonNode n = YAML.readTree(value);
            return n == null || n.isMissingNode() ? TextNode.valueOf(value) : n;
        } catch (IOException e) {
            return TextNode.valueOf(value);
        }
    }

    /** Sets {@code a.b.0.c=value} in the tree, creating objects (and appending list entries) on the way. */
    static void applyOverride(ObjectNode root, String kv) {
        int eq = kv.indexOf('=');
        if (eq <= 0) throw new IllegalArgumentException("--conf expects key=value, got '" + kv + "'");
        String key = kv.substring(0, eq).trim();
        JsonNode value = scalar(kv.substring(eq + 1));
        if (key.startsWith("spark.")) {
            // The spark map's keys contain dots themselves: spark.spark.executor.cores=4 sets "spark.executor.cores".
            JsonNode m = root.get("spark");
            ObjectNode map = m instanceof ObjectNode o ? o : root.putObject("spark");
            map.put(key.substring("spark.".length()), value.asText());
            return;
        }
        String[] keys = key.split("\\.");
        JsonNode node = root;
        for (int i = 0; i < keys.length; i++) {
            String k = keys[i];
            boolean last = i == keys.length - 1;
            if (node instanceof ObjectNode obj) {
                if (last) {
                    obj.set(k, value);
                } else {
                    JsonNode next = obj.get(k);
                    if (next == null || next.isNull()) {
                        next = keys[i + 1].matches("\\d+") ? obj.putArray(k) : obj.putObject(k);
                    }
                    node = next;
                }
            } else if (node instanceof ArrayNode arr) {
                if (!k.matches("\\d+")) throw new IllegalArgumentException("--conf " + kv + ": '" + k + "' must be a list index");
                int idx = Integer.parseInt(k);
                if (idx > arr.size()) throw new IllegalArgumentException("--conf " + kv + ": index " + idx + " is past the end of a list of " + arr.size());
                if (last) {
                    if (idx == arr.size()) arr.add(value);
                    else arr.set(idx, value);
                } else {
                    if (idx == arr.size()) arr.add(keys[i + 1].matches("\\d+") ? arr.arrayNode() : arr.objectNode());
                    node = arr.get(idx);
                }
            } else {
                throw new IllegalArgumentException("--conf " + kv + ": '" + String.join(".", java.util.Arrays.copyOf(keys, i)) + "' is not a mapping or list");
            }
        }
    }
}
