package glmspark.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.job.ConfigLoader;
import glmspark.job.JobConfig;
import glmspark.job.JobConfig.DatasetSpec;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads prompt sets (JSONL, Parquet, CSV; a file, folder or glob on any Hadoop file system) into
 * {@link PromptRow}s on the driver. Prompt sets are small (megabytes) next to the work they cause, and reading
 * them here gives every bad row its file and line. JSONL is read line by line, so a malformed line is an error
 * row naming file and line, never a failed job.
 *
 * <p>Field mapping defaults: id {@code id}; prompt the first present of {@code messages} (a chat),
 * {@code prompt}, {@code problem}, {@code question}; gold {@code answer}; every other column is carried in
 * {@code extra}.
 */
public final class DatasetReader {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PROMPT_DEFAULTS = List.of("prompt", "problem", "question");

    private DatasetReader() {
    }

    /** Resolves each configured dataset against its manifest and reads it. */
    public static List<PromptRow> readAll(SparkSession spark, JobConfig cfg) throws IOException {
        List<PromptRow> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < cfg.datasets.size(); i++) {
            DatasetSpec d = resolve(cfg.datasets.get(i), cfg.manifests, i);
            if (!names.add(d.name)) throw new IllegalArgumentException("config: datasets[" + i + "].name '" + d.name + "' is used twice");
            out.addAll(read(spark, d));
        }
        return out;
    }

    /** Merges a configured entry over its manifest (the entry's non-null fields win) and fills defaults. */
    public static DatasetSpec resolve(DatasetSpec given, String manifestDir, int index) throws IOException {
        DatasetSpec d = new DatasetSpec();
        if (given.manifest != null) {
            java.nio.file.Path mf = given.manifest.endsWith(".yaml") || given.manifest.endsWith(".yml")
                    ? java.nio.file.Path.of(given.manifest)
                    : java.nio.file.Path.of(manifestDir, given.manifest + ".yaml");
            if (!java.nio.file.Files.isReadable(mf)) {
                throw new IllegalArgumentException("config: datasets[" + index + "].manifest '" + given.manifest + "': no file " + mf.toAbsolutePath());
            }
            try {
                d = ConfigLoader.YAML.readValue(mf.toFile(), DatasetSpec.class);
            } catch (IOException e) {
                throw new IllegalArgumentException("dataset manifest " + mf + ": " + e.getMessage(), e);
            }
            // A relative path in a manifest is relative to the manifest folder's parent (the repository root).
            if (d.path != null && new Path(d.path).toUri().getScheme() == null && !d.path.startsWith("/")) {
                java.nio.file.Path base = mf.toAbsolutePath().getParent().getParent();
                d.path = base.resolve(d.path).normalize().toString();
            }
            if (d.name == null) d.name = mf.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        }
        if (given.name != null) d.name = given.name;
        if (given.path != null) d.path = given.path;
        if (given.format != null) d.format = given.format;
        if (given.limit != 0) d.limit = given.limit;
        if (given.template != null) d.template = given.template;
        if (given.answerType != null) d.answerType = given.answerType;
        if (given.goldAfter != null) d.goldAfter = given.goldAfter;
        if (given.fields != null) {
            if (d.fields == null) d.fields = new JobConfig.Fields();
            if (given.fields.id != null) d.fields.id = given.fields.id;
            if (given.fields.prompt != null) d.fields.prompt = given.fields.prompt;
            if (given.fields.messages != null) d.fields.messages = given.fields.messages;
            if (given.fields.gold != null) d.fields.gold = given.fields.gold;
            if (given.fields.extra != null) d.fields.extra = given.fields.extra;
        }
        if (d.fields == null) d.fields = new JobConfig.Fields();
        if (d.path == null) throw new IllegalArgumentException("config: datasets[" + index + "] has no path (and its manifest gives none)");
        if (d.name == null) d.name = new Path(d.path).getName().replaceFirst("\\.[^.]*$", "");
        if (d.format == null) d.format = formatOf(d.path);
        if (d.answerType == null) d.answerType = "MATH";
        return d;
    }

    static String formatOf(String path) {
        String p = path.toLowerCase(java.util.Locale.ROOT);
        if (p.endsWith(".parquet")) return "parquet";
        if (p.endsWith(".csv")) return "csv";
        return "jsonl";
    }

    /** The files a path names: itself, a folder's visible files (sorted), or a glob's matches (sorted). */
    public static List<FileStatus> files(String path, Configuration conf) throws IOException {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(conf);
        FileStatus[] matches = fs.globStatus(p);
        if (matches == null || matches.length == 0) throw new IllegalArgumentException("dataset: " + path + " does not exist");
        List<FileStatus> out = new ArrayList<>();
        for (FileStatus m : matches) {
            if (m.isDirectory()) {
                for (FileStatus f : fs.listStatus(m.getPath())) {
                    String n = f.getPath().getName();
                    if (f.isFile() && !n.startsWith(".") && !n.startsWith("_")) out.add(f);
                }
            } else {
                out.add(m);
            }
        }
        out.sort((a, b) -> a.getPath().toString().compareTo(b.getPath().toString()));
        return out;
    }

    public static List<PromptRow> read(SparkSession spark, DatasetSpec d) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Mapper mapper = new Mapper(d);
        List<PromptRow> rows = new ArrayList<>();
        switch (d.format) {
            case "jsonl", "json" -> {
                for (FileStatus f : files(d.path, conf)) {
                    FileSystem fs = f.getPath().getFileSystem(conf);
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(f.getPath()), StandardCharsets.UTF_8))) {
                        String line;
                        int lineNo = 0;
                        while ((line = r.readLine()) != null) {
                            lineNo++;
                            if (line.isBlank()) continue;
                            if (d.limit > 0 && rows.size() >= d.limit) return rows;
                            String src = f.getPath().getName() + ":" + lineNo;
                            JsonNode n;
                            try {
                                n = JSON.readTree(line);
                            } catch (IOException e) {
                                rows.add(mapper.error(src, "malformed JSON at " + f.getPath() + " line " + lineNo + ": "
                                        + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage())));
                                continue;
                            }
                            if (n == null || !n.isObject()) {
                                rows.add(mapper.error(src, "line " + lineNo + " of " + f.getPath() + " is not a JSON object"));
                                continue;
                            }
                            rows.add(mapper.map((ObjectNode) n, src));
                        }
                    }
                }
            }
            case "parquet", "csv" -> {
                var reader = spark.read();
                if (d.format.equals("csv")) reader = reader.option("header", "true").option("multiLine", "true").option("escape", "\"");
                List<String> paths = new ArrayList<>();
                for (FileStatus f : files(d.path, conf)) paths.add(f.getPath().toString());
                var df = reader.format(d.format).load(paths.toArray(String[]::new)).withColumn("__file", functions.input_file_name());
                if (d.limit > 0) df = df.limit(d.limit);
                StructField[] fields = df.schema().fields();
                int rowNo = 0;
                for (Row row : df.collectAsList()) {
                    rowNo++;
                    ObjectNode n = JsonNodeFactory.instance.objectNode();
                    for (int i = 0; i < fields.length - 1; i++) n.set(fields[i].name(), toJson(row.get(i)));
                    String file = new Path(row.getString(fields.length - 1)).getName();
                    rows.add(mapper.map(n, file + ":row " + rowNo));
                }
            }
            default -> throw new IllegalArgumentException("dataset " + d.name + ": unknown format " + d.format);
        }
        return rows;
    }

    /** Spark values (strings, numbers, arrays, structs, maps) as JSON. */
    static JsonNode toJson(Object v) {
        if (v == null) return JsonNodeFactory.instance.nullNode();
        if (v instanceof Row r) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            for (int i = 0; i < r.size(); i++) o.set(r.schema().fields()[i].name(), toJson(r.get(i)));
            return o;
        }
        if (v instanceof scala.collection.Seq<?> s) {
            var a = JsonNodeFactory.instance.arrayNode();
            for (Object x : scala.jdk.javaapi.CollectionConverters.asJava(s)) a.add(toJson(x));
            return a;
        }
        if (v instanceof scala.collection.Map<?, ?> m) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            for (var e : scala.jdk.javaapi.CollectionConverters.asJava(m).entrySet()) o.set(String.valueOf(e.getKey()), toJson(e.getValue()));
            return o;
        }
        return JSON.valueToTree(v instanceof java.sql.Timestamp || v instanceof java.sql.Date ? v.toString() : v);
    }

    /** Field mapping of one dataset, with duplicate-id detection. */
    static final class Mapper {
        private final DatasetSpec d;
        private final Set<String> seen = new HashSet<>();

        Mapper(DatasetSpec d) {
            this.d = d;
        }

        PromptRow error(String src, String why) {
            return new PromptRow(d.name, uniqueId(src), src, null, List.of(), null, d.answerType, Map.of(), why);
        }

        private String uniqueId(String id) {
            String u = id;
            for (int k = 2; !seen.add(u); k++) u = id + "#" + k;
            return u;
        }

        PromptRow map(ObjectNode n, String src) {
            JobConfig.Fields f = d.fields;
            String idField = f.id != null ? f.id : "id";
            JsonNode idNode = n.get(idField);
            String id = idNode == null || idNode.isNull() ? src : idNode.isTextual() ? idNode.asText() : idNode.toString();
            String goldField = f.gold != null ? f.gold : "answer";
            String gold = text(n.get(goldField));
            if (gold != null && d.goldAfter != null) {
                int at = gold.lastIndexOf(d.goldAfter);
                if (at >= 0) gold = gold.substring(at + d.goldAfter.length()).trim();
            }

            Set<String> used = new HashSet<>(List.of(idField, goldField));
            String promptText = null;
            List<Map<String, String>> messages = null;
            String problem = null;
            String messagesField = f.messages != null ? f.messages : f.prompt == null && n.has("messages") ? "messages" : null;
            if (messagesField != null) {
                used.add(messagesField);
                JsonNode m = n.get(messagesField);
                if (m == null || m.isNull()) problem = "has no '" + messagesField + "' field";
                else {
                    try {
                        messages = chat(m);
                        for (Map<String, String> msg : messages) if ("user".equals(msg.get("role"))) promptText = msg.get("content");
                    } catch (IllegalArgumentException e) {
                        problem = "field '" + messagesField + "': " + e.getMessage();
                    }
                }
            } else {
                List<String> candidates = f.prompt != null ? List.of(f.prompt) : PROMPT_DEFAULTS;
                for (String c : candidates) {
                    if (n.hasNonNull(c)) {
                        used.add(c);
                        promptText = text(n.get(c));
                        break;
                    }
                }
                if (promptText == null || promptText.isBlank()) {
                    problem = "has no prompt (looked for field" + (candidates.size() > 1 ? "s " : " ") + String.join(", ", candidates) + ")";
                } else {
                    String content = d.template == null ? promptText : d.template.replace("{prompt}", promptText);
                    messages = List.of(Map.of("role", "user", "content", content));
                }
            }

            Map<String, String> extra = new LinkedHashMap<>();
            var it = n.fields();
            while (it.hasNext()) {
                var e = it.next();
                boolean carry = f.extra != null ? f.extra.contains(e.getKey()) : !used.contains(e.getKey());
                if (carry && !e.getValue().isNull()) extra.put(e.getKey(), text(e.getValue()));
            }
            String uid = uniqueId(id);
            if (!uid.equals(id)) problem = "duplicate id '" + id + "' (kept as '" + uid + "')";
            if (problem != null) {
                return new PromptRow(d.name, uid, src, promptText, List.of(), gold, d.answerType, extra,
                        "row " + src + " of dataset " + d.name + " " + problem);
            }
            return new PromptRow(d.name, uid, src, promptText, messages, gold, d.answerType, extra, null);
        }

        private static List<Map<String, String>> chat(JsonNode m) {
            if (!m.isArray() || m.isEmpty()) throw new IllegalArgumentException("must be a non-empty list of {role, content}");
            List<Map<String, String>> out = new ArrayList<>();
            for (JsonNode x : m) {
                if (!x.isObject() || !x.path("role").isTextual() || !x.path("content").isTextual()) {
                    throw new IllegalArgumentException("every message needs string 'role' and 'content', got " + x);
                }
                out.add(Map.of("role", x.get("role").asText(), "content", x.get("content").asText()));
            }
            return out;
        }

        private static String text(JsonNode v) {
            if (v == null || v.isNull()) return null;
            return v.isTextual() ? v.asText() : v.toString();
        }
    }

    static List<String> asList(String... s) {
        return Arrays.asList(s);
    }
}
