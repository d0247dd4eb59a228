package glmspark.generate;

import glmspark.chat.ChatTemplate;
import glmspark.cpu.Parallel;
import glmspark.format.GenerationConfig;
import glmspark.format.ModelConfig;
import glmspark.format.GgufVocab;
import glmspark.format.ModelFolder;
import glmspark.format.ModelFormatException;
import glmspark.cuda.CudaBackend;
import glmspark.cuda.CudaDevice;
import glmspark.model.CpuBackend;
import glmspark.model.Glm4Model;
import glmspark.model.Glm4Weights;
import glmspark.model.KvCache;
import glmspark.reasoning.ReasoningSplit;
import glmspark.sampling.SamplingParams;
import glmspark.tokenizer.StreamDecoder;
import glmspark.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The engine as callers (the CLI, the Spark job) see it: one model, its tokenizer and chat template, and a
 * continuous-batching scheduler that any number of threads may submit to. Open one per JVM and share it.
 * Opening is cheap: weights are memory-mapped, not read.
 */
public final class Engine implements AutoCloseable {

    /** KV positions per cache block. */
    public static final int KV_BLOCK = 16;

    private final ModelFolder folder;
    private final Tokenizer tokenizer;
    private final PromptEncoder prompts;
    private final Parallel parallel;
    private final Glm4Model model;
    private final KvCache cache;
    private final Scheduler scheduler;
    private final int[] eosIds;
    private final String backendName;

    private Engine(ModelFolder folder, Tokenizer tokenizer, ChatTemplate chat, EngineOptions options) throws IOException {
        this.folder = folder;
        this.tokenizer = tokenizer;
        this.prompts = new PromptEncoder(chat, tokenizer);
        this.parallel = new Parallel(options.effectiveThreads());
        boolean cuda = useCuda(options.backend());
        try {
            Glm4Weights weights = Glm4Weights.load(folder.config(), quantizeIfAsked(folder), folder.dir());
            this.model = new Glm4Model(weights, cuda
                    ? w -> CudaBackend.open(w, options.device())
                    : w -> new CpuBackend(w, parallel));
        } catch (IOException | RuntimeException e) {
            parallel.close();
            throw e;
        }
        this.backendName = cuda ? "cuda" : "cpu";
        long budget = options.kvBudgetBytes() > 0 ? options.kvBudgetBytes() : cuda ? 0 : defaultKvBudget();
        this.cache = model.newKvCache(KV_BLOCK, budget);
        Set<Integer> eos = new LinkedHashSet<>();
        for (int id : folder.generationConfig().eosTokenIds()) eos.add(id);
        for (int id : folder.config().eosTokenIds()) eos.add(id);
        this.eosIds = eos.stream().mapToInt(Integer::intValue).toArray();
        this.scheduler = new Scheduler(model, cache, tokenizer, eosIds, options.maxBatchTokens(), options.maxSequences());
    }

    /** "cuda" insists on a device; "auto" takes one when a driver sees a device, else runs on the CPU. */
    static boolean useCuda(String backend) {
        return switch (backend) {
            case "cpu" -> false;
            case "cuda" -> true;
            case "auto" -> CudaDevice.available();
            default -> throw new IllegalArgumentException("backend must be cpu, cuda or auto, got '" + backend + "'");
        };
    }

    /**
     * The KV cache lives on the Java heap: by default it may take half of what the heap has left after the
     * model's small arrays, so a job that sets -Xmx (or spark.executor.memory) bounds it.
     */
    static long defaultKvBudget() {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        return Math.max(64L << 20, free / 2);
    }

    /** Opens the model (memory-mapped weights), its tokenizer and chat template; fails fast on bad files. */
    public static Engine open(EngineOptions options) throws IOException {
        Path dir = options.model();
        ModelFolder folder = ModelFolder.open(dir);
        try {
            GgufVocab gv = folder.ggufVocab();
            Tokenizer tok = gv != null ? ggufTokenizer(gv) : Tokenizer.load(tokenizerFile(dir));
            ChatTemplate chat = gv != null ? ggufTemplate(dir, gv) : ChatTemplate.load(dir);
            if (tok.vocabSize() > folder.config().vocabSize())
                throw new ModelFormatException(dir.resolve("tokenizer.json"), "tokenizer has " + tok.vocabSize()
                        + " ids but config.json vocab_size is " + folder.config().vocabSize());
            return new Engine(folder, tok, chat, options);
        } catch (IOException | RuntimeException e) {
            folder.close();
            throw e;
        }
    }

    /** Checks a model folder the way {@link #open} does (config, tensor index and shapes, tokenizer, template). */
    public static void check(Path dir) throws IOException {
        try (Engine e = open(EngineOptions.of(dir).withBackend("cpu").withThreads(1).withKvBudget(1 << 20))) {
            e.contextLength();
        }
    }

