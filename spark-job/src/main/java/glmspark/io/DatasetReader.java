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
            out.addAll(read(spark, d, Limits.of(cfg)));
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

    /**
     * Input limits (SECURITY.md). A row past one becomes an error row naming the limit.
     *
     * @param maxPromptChars longest prompt text (all message contents together), in characters
     * @param maxRows        most rows per dataset; 0 = no limit
     * @param maxLineChars   longest JSONL line read; a longer line is skipped while reading, never held whole
     */
    public record Limits(int maxPromptChars, int maxRows, int maxLineChars) implements java.io.Serializable {
        /** The line limit leaves room for a prompt of max_prompt_chars written with escapes, plus the other fields. */
        public Limits(int maxPromptChars, int maxRows) {
            this(maxPromptChars, maxRows, (int) Math.min(Integer.MAX_VALUE - 16, 2L * maxPromptChars + (1 << 20)));
        }

        public static final Limits DEFAULT = new Limits(1_000_000, 0);

        public static Limits of(JobConfig cfg) {
            return new Limits(cfg.maxPromptChars, cfg.maxRows);
        }
    }

    public static List<PromptRow> read(SparkSession spark, DatasetSpec d) throws IOException {
        return read(spark, d, Limits.DEFAULT);
    }

    public static List<PromptRow> read(SparkSession spark, DatasetSpec d, Limits limits) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Mapper mapper = new Mapper(d, limits);
        List<PromptRow> rows = new ArrayList<>();
        switch (d.format) {
            case "jsonl", "json" -> {
                for (FileStatus f : files(d.path, conf)) {
                    FileSystem fs = f.getPath().getFileSystem(conf);
                    try (var in = new InputStreamReader(fs.open(f.getPath()), StandardCharsets.UTF_8)) {
                        if (!readJsonl(in, f.getPath().toString(), mapper, rows)) return rows;
                    }
                }
            }
            case "parquet", "csv" -> {
                var reader = spark.read();
                if (d.format.equals("csv")) reader = reader.option("header", "true").option("multiLine", "true").option("escape", "\"");
                List<String> paths = new ArrayList<>();
                for (FileStatus f : files(d.path, conf)) paths.add(f.getPath().toString());
                org.apache.spark.sql.Dataset<Row> df;
                try {
                    df = reader.format(d.format).load(paths.toArray(String[]::new)).withColumn("__file", functions.input_file_name());
                } catch (Exception e) { // Spark throws its checked SparkException undeclared
                    throw new IllegalArgumentException("dataset " + d.name + ": cannot read " + d.format + " " + paths + ": " + e.getMessage(), e);
                }
                if (d.limit > 0) df = df.limit(d.limit);
                StructField[] fields = df.schema().fields();
                int rowNo = 0;
                List<Row> collected;
                try {
                    collected = df.collectAsList();
                } catch (Exception e) { // Spark throws its checked SparkException undeclared
                    throw new IllegalArgumentException("dataset " + d.name + ": cannot read " + d.format + " " + paths + ": " + e.getMessage(), e);
                }
                for (Row row : collected) {
                    rowNo++;
                    ObjectNode n = JsonNodeFactory.instance.objectNode();
                    for (int i = 0; i < fields.length - 1; i++) n.set(fields[i].name(), toJson(row.get(i)));
                    String file = new Path(row.getString(fields.length - 1)).getName();
                    if (mapper.pastMaxRows()) {
                        rows.add(mapper.pastMaxRowsError(file + ":row " + rowNo));
                        continue;
                    }
                    rows.add(mapper.map(n, file + ":row " + rowNo));
                }
            }
            default -> throw new IllegalArgumentException("dataset " + d.name + ": unknown format " + d.format);
        }
        return rows;
    }

    /**
     * Reads one JSONL file: every non-blank line becomes one row (an error row when it is malformed, too long or
     * past max_rows). A line longer than max_prompt_chars is skipped without being held in memory.
     *
     * @return false when the dataset's {@code limit} was reached (stop reading)
     */
    static boolean readJsonl(java.io.Reader in, String file, Mapper mapper, List<PromptRow> rows) throws IOException {
        String name = new Path(file).getName();
        int maxLine = mapper.limits.maxLineChars();
        BoundedLines lines = new BoundedLines(in, maxLine);
        String line;
        while ((line = lines.next()) != null) {
            int lineNo = lines.lineNo();
            if (!lines.tooLong() && line.isBlank()) continue;
            if (mapper.d.limit > 0 && mapper.count() >= mapper.d.limit) return false;
            String src = name + ":" + lineNo;
            if (mapper.pastMaxRows()) {
                rows.add(mapper.pastMaxRowsError(src));
                continue;
            }
            if (lines.tooLong()) {
                rows.add(mapper.error(src, "line " + lineNo + " of " + file + " is longer than " + maxLine
                        + " characters (the line limit: 2 x max_prompt_chars + 1 MiB); not read"));
                continue;
            }
            rows.add(mapper.parseLine(line, src, file, lineNo));
        }
        return true;
    }

    /** Lines of a reader, each at most max characters; the rest of a longer line is skipped (see tooLong). */
    static final class BoundedLines {
        private final java.io.Reader in;
        private final int max;
        private final char[] buf = new char[8192];
        private int pos, end;
        private int lineNo;
        private boolean tooLong;
        private boolean eof;

        BoundedLines(java.io.Reader in, int max) {
            this.in = in;
            this.max = max;
        }

        /** The next line without its terminator (\n, \r\n), "" for a too-long one, or null at the end. */
        String next() throws IOException {
            StringBuilder sb = new StringBuilder();
            tooLong = false;
            boolean any = false;
            while (true) {
                if (pos == end) {
                    if (eof) break;
                    end = in.read(buf, 0, buf.length);
                    pos = 0;
                    if (end <= 0) {
                        end = 0;
                        eof = true;
                        break;
                    }
                }
                any = true;
                int start = pos;
                while (pos < end && buf[pos] != '\n') pos++;
                int n = pos - start;
                if (!tooLong) {
                    if (sb.length() + n > max + 1) { // +1: a trailing \r is not content
                        tooLong = true;
                        sb.setLength(0);
                    } else {
                        sb.append(buf, start, n);
                    }
                }
                if (pos < end) {
                    pos++; // the \n
                    break;
                }
            }
            if (!any) return null;
            lineNo++;
            if (!tooLong && !sb.isEmpty() && sb.charAt(sb.length() - 1) == '\r') sb.setLength(sb.length() - 1);
            if (!tooLong && sb.length() > max) {
                tooLong = true;
                sb.setLength(0);
            }
            return sb.toString();
        }

        int lineNo() {
            return lineNo;
        }

        boolean tooLong() {
            return tooLong;
        }
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
        final DatasetSpec d;
        final Limits limits;
        private final Set<String> seen = new HashSet<>();
        private int count;

        Mapper(DatasetSpec d, Limits limits) {
            this.d = d;
            this.limits = limits;
        }

        Mapper(DatasetSpec d) {
            this(d, Limits.DEFAULT);
        }

        /** Rows made so far (good and error rows). */
        int count() {
            return count;
        }

        boolean pastMaxRows() {
            return limits.maxRows() > 0 && count >= limits.maxRows();
        }

        PromptRow pastMaxRowsError(String src) {
            return error(src, "row " + src + " of dataset " + d.name + " is past max_rows (" + limits.maxRows() + "); not read");
        }

        PromptRow error(String src, String why) {
            count++;
            return new PromptRow(d.name, uniqueId(src), src, null, List.of(), null, d.answerType, Map.of(), why);
        }

        /** One JSONL line (already known to be within max_prompt_chars) as a row or an error row. */
        PromptRow parseLine(String line, String src, String file, int lineNo) {
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                return error(src, "malformed JSON at " + file + " line " + lineNo + ": "
                        + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
            }
            if (n == null || !n.isObject()) return error(src, "line " + lineNo + " of " + file + " is not a JSON object");
            return map((ObjectNode) n, src);
        }

        private String uniqueId(String id) {
            String u = id;
            for (int k = 2; !seen.add(u); k++) u = id + "#" + k;
            return u;
        }

        PromptRow map(ObjectNode n, String src) {
            count++;
            JobConfig.Fields f = d.fields;
            String idField = f.id != null ? f.id : "id";
            JsonNode idNode = n.get(idField);
            String id = idNode == null || idNode.isNull() ? src : idNode.isTextual() ? idNode.asText() : idNode.toString();
            if (id.isBlank()) id = src; // a blank id identifies nothing (found by SparkRowMappingFuzzTest)
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
            if (problem == null && messages != null) {
                long chars = 0;
                for (Map<String, String> msg : messages) chars += msg.get("content").length();
                if (chars > limits.maxPromptChars()) {
                    problem = "has a prompt of " + chars + " characters, more than max_prompt_chars (" + limits.maxPromptChars() + ")";
                    promptText = null; // an error row does not carry the oversized text
                    messages = null;
                }
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
