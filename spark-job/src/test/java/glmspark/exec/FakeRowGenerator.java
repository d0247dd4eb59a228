package glmspark.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Test-only generator: deterministic text from (prompt, seed, sample index), produced one sample at a time on a
 * single worker thread (like a scheduler), with an optional delay per sample ({@link #delayMillis}, or the system property
 * glmspark.fake.delayMillis in executor JVMs). Prompts containing FAIL complete
 * exceptionally. Counts opens and generated samples.
 */
public final class FakeRowGenerator implements RowGenerator, AutoCloseable {

    public static final AtomicInteger OPENS = new AtomicInteger();
    public static final AtomicInteger SAMPLES = new AtomicInteger();
    public static volatile long delayMillis = 0;

    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fake-engine");
        t.setDaemon(true);
        return t;
    });

    public static final class Factory implements RowGenerator.Factory {
        @Override
        public RowGenerator open(GeneratorSpec spec) {
            OPENS.incrementAndGet();
            return new FakeRowGenerator();
        }
    }

    @Override
    public CompletableFuture<List<SampleResult>> submit(GenTask task, PassSettings pass, Consumer<SampleResult> onEach) {
        CompletableFuture<List<SampleResult>> f = new CompletableFuture<>();
        worker.execute(() -> {
            String content = task.messages().getLast().get("content");
            if (content.contains("FAIL")) {
                f.completeExceptionally(new IllegalArgumentException("prompt asks to fail"));
                return;
            }
            List<SampleResult> out = new ArrayList<>();
            for (int s : task.samples()) {
                long delay = delayMillis > 0 ? delayMillis : Long.getLong("glmspark.fake.delayMillis", 0L);
                if (delay > 0) {
                    try {
                        Thread.sleep(delay);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                SAMPLES.incrementAndGet();
                long sampleSeed = Seeds.fromRow(task.seed(), s);
                // Greedy samples ignore the seed, as a real greedy decode would.
                long v = pass.doSample() ? Math.floorMod(sampleSeed, 7) : 0;
                int answerValue = content.length() + (int) v;
                String reasoning = "think " + task.id() + " " + s;
                String answer = "The answer is \\boxed{" + answerValue + "}";
                SampleResult r = new SampleResult(task.pass(), task.dataset(), task.id(), s, sampleSeed,
                        "<|user|>" + content, new int[]{content.length(), s}, reasoning, answer, true, "stop",
                        2, reasoning.length(), answer.length(), content.length(), null);
                out.add(r);
                onEach.accept(r);
            }
            f.complete(out);
        });
        return f;
    }

    @Override
    public void close() throws InterruptedException {
        worker.shutdownNow();
        worker.awaitTermination(5, TimeUnit.SECONDS);
    }

    static Map<String, String> user(String content) {
        return Map.of("role", "user", "content", content);
    }
}
