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
 * @param backend        "cpu", "cuda" or "auto"
 */
public record EngineOptions(Path model, int threads, long kvBudgetBytes, int maxBatchTokens, int maxSequences,
                            String backend) {

    public static EngineOptions of(Path model) {
        return new EngineOptions(model, 0, 0, 512, 64, "auto");
    }

    public EngineOptions withThreads(int t) {
        return new EngineOptions(model, t, kvBudgetBytes, maxBatchTokens, maxSequences, backend);
    }

    public EngineOptions withKvBudget(long bytes) {
        return new EngineOptions(model, threads, bytes, maxBatchTokens, maxSequences, backend);
    }

    public EngineOptions withBatch(int tokens, int sequences) {
        return new EngineOptions(model, threads, kvBudgetBytes, tokens, sequences, backend);
    }

    public EngineOptions withBackend(String b) {
        return new EngineOptions(model, threads, kvBudgetBytes, maxBatchTokens, maxSequences, b);
    }

    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
