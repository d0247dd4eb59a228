package glmspark.exec;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The seam between the Spark plumbing and the engine: one prompt in, its samples out. Implementations are
 * shared by all tasks of an executor JVM, so {@link #submit} must be thread-safe and should return at once
 * (the engine's scheduler batches the requests of every task).
 */
public interface RowGenerator {

    /**
     * Starts the samples {@code task.samples()} of one prompt. {@code onEach} is called (on any thread) as
     * each sample finishes; the future completes with all of them. A failure of this prompt (bad chat, prompt
     * longer than the context, engine error) completes the future exceptionally; it becomes the rows' error.
     */
    CompletableFuture<List<SampleResult>> submit(GenTask task, PassSettings pass, Consumer<SampleResult> onEach);

    /** Builds a generator on an executor; named by class in the job's {@code generator} setting. */
    interface Factory extends Serializable {
        RowGenerator open(GeneratorSpec spec) throws IOException;
    }
}
