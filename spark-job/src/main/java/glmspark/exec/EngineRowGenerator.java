package glmspark.exec;

import glmspark.generate.Completion;
import glmspark.generate.Engine;
import glmspark.generate.EngineOptions;
import glmspark.generate.GeneratedText;
import glmspark.generate.GenerationRequest;
import glmspark.generate.Prompt;
import glmspark.io.ModelCache;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** The real generator: renders the chat, submits one request of n samples to the shared engine. */
public final class EngineRowGenerator implements RowGenerator, AutoCloseable {

    private final Engine engine;
    private final boolean specialInContent;
    private final int maxPromptTokens;

    public EngineRowGenerator(Engine engine, boolean specialInContent) {
        this(engine, specialInContent, 0);
    }

    /** @param maxPromptTokens longest rendered prompt in tokens; 0 = the context length minus 1 */
    public EngineRowGenerator(Engine engine, boolean specialInContent, int maxPromptTokens) {
        this.engine = engine;
        this.specialInContent = specialInContent;
        this.maxPromptTokens = maxPromptTokens;
    }

    /** Why a prompt of this many tokens cannot be generated, or null when it can. */
    static String promptTooLong(int promptTokens, int maxPromptTokens, int contextLength) {
        if (promptTokens >= contextLength) {
            return "prompt of " + promptTokens + " tokens does not fit the context of " + contextLength
                    + " (max_prompt_tokens " + (maxPromptTokens > 0 ? maxPromptTokens : contextLength - 1) + ")";
        }
        if (maxPromptTokens > 0 && promptTokens > maxPromptTokens) {
            return "prompt of " + promptTokens + " tokens is longer than max_prompt_tokens (" + maxPromptTokens + ")";
        }
        return null;
    }

    /** Opens the engine on the executor: model copied to the node's cache first if it is not local. */
    public static final class Factory implements RowGenerator.Factory {
        @Override
        public RowGenerator open(GeneratorSpec spec) throws IOException {
            Path local = ModelCache.localize(spec.model(), ModelCache.hadoopConf(), spec.modelCache());
            return new EngineRowGenerator(Engine.open(options(spec, local)), spec.specialInContent(), spec.maxPromptTokens());
        }

        /**
         * The engine options for a spec and the model's local path. The device is the GPU address Spark assigned
         * (-1: none, the first visible); it is passed whatever the backend, and only a CUDA engine uses it.
         */
        public static EngineOptions options(GeneratorSpec spec, Path local) {
            EngineOptions o = EngineOptions.of(local).withBackend(spec.backend()).withThreads(spec.threads())
                    .withDevice(spec.device());
            if (spec.maxBatchTokens() > 0 || spec.maxSequences() > 0) {
                o = o.withBatch(spec.maxBatchTokens() > 0 ? spec.maxBatchTokens() : o.maxBatchTokens(),
                        spec.maxSequences() > 0 ? spec.maxSequences() : o.maxSequences());
            }
            return o;
        }
    }

    @Override
    public CompletableFuture<List<SampleResult>> submit(GenTask task, PassSettings pass, Consumer<SampleResult> onEach) {
        try {
            List<Map<String, Object>> messages = new ArrayList<>();
            for (Map<String, String> m : task.messages()) messages.add(new HashMap<>(m));
            Prompt prompt = engine.encodeChat(messages, specialInContent);
            String tooLong = promptTooLong(prompt.ids().length, maxPromptTokens, engine.contextLength());
            if (tooLong != null) throw new IllegalArgumentException(tooLong);
            int room = engine.contextLength() - prompt.ids().length;
            // The engine numbers samples 0..n-1, so ask for up to the highest sample still missing and keep
            // only the missing ones: same (seed, i) -> same stream, so nothing kept differs from a full run.
            int n = 0;
            for (int s : task.samples()) n = Math.max(n, s + 1);
            GenerationRequest req = new GenerationRequest(task.pass() + "/" + task.dataset() + "/" + task.id(),
                    prompt.ids(), pass.sampling(), task.seed(), n, Math.min(pass.maxNewTokens(), room), pass.stop());
            CompletableFuture<List<SampleResult>> all = engine.submit(req, c -> {
                if (task.samples().contains(c.sampleIndex())) onEach.accept(toResult(task, prompt, c));
            }).thenApply(list -> {
                List<SampleResult> out = new ArrayList<>();
                for (Completion c : list) if (task.samples().contains(c.sampleIndex())) out.add(toResult(task, prompt, c));
                return out;
            });
            return all;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private SampleResult toResult(GenTask task, Prompt prompt, Completion c) {
        GeneratedText g = engine.interpret(prompt, c);
        return new SampleResult(task.pass(), task.dataset(), task.id(), c.sampleIndex(),
                Seeds.fromRow(task.seed(), c.sampleIndex()), prompt.rendered(), prompt.ids(), g.reasoning(), g.answer(),
                g.reasoningClosed(), c.finishReason().wire(), c.promptTokens(), g.reasoningTokens(), g.answerTokens(),
                c.latencyNanos() / 1_000_000L, null);
    }

    @Override
    public void close() {
        engine.close();
    }
}
