package glmspark.generate;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The engine as callers (the CLI, the Spark job) see it: one model, its tokenizer and chat template, and a
 * continuous-batching scheduler that any number of threads may submit to. Open one per JVM and share it.
 */
public final class Engine implements AutoCloseable {

    private Engine() {
    }

    /** Opens the model (memory-mapped weights), its tokenizer and chat template; fails fast on bad files. */
    public static Engine open(EngineOptions options) throws IOException {
        throw new UnsupportedOperationException("engine not yet implemented");
    }

    /** Renders {@code messages} with the model's chat template (generation prompt added) and encodes it. */
    public Prompt encodeChat(List<Map<String, Object>> messages, boolean specialInContent) {
        throw new UnsupportedOperationException("engine not yet implemented");
    }

    /**
     * Queues a request; {@code onEach} is called (on a scheduler thread) as each sample finishes, and the
     * future completes with all {@code n} samples in sample order.
     */
    public CompletableFuture<List<Completion>> submit(GenerationRequest request, Consumer<Completion> onEach) {
        throw new UnsupportedOperationException("engine not yet implemented");
    }

    /** Splits a completion into reasoning and answer, with token counts. */
    public GeneratedText interpret(Prompt prompt, Completion completion) {
        throw new UnsupportedOperationException("engine not yet implemented");
    }

    /** The model's context length (max_position_embeddings). */
    public int contextLength() {
        throw new UnsupportedOperationException("engine not yet implemented");
    }

    @Override
    public void close() {
    }
}
