package glmspark.exec;

import java.io.Serializable;

/**
 * What an executor needs to open a generator; equal specs share one generator per JVM.
 *
 * @param model            model folder or .gguf, as configured (any Hadoop path)
 * @param backend          cpu, cuda, auto
 * @param threads          kernel threads (0: the executor's cores)
 * @param maxBatchTokens   scheduler token budget (0: engine default)
 * @param maxSequences     sequences decoded together (0: engine default)
 * @param specialInContent encode special-token texts in message content as special tokens
 * @param modelCache       local folder of the per-node model cache (null: java.io.tmpdir/glm-spark-models)
 * @param maxPromptTokens  longest rendered prompt in tokens (0: the context length minus 1)
 * @param device           CUDA device ordinal the executor's engine binds (-1: none assigned, the first); the driver
 *                         leaves it -1 and {@link EngineHolder} fills in the GPU address Spark gave the task
 */
public record GeneratorSpec(String model, String backend, int threads, int maxBatchTokens, int maxSequences,
                            boolean specialInContent, String modelCache, int maxPromptTokens, int device) implements Serializable {

    /** A spec with no device assigned yet (what the driver builds). */
    public GeneratorSpec(String model, String backend, int threads, int maxBatchTokens, int maxSequences,
                         boolean specialInContent, String modelCache, int maxPromptTokens) {
        this(model, backend, threads, maxBatchTokens, maxSequences, specialInContent, modelCache, maxPromptTokens, -1);
    }

    public GeneratorSpec withDevice(int d) {
        return new GeneratorSpec(model, backend, threads, maxBatchTokens, maxSequences, specialInContent, modelCache, maxPromptTokens, d);
    }
}
