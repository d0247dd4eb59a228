package glmspark.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.cpu.Bandwidth;
import glmspark.cpu.Parallel;
import glmspark.format.ModelFolder;
import glmspark.format.TensorData;
import glmspark.model.Batch;
import glmspark.model.Glm4Model;
import glmspark.model.KvCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./glm bench}: prefill and decode throughput of the model's forward pass, next to the memory
 * bandwidth ceiling measured in the same run, the resident memory during decode, and (with LLAMA_CPP_DIR)
 * llama.cpp on the same weights. Decode at batch B runs B sequences together, one token each per step, so
 * the weights are read once per step for all of them. With {@code --repeat N} every test runs N times,
 * alternating ours and llama.cpp test by test (which one goes first flips each round), and the tables show
 * medians: the host's bandwidth changes every few seconds, so single runs mislead.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Prefill (pp) and decode (tg) tokens/s at several batch sizes, with the memory roofline and resident memory.")
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Hugging Face model folder or GGUF file (e.g. the --gguf file itself)")
    Path model;

    @Option(names = "--threads", description = "CPU threads (default: all)")
    int threads;

    @Option(names = "--prefill", description = "prompt tokens for the prefill test (default: ${DEFAULT-VALUE})")
    int prefill = 512;

    @Option(names = "--decode", description = "decode steps per batch size (default: ${DEFAULT-VALUE})")
    int decode = 32;

    @Option(names = "--batches", split = ",", description = "batch sizes (default: 1,4,16,64)")
    List<Integer> batches = List.of(1, 4, 16, 64);

    @Option(names = "--context", description = "prompt positions already in each sequence's cache when decoding (default: ${DEFAULT-VALUE})")
    int context = 16;

    @Option(names = "--repeat", description = "rounds of every test, ours and llama.cpp alternating; medians are reported (default: ${DEFAULT-VALUE})")
    int repeat = 1;

    @Option(names = "--json", description = "print one JSON object instead of a table")
    boolean json;

    @Option(names = "--gguf", description = "the same weights as GGUF: with LLAMA_CPP_DIR set to a llama.cpp build, "
            + "llama-bench and llama-batched-bench run on it in the same run (default: MODEL.gguf beside the folder)")
    Path gguf;

    /** One test's samples over the rounds. */
    private static final class Samples {
        final List<Double> ours = new ArrayList<>(), oursCpu = new ArrayList<>(), theirs = new ArrayList<>(), theirsCpu = new ArrayList<>();

        void addTheirs(double tps, LlamaCppBench llama) {
            theirs.add(tps);
            theirsCpu.add(llama.lastCpuShare);
        }
    }

    /** Resident memory sampled at the end of a decode run, with the KV cache allocated at that moment. */
    private record MemorySample(int batch, ProcessMemory mem, long kvBytes) {
    }

    @Override
    public Integer call() throws Exception {
        int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        int rounds = Math.max(1, repeat);
        parallelThreads = t;
        try (ModelFolder folder = ModelFolder.open(model); Parallel par = new Parallel(t)) {
            Glm4Model m = new Glm4Model(folder.config(), folder.tensors(), folder.dir(), par);
            int V = folder.config().vocabSize();
            long bytesPerStep = m.weightBytesPerStep();
            long weightBytes = 0;
            for (TensorData d : folder.tensors().values()) weightBytes += d.data().byteSize();
            int maxBatch = batches.stream().mapToInt(Integer::intValue).max().orElse(1);
            long kvBudget = KvCache.bytesPerBlock(folder.config().numLayers(), folder.config().kvDim(), 16)
                    * ((long) maxBatch * ((context + decode + 5) / 16 + 2) + prefill / 16 + 2);
            KvCache cache = m.newKvCache(16, kvBudget);
            LlamaCppBench llama = llamaCpp(t);

            Map<String, Samples> tests = new LinkedHashMap<>();
            String pp = "pp" + prefill;
            tests.put(pp, new Samples());
            for (int b : batches) tests.put(decodeName(b), new Samples());
            List<Double> bandwidth = new ArrayList<>();
            // batch-1 decode's share of the read bandwidth, per round, against probes run just before and after it:
            // the host's memory speed moves by 1.5x within minutes, so a probe at the start of a round can miss it
            List<Double> rooflinePct = new ArrayList<>();
            List<String> loads = new ArrayList<>();
            MemorySample peak = null;
            int[] prompt = tokens(prefill, V, 1);

            for (int round = 0; round < rounds; round++) {
                boolean theirsFirst = round % 2 == 1;
                loads.add(loadAverage());
                bandwidth.add(Bandwidth.readGBps(par, 1L << 30, 5));

                // prefill: one prompt of `prefill` tokens, logits only for the last position (as generation does)
                Samples s = tests.get(pp);
                if (llama != null && theirsFirst) s.addTheirs(llama.prefill(prefill), llama);
                if (round == 0) {
                    // warm-up: C2 must have compiled the vector kernels (interpreted or C1 Vector API code boxes
                    // every vector and runs ~1000x slower), so run the prompt twice before timing it
                    runPrefill(m, cache, prompt, V);
                    runPrefill(m, cache, prompt, V);
                }
                long t0 = System.nanoTime();
                long c0 = cpuNanos();
                runPrefill(m, cache, prompt, V);
                s.oursCpu.add(cpuShare(c0, t0, t));
                s.ours.add(prefill / ((System.nanoTime() - t0) / 1e9));
                if (llama != null && !theirsFirst) s.addTheirs(llama.prefill(prefill), llama);

                for (int b : batches) {
                    Samples d = tests.get(decodeName(b));
                    if (llama != null && theirsFirst) d.addTheirs(theirs(llama, b), llama);
                    double before = b == 1 ? Bandwidth.readGBps(par, 1L << 30, 5) : 0;
                    double tps = runDecode(m, cache, b, V);
                    d.ours.add(tps);
                    if (b == 1) {
                        double after = Bandwidth.readGBps(par, 1L << 30, 5);
                        bandwidth.add(before);
                        bandwidth.add(after);
                        rooflinePct.add(100 * tps * bytesPerStep / ((before + after) / 2 * 1e9));
                        heapPerToken.add(lastHeapPerToken);
                    }
                    d.oursCpu.add(lastCpuShare);
                    if (lastMemory.mem() != null && (peak == null || lastMemory.mem().rss() > peak.mem().rss())) peak = lastMemory;
                    if (llama != null && !theirsFirst) d.addTheirs(theirs(llama, b), llama);
                }
            }
            loads.add(loadAverage());

            double bw = median(bandwidth);
            double roofline1 = bw * 1e9 / bytesPerStep;
            double gflopPerToken = 2.0 * m.layerMacsPerToken() / 1e9;
            if (json) printJson(tests, pp, bandwidth, bw, bytesPerStep, roofline1, rooflinePct, gflopPerToken, weightBytes, peak, loads, rounds, t, llama != null);
            else printTable(tests, pp, bandwidth, bw, bytesPerStep, roofline1, rooflinePct, gflopPerToken, weightBytes, peak, loads, rounds, t, llama != null);
        }
        return 0;
    }

    private static String decodeName(int b) {
        return "tg batch " + b;
    }

    private double theirs(LlamaCppBench llama, int b) throws IOException, InterruptedException {
        return b == 1 ? llama.decode1(128) : llama.batched(b);
    }

    private void printTable(Map<String, Samples> tests, String pp, List<Double> bandwidth, double bw, long bytesPerStep,
                            double roofline1, List<Double> rooflinePct, double gflopPerToken, long weightBytes, MemorySample peak,
                            List<String> loads, int rounds, int t, boolean llama) {
        System.out.printf("model            %s%n", model);
        System.out.printf("threads          %d%n", t);
        System.out.printf("rounds           %d%s%n", rounds, rounds > 1 ? " (medians; ours and llama.cpp alternate test by test)" : "");
        System.out.printf("load average     %s%n", String.join(" | ", loads));
        System.out.printf("weights/token    %.3f GB%n", bytesPerStep / 1e9);
        System.out.printf("read bandwidth   %.1f GB/s%s  -> batch-1 decode ceiling %.2f tokens/s%n", bw,
                rounds > 1 ? " (median of " + fmt(bandwidth) + ")" : "", roofline1);
        System.out.printf("%-16s %12s %12s %8s%n", "test", "tokens/s", "roofline %", "cpu %");
        tests.forEach((name, s) -> {
            double v = median(s.ours);
            String extra = name.equals(pp) ? String.format("   (%.1f GFLOP/s in the layers' matmuls)", gflopPerToken * v) : "";
            String roof = name.equals(decodeName(1)) && !rooflinePct.isEmpty() ? String.format("%.1f", median(rooflinePct)) : "-";
            String range = rounds > 1 ? "   [" + fmt(s.ours) + "]" : "";
            System.out.printf("%-16s %12.2f %12s %8.0f%s%s%n", name, v, roof, 100 * median(s.oursCpu), extra, range);
        });
        if (!rooflinePct.isEmpty())
            System.out.printf("roofline %%: batch-1 decode's weight bytes/s over the read bandwidth probed just before and after it, per round%s%n",
                    rounds > 1 ? " (median of " + fmt(rooflinePct) + ")" : "");
        System.out.println("cpu %: this process's CPU time / (wall time x threads); below ~95 other processes took cores");
        if (!heapPerToken.isEmpty())
            System.out.printf("heap allocated in batch-1 decode: %.1f KiB a token%s (a vector kernel that C2 did not keep in registers allocates megabytes)%n",
                    median(heapPerToken) / 1024, rounds > 1 ? " (median of " + fmt(heapPerToken.stream().map(v -> v / 1024).toList()) + ")" : "");
        if (peak != null) {
            ProcessMemory mm = peak.mem();
            long budget = weightBytes + peak.kvBytes();
            System.out.printf("%nresident memory during decode (batch %d): %.3f GB = %.3f GB anonymous (heap, JIT, stacks, weights repacked at load) + %.3f GB mapped files%n",
                    peak.batch(), mm.rss() / 1e9, mm.anon() / 1e9, mm.file() / 1e9);
            System.out.printf("weights %.3f GB + KV cache allocated %.3f GB = %.3f GB; rss / (weights + KV) = %.3f (limit 1.10)%n",
                    weightBytes / 1e9, peak.kvBytes() / 1e9, budget / 1e9, (double) mm.rss() / budget);
            System.out.printf("anonymous beyond the KV cache: %.3f GB = %.1f %% of the weights (mapped pages are only those decode reads; the BF16 and block-quantised matrices the CPU multiplies are repacked into anonymous memory)%n",
                    (mm.anon() - peak.kvBytes()) / 1e9, 100.0 * (mm.anon() - peak.kvBytes()) / weightBytes);
        }
        if (llama) {
            System.out.printf("%nllama.cpp (%s), same weights, same threads%s:%n", gguf, rounds > 1 ? ", medians" : "");
            System.out.printf("%-16s %12s %12s %12s %10s%s%n", "test", "ours", "llama.cpp", "ours/theirs", "their cpu %",
                    rounds > 1 ? "   llama.cpp runs" : "");
            tests.forEach((name, s) -> {
                double o = median(s.ours), th = median(s.theirs);
                System.out.printf("%-16s %12.2f %12.2f %12.2f %10.0f%s%n", name, o, th, o / th, 100 * median(s.theirsCpu),
                        rounds > 1 ? "   [" + fmt(s.theirs) + "]" : "");
            });
            System.out.println("llama.cpp: llama-bench pp/tg128 (1 repetition per round), llama-batched-bench (128-token prompts, 128 steps);");
            System.out.println("their cpu %: the llama.cpp process's CPU time / (wall x threads), model loading and warm-up included");
        }
    }

    private void printJson(Map<String, Samples> tests, String pp, List<Double> bandwidth, double bw, long bytesPerStep,
                           double roofline1, List<Double> rooflinePct, double gflopPerToken, long weightBytes, MemorySample peak,
                           List<String> loads, int rounds, int t, boolean llama) {
        ObjectNode o = JsonLines.JSON.createObjectNode();
        o.put("model", model.toString()).put("threads", t).put("rounds", rounds).put("prefill_tokens", prefill);
        ArrayNode la = o.putArray("load_average");
        loads.forEach(la::add);
        Samples p = tests.get(pp);
        o.put("prefill_tps", round(median(p.ours))).put("prefill_layer_gflops", round(gflopPerToken * median(p.ours)));
        o.put("prefill_cpu_share", round(median(p.oursCpu)));
        ObjectNode d = o.putObject("decode_tps"), dc = o.putObject("decode_cpu_share");
        ObjectNode samples = o.putObject("samples");
        tests.forEach((name, s) -> {
            if (!name.equals(pp)) {
                String b = name.substring(decodeName(0).length() - 1);
                d.put(b, round(median(s.ours)));
                dc.put(b, round(median(s.oursCpu)));
            }
            ObjectNode sn = samples.putObject(name);
            ArrayNode a = sn.putArray("ours");
            s.ours.forEach(v -> a.add(round(v)));
            ArrayNode ac = sn.putArray("ours_cpu_share");
            s.oursCpu.forEach(v -> ac.add(round(v)));
            if (llama) {
                ArrayNode b = sn.putArray("llama_cpp");
                s.theirs.forEach(v -> b.add(round(v)));
                ArrayNode bc = sn.putArray("llama_cpp_cpu_share");
                s.theirsCpu.forEach(v -> bc.add(round(v)));
            }
        });
        o.put("bandwidth_gbps", round(bw)).put("weight_bytes_per_token", bytesPerStep).put("roofline_tps", round(roofline1));
        ArrayNode bws = o.putArray("bandwidth_samples_gbps");
        bandwidth.forEach(v -> bws.add(round(v)));
        if (!rooflinePct.isEmpty()) {
            o.put("roofline_pct", round(median(rooflinePct)));
            ArrayNode rs = o.putArray("roofline_pct_samples");
            rooflinePct.forEach(v -> rs.add(round(v)));
            o.put("decode1_heap_bytes_per_token", Math.round(median(heapPerToken)));
        }
        if (peak != null) {
            ObjectNode mem = o.putObject("decode_memory");
            mem.put("batch", peak.batch()).put("rss_bytes", peak.mem().rss()).put("rss_anon_bytes", peak.mem().anon())
                    .put("rss_file_bytes", peak.mem().file()).put("weight_bytes", weightBytes).put("kv_bytes", peak.kvBytes())
                    .put("rss_over_weights_plus_kv", Math.round(1000.0 * peak.mem().rss() / (weightBytes + peak.kvBytes())) / 1000.0);
        }
        if (llama) {
            ObjectNode l = o.putObject("llama_cpp");
            l.put("prefill_tps", round(median(p.theirs)));
            ObjectNode ld = l.putObject("decode_tps");
            tests.forEach((name, s) -> {
                if (!name.equals(pp)) ld.put(name.substring(decodeName(0).length() - 1), round(median(s.theirs)));
            });
        }
        System.out.println(o);
    }

    /** llama.cpp on the same weights when LLAMA_CPP_DIR and a GGUF file are there; null otherwise. */
    private LlamaCppBench llamaCpp(int threads) throws IOException {
        String dir = System.getenv("LLAMA_CPP_DIR");
        if (dir == null || dir.isBlank()) return null;
        Path file = gguf != null ? gguf : model.resolveSibling(model.getFileName() + ".gguf");
        if (!Files.isRegularFile(file)) {
            System.err.println("bench: LLAMA_CPP_DIR is set but " + file + " does not exist; pass --gguf FILE (the same weights as GGUF)");
            return null;
        }
        gguf = file;
        LlamaCppBench.binary(Path.of(dir), "llama-bench");
        LlamaCppBench.binary(Path.of(dir), "llama-batched-bench");
        return new LlamaCppBench(Path.of(dir), file, threads);
    }

    static double median(List<Double> v) {
        if (v.isEmpty()) return Double.NaN;
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static String fmt(List<Double> v) {
        List<String> parts = new ArrayList<>();
        for (double d : v) parts.add(String.format("%.2f", d));
        return String.join(", ", parts);
    }

    /** The 1-minute load average (or "?" where /proc/loadavg does not exist). */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** CPU share of the last timed section (process CPU time over wall time times threads). */
    private double lastCpuShare;
    /** Heap bytes allocated by all threads a decoded token in the last {@link #runDecode}; per round at batch 1. */
    private double lastHeapPerToken;
    private final List<Double> heapPerToken = new ArrayList<>();
    private MemorySample lastMemory;
    private int parallelThreads;

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double cpuShare(long cpu0, long wall0, int threads) {
        return (double) (cpuNanos() - cpu0) / ((System.nanoTime() - wall0) * (double) threads);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static int[] tokens(int n, int V, int seed) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = (int) ((i * 2654435761L + seed * 97L) % V);
        return ids;
    }

    private static void runPrefill(Glm4Model m, KvCache cache, int[] prompt, int V) {
        KvCache.Sequence s = cache.newSequence();
        cache.reserve(s, prompt.length);
        Batch b = new Batch();
        b.add(s, prompt, 0, prompt.length, true);
        m.forward(b, cache, new float[V], null);
        cache.release(s);
    }

    /** Heap bytes allocated by all threads since the JVM started. */
    private static long heapAllocated() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
    }

    /**
     * Aggregate decode tokens/s of {@code B} sequences stepping together (after three warm-up steps); leaves the
     * resident memory at the end of the run, while the sequences still hold their cache, in {@link #lastMemory}.
     */
    private double runDecode(Glm4Model m, KvCache cache, int B, int V) {
        KvCache.Sequence[] seqs = new KvCache.Sequence[B];
        Batch b = new Batch();
        float[] logits = new float[B * V];
        for (int i = 0; i < B; i++) {
            seqs[i] = cache.newSequence();
            cache.reserve(seqs[i], context);
            b.clear();
            b.add(seqs[i], tokens(context, V, i + 2), 0, context, true);
            m.forward(b, cache, logits, null);
        }
        int[] next = new int[B];
        long start = 0, cpu0 = 0, heap0 = 0;
        int warm = 3; // steps before timing (JIT)
        for (int step = 0; step < warm + decode; step++) {
            if (step == warm) {
                start = System.nanoTime();
                cpu0 = cpuNanos();
                heap0 = heapAllocated();
            }
            b.clear();
            for (int i = 0; i < B; i++) {
                cache.reserve(seqs[i], seqs[i].length() + 1);
                b.add(seqs[i], next, i, 1, true);
            }
            m.forward(b, cache, logits, null);
            for (int i = 0; i < B; i++) {
                int arg = 0;
                for (int v = 1; v < V; v++) if (logits[i * V + v] > logits[i * V + arg]) arg = v;
                next[i] = arg;
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        lastCpuShare = cpuShare(cpu0, start, parallelThreads);
        lastHeapPerToken = (double) (heapAllocated() - heap0) / (B * decode);
        lastMemory = new MemorySample(B, ProcessMemory.now(), cache.allocatedBytes());
        for (KvCache.Sequence s : seqs) cache.release(s);
        return (double) B * decode / secs;
    }
}
