package glmspark.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.exec.PassSettings;
import glmspark.io.DatasetReader;
import glmspark.io.ModelCheck;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * OUTPUT/manifest.json: the run's id, its fingerprint (what decides the generated tokens: model files,
 * tokenizer and template checksums, passes, datasets, engine version, backend), Spark and JVM versions, and
 * one entry per driver invocation ("segment") with start/end times and totals. Resume keeps the run id and
 * refuses a different fingerprint unless {@code allow_fingerprint_mismatch}.
 */
public final class RunManifest {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    /** Model files whose bytes decide tokenization or the chat rendering; weights count by name and size. */
    static final Set<String> CHECKSUMMED = Set.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja", "chat_template.json");

    private final FileSystem fs;
    private final Path file;
    private final ObjectNode root;

    private RunManifest(FileSystem fs, Path file, ObjectNode root) {
        this.fs = fs;
        this.file = file;
        this.root = root;
    }

    public String runId() {
        return root.get("run_id").asText();
    }

    /** When the run (its first segment) started. */
    public long startedAtMillis() {
        return java.time.Instant.parse(root.get("started").asText()).toEpochMilli();
    }

    public String fingerprint() {
        return root.get("fingerprint").asText();
    }

    public ObjectNode root() {
        return root;
    }

    /** The fingerprint parts; the hash is SHA-256 of their canonical (sorted-key) JSON. */
    public static ObjectNode fingerprintParts(JobConfig cfg, ModelCheck.ModelInfo model, Map<String, PassSettings> passes,
                                              Configuration conf) throws IOException {
        ObjectNode p = JSON.createObjectNode();
        ArrayNode files = p.putArray("model_files");
        Path mroot = new Path(model.path());
        FileSystem mfs = mroot.getFileSystem(conf);
        for (FileStatus f : model.files()) {
            ObjectNode o = files.addObject();
            String name = f.getPath().getName();
            o.put("name", name).put("size", f.getLen());
            if (CHECKSUMMED.contains(name)) o.put("sha256", sha256(mfs, f.getPath(), Long.MAX_VALUE));
            else if (model.gguf()) o.put("sha256_first_16MiB", sha256(mfs, f.getPath(), 16L << 20));
        }
        p.set("passes", JSON.valueToTree(passes.values()));
        p.put("special_in_content", cfg.specialInContent);
        p.put("backend", cfg.backend);
        p.put("engine_version", engineVersion());
        ArrayNode ds = p.putArray("datasets");
        for (int i = 0; i < cfg.datasets.size(); i++) {
            JobConfig.DatasetSpec d = DatasetReader.resolve(cfg.datasets.get(i), cfg.manifests, i);
            ObjectNode o = ds.addObject();
            o.set("spec", JSON.valueToTree(d));
            ArrayNode df = o.putArray("files");
            for (FileStatus f : DatasetReader.files(d.path, conf)) {
                df.addObject().put("path", f.getPath().toString()).put("size", f.getLen())
                        .put("sha256", sha256(f.getPath().getFileSystem(conf), f.getPath(), Long.MAX_VALUE));
            }
        }
        return p;
    }

    public static String hash(JsonNode parts) throws IOException {
        Object canonical = JSON.treeToValue(parts, Object.class); // maps, sorted on write
        byte[] bytes = JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(canonical);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Starts a new run or resumes one. Without resume, existing progress and results are deleted.
     * @throws IllegalStateException on a fingerprint mismatch that is not allowed
     */
    public static RunManifest open(JobConfig cfg, ObjectNode parts, Configuration conf, String segment) throws IOException {
        Path out = new Path(cfg.output);
        FileSystem fs = out.getFileSystem(conf);
        Path file = new Path(out, "manifest.json");
        String fp = hash(parts);
        ObjectNode root = null;
        if (fs.exists(file) && cfg.resume) {
            try (FSDataInputStream in = fs.open(file)) {
                root = (ObjectNode) JSON.readTree(in);
            }
            String old = root.path("fingerprint").asText();
            if (!old.equals(fp)) {
                if (!cfg.allowFingerprintMismatch) {
                    throw new IllegalStateException("resume: " + file + " was written by a run with fingerprint " + old
                            + ", this run's is " + fp + " (model, tokenizer, sampling, datasets, engine or backend changed; first difference: "
                            + firstDifference(root.path("fingerprint_parts"), parts, "") + "). Use a new output folder, set resume: false "
                            + "to start over, or allow_fingerprint_mismatch: true to keep the finished rows anyway.");
                }
                root.withArray("fingerprint_history").add(old);
            }
        } else {
            if (fs.exists(out)) {
                fs.delete(new Path(out, glmspark.io.ProgressStore.DIR), true);
                fs.delete(new Path(out, "results"), true);
                fs.delete(new Path(out, "results.jsonl"), false);
                fs.delete(new Path(out, "scores.json"), false);
            }
        }
        if (root == null) {
            root = JSON.createObjectNode();
            root.put("run_id", Instant.now().toString().replaceAll("[^0-9]", "").substring(0, 14) + "-"
                    + UUID.randomUUID().toString().substring(0, 8));
            root.put("started", Instant.now().toString());
        }
        root.put("fingerprint", fp);
        root.set("fingerprint_parts", parts);
        root.put("spark_version", org.apache.spark.package$.MODULE$.SPARK_VERSION());
        root.put("java_version", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        root.put("status", "running");
        root.remove("ended");
        root.withArray("segments").addObject().put("segment", segment).put("started", Instant.now().toString());
        RunManifest m = new RunManifest(fs, file, root);
        m.save();
        return m;
    }

    public void finish(String status, JsonNode totals) throws IOException {
        String now = Instant.now().toString();
        root.put("status", status);
        root.put("ended", now);
        ArrayNode segs = root.withArray("segments");
        ObjectNode last = (ObjectNode) segs.get(segs.size() - 1);
        last.put("ended", now).put("status", status);
        if (totals != null) root.set("totals", totals);
        save();
    }

    void save() throws IOException {
        Path tmp = new Path(file.getParent(), ".manifest.json." + UUID.randomUUID() + ".tmp");
        try (FSDataOutputStream os = fs.create(tmp, true)) {
            os.write(JSON.writeValueAsBytes(root));
        }
        fs.delete(file, false);
        if (!fs.rename(tmp, file)) throw new IOException("manifest: cannot rename " + tmp + " to " + file);
    }

    static String firstDifference(JsonNode a, JsonNode b, String at) {
        if (a.equals(b)) return null;
        if (a.isNumber() && b.isNumber() && a.decimalValue().compareTo(b.decimalValue()) == 0) return null;
        if (a.isObject() && b.isObject()) {
            var names = new java.util.TreeSet<String>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String n : names) {
                String d = firstDifference(a.path(n), b.path(n), at.isEmpty() ? n : at + "." + n);
                if (d != null) return d;
            }
            return null;
        }
        if (a.isArray() && b.isArray() && a.size() == b.size()) {
            for (int i = 0; i < a.size(); i++) {
                String d = firstDifference(a.get(i), b.get(i), at + "[" + i + "]");
                if (d != null) return d;
            }
            return null;
        }
        return at.isEmpty() ? "(whole)" : at;
    }

    public static String engineVersion() {
        String v = glmspark.generate.Engine.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    static String sha256(FileSystem fs, Path f, long limit) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = fs.open(f)) {
                byte[] buf = new byte[1 << 16];
                long left = limit;
                int n;
                while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
                    md.update(buf, 0, n);
                    left -= n;
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
