package glmspark.cli;

import glmspark.generate.Completion;
import glmspark.generate.Engine;
import glmspark.generate.EngineOptions;
import glmspark.generate.GenerationRequest;
import glmspark.sampling.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code ./glm soak}: keeps one engine busy for a given time with a bounded number of requests in flight and
 * watches memory, to show that a long evaluation run does not leak (heap after a GC hint, resident set size).
 * Prints a Markdown table, one row per {@code --report-every} completed rows (samples), and a verdict that compares
 * the last reading with the first.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, description = {
        "Submits random prompts continuously through one engine for --minutes and reports throughput and memory",
        "every --report-every completed rows, then whether memory stayed flat."})
public final class SoakCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Hugging Face model folder")
    Path model;

    @Option(names = "--prompts", description = "distinct prompts generated up front, then cycled (default: ${DEFAULT-VALUE})")
    int prompts = 1000;

    @Option(names = "--minutes", description = "how long to keep submitting (default: ${DEFAULT-VALUE})")
    double minutes = 5;

    @Option(names = "--threads", description = "CPU threads (default: all)")
    int threads;

    @Option(names = "--max-new-tokens", description = "default: ${DEFAULT-VALUE}")
    int maxNewTokens = 32;

    @Option(names = "--n", description = "samples per prompt (default: ${DEFAULT-VALUE})")
    int n = 1;

    @Option(names = "--in-flight", description = "requests submitted and not yet finished, at most (default: ${DEFAULT-VALUE})")
    int inFlight = 64;

    @Option(names = "--batch-size", description = "sequences decoded together at most (default: ${DEFAULT-VALUE})")
    int batchSize = 32;

    @Option(names = "--kv-mb", description = "KV cache budget in MiB (default: half the free heap, at least 64)")
    long kvMb;

    @Option(names = "--report-every", description = "completed rows between two report lines (default: ${DEFAULT-VALUE})")
    int reportEvery = 1000;

    @Option(names = "--token-ids", description = "random token-id prompts instead of chat-rendered questions")
    boolean tokenIds;

    @Option(names = "--seed", description = "default: ${DEFAULT-VALUE}")
    long seed = 1;

    /** One report line's numbers. */
    record Reading(long rows, long tokens, double seconds, double tokensPerSecond, long heapBytes, long liveBytes,
                   long rssBytes) {
    }

    @Override
    public Integer call() throws Exception {
        if (prompts < 1 || minutes <= 0 || n < 1 || inFlight < 1 || reportEvery < 1 || maxNewTokens < 0)
            throw new IllegalArgumentException("--prompts, --n, --in-flight, --report-every must be >= 1, --minutes > 0, --max-new-tokens >= 0");
        long kvBudget = kvMb > 0 ? kvMb << 20 : defaultKvBudget();
        try (Engine engine = Engine.open(EngineOptions.of(model).withThreads(threads).withKvBudget(kvBudget)
                .withBatch(512, batchSize))) {
            List<int[]> promptIds = makePrompts(engine);
            SamplingParams sampling = engine.defaultSampling();
            System.out.printf("soak: %s, %d threads, %d prompts (%s), n=%d, max_new_tokens=%d, %d in flight, KV budget %d MiB, -Xmx %d MiB, %.1f min%n%n",
                    model, engine.threads(), prompts, tokenIds ? "random token ids" : "chat-rendered questions", n,
                    maxNewTokens, inFlight, kvBudget >> 20, Runtime.getRuntime().maxMemory() >> 20, minutes);
            System.out.println("| rows | tokens | elapsed s | tok/s (interval) | tok/s (overall) | heap MiB | live MiB | RSS MiB | KV budget MiB | preemptions |");
            System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            System.out.flush();

            Semaphore permits = new Semaphore(inFlight);
            AtomicLong rows = new AtomicLong();
            AtomicLong tokens = new AtomicLong();
            AtomicLong failures = new AtomicLong();
            AtomicReference<String> firstFailure = new AtomicReference<>();
            List<Reading> readings = new ArrayList<>();
            long start = System.nanoTime();
            long deadline = start + (long) (minutes * 60e9);
            long submitted = 0;
            Reading last = new Reading(0, 0, 0, 0, 0, 0, 0);
            while (System.nanoTime() < deadline) {
                if (!permits.tryAcquire(200, TimeUnit.MILLISECONDS)) continue;
                int[] ids = promptIds.get((int) (submitted % promptIds.size()));
                GenerationRequest req = new GenerationRequest("soak-" + submitted, ids, sampling, seed + submitted, n,
                        maxNewTokens, List.of());
                submitted++;
                engine.submit(req, c -> {
                    rows.incrementAndGet();
                    tokens.addAndGet(c.outputIds().length);
                }).whenComplete((done, error) -> {
                    if (error != null) {
                        failures.incrementAndGet();
                        firstFailure.compareAndSet(null, String.valueOf(error.getMessage()));
                    }
                    permits.release();
                });
                // Report on this thread, not the scheduler's: the GC hint must not stall a completion callback.
                if (rows.get() / reportEvery > last.rows() / reportEvery) {
                    last = report(engine, rows.get(), tokens.get(), start, last, kvBudget);
                    readings.add(last);
                }
            }
            permits.acquire(inFlight); // drain: every submitted request has finished
            last = report(engine, rows.get(), tokens.get(), start, last, kvBudget);
            readings.add(last);
            System.out.println();
            System.out.printf("submitted %d requests, %d rows completed, %d failed%s%n", submitted, rows.get(), failures.get(),
                    firstFailure.get() == null ? "" : " (first: " + firstFailure.get() + ")");
            System.out.println(verdict(readings));
            return failures.get() == 0 ? 0 : 2;
        }
    }

    private Reading report(Engine engine, long rows, long tokens, long start, Reading previous, long kvBudget) {
        double seconds = (System.nanoTime() - start) / 1e9;
        double interval = seconds - previous.seconds();
        double rate = interval > 0 ? (tokens - previous.tokens()) / interval : 0;
        System.gc(); // a hint: with ParallelGC a full collection
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long heap = mem.getHeapMemoryUsage().getUsed();
        // Heap used right after the last collection, per pool: the live set, unaffected by what the scheduler
        // thread allocated between the collection and the reading above.
        long live = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) live += pool.getCollectionUsage().getUsed();
        }
        long rss = residentBytes();
        System.out.printf("| %d | %d | %.1f | %.0f | %.0f | %.1f | %.1f | %s | %d | %d |%n", rows, tokens, seconds, rate,
                seconds > 0 ? tokens / seconds : 0, heap / 1048576.0, live / 1048576.0,
                rss < 0 ? "n/a" : String.format("%.1f", rss / 1048576.0), kvBudget >> 20, engine.preemptions());
        System.out.flush();
        return new Reading(rows, tokens, seconds, rate, heap, live, rss);
    }

    /**
     * Flat when the last reading is within 10% (at least 16 MiB) of the first, for the live heap (after the last
     * collection) and for the RSS.
     * The first reading is taken after the first report interval, so the KV cache and JIT have warmed up.
     */
    static String verdict(List<Reading> readings) {
        if (readings.size() < 2) return "verdict: too few readings to compare (run longer or lower --report-every)";
        Reading first = readings.getFirst(), last = readings.getLast();
        String heap = compare("live heap", first.liveBytes(), last.liveBytes());
        String rss = first.rssBytes() < 0 || last.rssBytes() < 0 ? "RSS not readable" : compare("RSS", first.rssBytes(), last.rssBytes());
        boolean growing = heap.contains("growing") || rss.contains("growing");
        return "verdict: " + (growing ? "GROWING" : "FLAT") + " (" + heap + "; " + rss + "; over " + readings.size()
                + " readings, " + String.format("%.0f", last.seconds() - first.seconds()) + " s apart)";
    }

    private static String compare(String what, long first, long last) {
        long slack = Math.max(16L << 20, first / 10);
        String change = String.format("%s %.1f -> %.1f MiB", what, first / 1048576.0, last / 1048576.0);
        return change + (last - first > slack ? " growing" : " flat");
    }

    /** VmRSS from /proc/self/status, or -1 where that file does not exist (not Linux). */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024; // kB
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** As the engine's own default: half of what the heap has left, at least 64 MiB. */
    private static long defaultKvBudget() {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        return Math.max(64L << 20, free / 2);
    }

    private static final String[] SUBJECTS = {"a triangle", "the number 7", "a prime", "the sum of two squares",
            "a fraction", "the square root of 2", "a circle", "an even number", "the product of 3 and 4", "a cube"};
    private static final String[] ASKS = {"What is", "Explain", "Describe", "Why is", "How do you compute",
            "Give an example of", "Prove something about", "Simplify"};

    private List<int[]> makePrompts(Engine engine) {
        SplittableRandom random = new SplittableRandom(seed);
        int vocab = engine.config().vocabSize();
        int room = Math.max(1, engine.contextLength() - maxNewTokens - 1);
        List<int[]> out = new ArrayList<>(prompts);
        for (int i = 0; i < prompts; i++) {
            int[] ids;
            if (tokenIds) {
                ids = new int[1 + random.nextInt(Math.min(64, room))];
                for (int k = 0; k < ids.length; k++) ids[k] = random.nextInt(vocab);
            } else {
                String q = ASKS[random.nextInt(ASKS.length)] + " " + SUBJECTS[random.nextInt(SUBJECTS.length)]
                        + " when x = " + random.nextInt(1000) + "?";
                ids = engine.encodeChat(List.of(Map.of("role", "user", "content", q)), false).ids();
                if (ids.length > room) ids = java.util.Arrays.copyOf(ids, room);
            }
            out.add(ids);
        }
        return out;
    }
}