    /**
     * The system property {@code glmspark.quantize} (q8_0 or q4_k) quantises the weights once at load; the copies
     * live in an automatic arena, freed when the model is no longer reachable.
     */
    private static java.util.Map<String, glmspark.format.TensorData> quantizeIfAsked(ModelFolder folder) {
        String q = System.getProperty("glmspark.quantize", "").trim();
        if (q.isEmpty() || q.equals("none")) return folder.tensors();
        glmspark.format.DType type = switch (q.toLowerCase(java.util.Locale.ROOT)) {
            case "q8_0" -> glmspark.format.DType.Q8_0;
            case "q4_k" -> glmspark.format.DType.Q4_K;
            default -> throw new IllegalArgumentException("glmspark.quantize=" + q + " is not supported (supported: q8_0, q4_k)");
        };
        long t0 = System.nanoTime();
        var out = glmspark.quant.ModelQuantizer.quantize(folder.tensors(), type, java.lang.foreign.Arena.ofAuto());
        long bytes = out.values().stream().mapToLong(t -> t.data().byteSize()).sum();
        System.err.printf("quantised %s to %s in %.1f s: %.1f MiB of weights (was %.1f MiB)%n", folder.dir(), type,
                (System.nanoTime() - t0) / 1e9, bytes / 1048576.0, folder.weightBytes() / 1048576.0);
        return out;
    }

    /** A .gguf file's tokenizer: control and user-defined tokens are its added tokens. */
    static Tokenizer ggufTokenizer(GgufVocab v) {
        java.util.Set<Integer> special = new java.util.LinkedHashSet<>();
        if (v.tokenTypes() != null)
            for (int i = 0; i < v.tokenTypes().length; i++)
                if (v.tokenTypes()[i] == GgufVocab.CONTROL || v.tokenTypes()[i] == GgufVocab.USER_DEFINED) special.add(i);
        return Tokenizer.fromVocab(v.tokens(), v.merges(), special, v.preRegex());
    }

    static ChatTemplate ggufTemplate(Path file, GgufVocab v) throws ModelFormatException {
        if (v.chatTemplate() == null) throw new ModelFormatException(file, "no tokenizer.chat_template in this GGUF file");
        java.util.Map<String, Object> vars = new java.util.LinkedHashMap<>();
        if (v.token(v.bosId()) != null) vars.put("bos_token", v.token(v.bosId()));
        if (v.token(v.eosId()) != null) vars.put("eos_token", v.token(v.eosId()));
        return ChatTemplate.of(v.chatTemplate(), vars);
    }

    private static Path tokenizerFile(Path dir) throws ModelFormatException {
        Path t = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(t)) throw new ModelFormatException(t, "no such file (the model folder needs its tokenizer.json)");
        return t;
    }

    public ModelConfig config() {
        return folder.config();
    }

    public GenerationConfig generationConfig() {
        return folder.generationConfig();
    }

    /** The model's sampling defaults: generation_config.json over the GLM-Z1 card's values. */
    public SamplingParams defaultSampling() {
        return folder.generationConfig().samplingDefaults();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Glm4Model model() {
        return model;
    }

    public Path modelDir() {
        return folder.dir();
    }

    public long weightBytes() {
        return folder.weightBytes();
    }

    /** The backend the model runs on: "cpu" or "cuda". */
    public String backend() {
        return backendName;
    }

    public int threads() {
        return parallel.threads();
    }

    public long generatedTokens() {
        return scheduler.generatedTokens();
    }

    /** Requests restarted because the KV cache ran out of blocks (they reproduce the same tokens). */
    public int preemptions() {
        return scheduler.preemptions();
    }

    /**
     * Renders {@code messages} with the model's chat template (generation prompt added) and encodes it.
     * Unless {@code specialInContent}, special-token strings inside message contents stay plain text.
     */
    public Prompt encodeChat(List<Map<String, Object>> messages, boolean specialInContent) {
        return prompts.encode(messages, null, true, specialInContent);
    }

    /**
     * Queues a request; {@code onEach} is called (on the scheduler thread) as each sample finishes, and the
     * future completes with all {@code n} samples in sample order.
     */
    public CompletableFuture<List<Completion>> submit(GenerationRequest request, Consumer<Completion> onEach) {
        for (int id : request.promptIds())
            if (id < 0 || id >= config().vocabSize())
                return CompletableFuture.failedFuture(new IllegalArgumentException("request " + request.id()
                        + ": token id " + id + " out of range [0, " + config().vocabSize() + ")"));
        return scheduler.submit(request, onEach);
    }

    /** Splits a completion into reasoning and answer, with token counts. */
    public GeneratedText interpret(Prompt prompt, Completion completion) {
        ReasoningSplit split = ReasoningSplit.split(completion.text(), prompt.opensThink());
        int reasoningTokens = completion.outputIds().length;
        if (split.closed() && (prompt.opensThink() || completion.text().contains("<think>"))) {
            StreamDecoder d = tokenizer.streamDecoder();
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < completion.outputIds().length; i++) {
                sb.append(d.push(completion.outputIds()[i]));
                if (sb.indexOf("</think>") >= 0) {
                    reasoningTokens = i + 1;
                    break;
                }
            }
        } else if (split.closed()) {
            reasoningTokens = 0;
        }
        return new GeneratedText(completion.text(), split.reasoning(), split.answer(), split.closed(),
                reasoningTokens, completion.outputIds().length - reasoningTokens);
    }

    /** The model's context length (max_position_embeddings). */
    public int contextLength() {
        return folder.config().maxPositionEmbeddings();
    }

    @Override
    public void close() {
        scheduler.close();
        cache.close();
        model.close();
        parallel.close();
        folder.close();
    }
}
