package glmspark.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The job's configuration, as read from YAML or JSON (snake_case keys) and then changed by command-line
 * flags and {@code --conf key=value} overrides (see {@link ConfigLoader}). Plain mutable fields so Jackson
 * can fill them and Spark can ship the object to executors; {@link #validate()} checks it once on the driver.
 *
 * <p>Passes: a job runs one or more passes over the same prompts, e.g. a greedy pass and a sampled n=4 pass.
 * Each entry of {@code passes} overrides the top-level {@code sampling}, {@code n}, {@code max_new_tokens} and
 * {@code seed}; with no {@code passes} the job runs one pass named {@code default} with the top-level values.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public final class JobConfig implements Serializable {

    /** Model folder (config.json, safetensors, tokenizer.json) or .gguf file; any Hadoop path. */
    public String model;
    /** Engine backend: cpu, cuda or auto. */
    public String backend = "auto";
    /** Engine kernel threads per executor JVM; 0 = the executor's cores. */
    public int threads = 0;
    public List<DatasetSpec> datasets = new ArrayList<>();
    /** Sampling settings; a field left out takes the model's generation_config.json value. */
    public Sampling sampling = new Sampling();
    public int n = 1;
    @JsonProperty("max_new_tokens")
    public int maxNewTokens = 1024;
    public long seed = 0;
    /** Texts that end a sample (in addition to the model's eos tokens). */
    public List<String> stop = new ArrayList<>();
    /** Whether special-token texts inside message content are encoded as special tokens (default: as text). */
    @JsonProperty("special_in_content")
    public boolean specialInContent = false;
    public List<Pass> passes = new ArrayList<>();
    public String output = "runs/default";
    /** Spark partitions of the prompt set; 0 = Spark's default parallelism. */
    public int partitions = 0;
    /** parquet, or jsonl (Parquet plus OUTPUT/results.jsonl). */
    public String format = "parquet";
    /** Reuse the finished rows under OUTPUT/_progress (same fingerprint only). */
    public boolean resume = true;
    @JsonProperty("allow_fingerprint_mismatch")
    public boolean allowFingerprintMismatch = false;
    /** Spark master for a run started with java directly (submit.sh passes it to spark-submit instead). */
    public String master;
    /** Extra Spark settings applied to the session. */
    public Map<String, String> spark = new LinkedHashMap<>();
    /** Rows per progress file: a finished row is checkpointed at most this many rows later. */
    @JsonProperty("progress_rows")
    public int progressRows = 8;
    /** ... or at most this many seconds later. */
    @JsonProperty("progress_seconds")
    public int progressSeconds = 30;
    /** Seconds between two progress lines on the driver log. */
    @JsonProperty("report_seconds")
    public int reportSeconds = 10;
    /** Local folder of the per-node model cache for models on non-local file systems. */
    @JsonProperty("model_cache")
    public String modelCache;
    /** Engine scheduler: token budget of a step and sequences decoded together (0 = engine default). */
    @JsonProperty("max_batch_tokens")
    public int maxBatchTokens = 0;
    @JsonProperty("max_sequences")
    public int maxSequences = 0;
    /**
     * Factory of the row generator executors use, a class implementing {@code glmspark.exec.RowGenerator.Factory}.
     * The default runs the engine; tests name a deterministic fake.
     */
    public String generator = "glmspark.exec.EngineRowGenerator$Factory";
    /** Folder of dataset manifests (NAME.yaml); relative paths inside a manifest resolve against its parent. */
    public String manifests = "datasets";

    // Limits (SECURITY.md): each row past one becomes an error row naming the limit; a pass past max_n is a
    // configuration error.
    /** Longest rendered prompt in tokens; 0 = the model's context length minus 1 (room for one new token). */
    @JsonProperty("max_prompt_tokens")
    public int maxPromptTokens = 0;
    /** Most samples per prompt a pass may ask for. */
    @JsonProperty("max_n")
    public int maxN = 1024;
    /** Longest prompt text in characters, checked before tokenisation; also the longest JSONL line read. */
    @JsonProperty("max_prompt_chars")
    public int maxPromptChars = 1_000_000;
    /** Most rows read from one dataset; later rows become error rows (0 = no limit). */
    @JsonProperty("max_rows")
    public int maxRows = 0;

    /** One input: a manifest name (datasets/NAME.yaml) and/or a path, with field mapping. */
    @JsonIgnoreProperties(ignoreUnknown = false)
    public static final class DatasetSpec implements Serializable {
        /** Name used in the dataset column; defaults to the manifest name or the file's base name. */
        public String name;
        /** A manifest in datasets/ (aime2024, math500, ...) or a path to a manifest YAML. */
        public String manifest;
        /** File, folder or glob, local or any Hadoop path; relative paths resolve against the manifest. */
        public String path;
        /** jsonl, parquet, csv; default from the file extension. */
        public String format;
        public Fields fields = new Fields();
        /** Read at most this many rows (0 = all). */
        public int limit = 0;
        /** User-message template; {prompt} is replaced by the prompt field. */
        public String template;
        /** MATH, NUMBER, CHOICE or TEXT (glmspark.grade.AnswerType): how the grader extracts and compares answers. */
        @JsonProperty("answer_type")
        public String answerType;
        /** When set, the gold answer is the text after the last occurrence of this marker (GSM8K: "####"). */
        @JsonProperty("gold_after")
        public String goldAfter;
    }

    /** Which input columns mean what; null = the defaults named below. */
    @JsonIgnoreProperties(ignoreUnknown = false)
    public static final class Fields implements Serializable {
        /** Default {@code id}; a row without one gets {@code <file>:<line>}. */
        public String id;
        /** A plain-text prompt; default the first present of prompt, problem, question. */
        public String prompt;
        /** A chat: a list of {role, content}; default {@code messages} when present. */
        public String messages;
        /** Default {@code answer}. */
        public String gold;
        /** Columns copied into the results' {@code extra} map; default all other columns. */
        public List<String> extra;
    }

    /** Sampler settings; null fields come from the model's generation_config.json, then greedy defaults. */
    @JsonIgnoreProperties(ignoreUnknown = false)
    public static class Sampling implements Serializable {
        @JsonProperty("do_sample")
        public Boolean doSample;
        public Double temperature;
        @JsonProperty("top_p")
        public Double topP;
        @JsonProperty("top_k")
        public Integer topK;
        @JsonProperty("min_p")
        public Double minP;
        @JsonProperty("repetition_penalty")
        public Double repetitionPenalty;
    }

    /** One pass: its sampling fields sit beside n, max_new_tokens and seed; every null field takes the top-level value. */
    @JsonIgnoreProperties(ignoreUnknown = false)
    public static final class Pass extends Sampling {
        public String name;
        public Integer n;
        @JsonProperty("max_new_tokens")
        public Integer maxNewTokens;
        public Long seed;
    }

    /** Checks every field; the message names the field. */
    public void validate() {
        if (model == null || model.isBlank()) throw bad("model", "is required (a model folder or .gguf file)");
        if (backend == null || !List.of("cpu", "cuda", "auto").contains(backend)) throw bad("backend", "must be cpu, cuda or auto, got '" + backend + "'");
        if (threads < 0) throw bad("threads", "must be >= 0, got " + threads);
        if (sampling == null) throw bad("sampling", "must be a mapping, got null");
        if (passes == null) throw bad("passes", "must be a list, got null");
        if (stop == null) throw bad("stop", "must be a list, got null");
        for (int i = 0; i < stop.size(); i++) if (stop.get(i) == null || stop.get(i).isEmpty()) throw bad("stop[" + i + "]", "must be a non-empty text");
        if (spark == null) throw bad("spark", "must be a mapping, got null");
        for (var e : spark.entrySet()) if (e.getValue() == null) throw bad("spark." + e.getKey(), "must have a value");
        if (manifests == null) throw bad("manifests", "must be a folder, got null");
        if (datasets == null || datasets.isEmpty()) throw bad("datasets", "needs at least one dataset (--dataset NAME|PATH)");
        for (int i = 0; i < datasets.size(); i++) {
            DatasetSpec d = datasets.get(i);
            String f = "datasets[" + i + "]";
            if (d == null) throw bad(f, "is empty");
            if ((d.path == null || d.path.isBlank()) && (d.manifest == null || d.manifest.isBlank()))
                throw bad(f, "needs a path or a manifest");
            if (d.format != null && !List.of("jsonl", "json", "parquet", "csv").contains(d.format))
                throw bad(f + ".format", "must be jsonl, parquet or csv, got '" + d.format + "'");
            if (d.fields != null && d.fields.extra != null && d.fields.extra.contains(null)) throw bad(f + ".fields.extra", "must not contain null");
            if (d.limit < 0) throw bad(f + ".limit", "must be >= 0, got " + d.limit);
            if (d.answerType != null && !List.of("MATH", "NUMBER", "CHOICE", "TEXT").contains(d.answerType))
                throw bad(f + ".answer_type", "must be MATH, NUMBER, CHOICE or TEXT, got '" + d.answerType + "'");
        }
        if (maxN < 1) throw bad("max_n", "must be >= 1, got " + maxN);
        if (maxPromptTokens < 0) throw bad("max_prompt_tokens", "must be >= 0 (0: the context length minus 1), got " + maxPromptTokens);
        if (maxPromptChars < 1) throw bad("max_prompt_chars", "must be >= 1, got " + maxPromptChars);
        if (maxRows < 0) throw bad("max_rows", "must be >= 0 (0: no limit), got " + maxRows);
        if (n < 1) throw bad("n", "must be >= 1, got " + n);
        if (n > maxN) throw bad("n", "must be <= max_n (" + maxN + "), got " + n);
        if (maxNewTokens < 1) throw bad("max_new_tokens", "must be >= 1, got " + maxNewTokens);
        checkSampling("sampling", sampling.doSample, sampling.temperature, sampling.topP, sampling.topK, sampling.minP, sampling.repetitionPenalty);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < passes.size(); i++) {
            Pass p = passes.get(i);
            String f = "passes[" + i + "]";
            if (p == null) throw bad(f, "is empty");
            if (p.name == null || !p.name.matches("[A-Za-z0-9_.-]+")) throw bad(f + ".name", "is required: letters, digits, _ . - only");
            if (!names.add(p.name)) throw bad(f + ".name", "'" + p.name + "' is used twice");
            if (p.n != null && p.n < 1) throw bad(f + ".n", "must be >= 1, got " + p.n);
            if (p.n != null && p.n > maxN) throw bad(f + ".n", "must be <= max_n (" + maxN + "), got " + p.n);
            if (p.maxNewTokens != null && p.maxNewTokens < 1) throw bad(f + ".max_new_tokens", "must be >= 1, got " + p.maxNewTokens);
            checkSampling(f, p.doSample, p.temperature, p.topP, p.topK, p.minP, p.repetitionPenalty);
        }
        if (output == null || output.isBlank()) throw bad("output", "is required");
        if (partitions < 0) throw bad("partitions", "must be >= 0, got " + partitions);
        if (format == null || !List.of("parquet", "jsonl").contains(format)) throw bad("format", "must be parquet or jsonl, got '" + format + "'");
        if (progressRows < 1) throw bad("progress_rows", "must be >= 1, got " + progressRows);
        if (progressSeconds < 1) throw bad("progress_seconds", "must be >= 1, got " + progressSeconds);
        if (reportSeconds < 1) throw bad("report_seconds", "must be >= 1, got " + reportSeconds);
        if (generator == null || generator.isBlank()) throw bad("generator", "is required");
    }

    private static void checkSampling(String f, Boolean doSample, Double t, Double topP, Integer topK, Double minP, Double rep) {
        if (t != null && !(t >= 0)) throw bad(f + ".temperature", "must be >= 0, got " + t);
        if (topP != null && !(topP > 0 && topP <= 1)) throw bad(f + ".top_p", "must be in (0, 1], got " + topP);
        if (topK != null && topK < 0) throw bad(f + ".top_k", "must be >= 0, got " + topK);
        if (minP != null && !(minP >= 0 && minP <= 1)) throw bad(f + ".min_p", "must be in [0, 1], got " + minP);
        if (rep != null && !(rep > 0)) throw bad(f + ".repetition_penalty", "must be > 0, got " + rep);
    }

    private static IllegalArgumentException bad(String field, String what) {
        return new IllegalArgumentException("config: " + field + " " + what);
    }
}
