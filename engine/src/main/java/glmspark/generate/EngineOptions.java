package glmspark.generate;

import java.nio.file.Path;

/**
 * How to open an engine.
 *
 * @param model          a Hugging Face model folder (config.json, safetensors, tokenizer.json) or a .gguf file
 * @param threads        CPU threads for the kernels (0: all available processors)
 * @param kvBudgetBytes  memory for the KV cache (0: a safe default derived from the heap limit)
 * @param maxBatchTokens token budget of one scheduler step (prefill chunks plus decoding sequences)
 * @param maxSequences   sequences decoded together at most
 * @param backend        "cpu", "cuda" or "auto" (CUDA when a driver and a device are present)
 * @param device         the CUDA device ordinal to bind (-1: the first; Spark passes the GPU address it assigned)
 */
public record EngineOptions(Path model, int threads, long kvBudgetBytes, int maxBatchTokens, int maxSequences,
                            String backend, int device) {

    /** Defaults; the backend is "auto" unless the system property glmspark.backend names one. */
    public static EngineOptions of(Path model) {
        return new EngineOptions(model, 0, 0, 512, 64, System.getProperty("glmspark.backend", "auto"), -1);
    }

    public EngineOptions withThreads(int t) {
        return new EngineOptions(model, t, kvBudgetBytes, maxBatchTokens, maxSequences, backend, device);
    }

    public EngineOptions withKvBudget(long bytes) {
        return new EngineOptions(model, threads, bytes, maxBatchTokens, maxSequences, backend, device);
    }

    public EngineOptions withBatch(int tokens, int sequences) {
        return new EngineOptions(model, threads, kvBudgetBytes, tokens, sequences, backend, device);
    }

    public EngineOptions withBackend(String b) {
        return new EngineOptions(model, threads, kvBudgetBytes, maxBatchTokens, maxSequences, b, device);
    }

    public EngineOptions withDevice(int d) {
        return new EngineOptions(model, threads, kvBudgetBytes, maxBatchTokens, maxSequences, backend, d);
    }

    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
