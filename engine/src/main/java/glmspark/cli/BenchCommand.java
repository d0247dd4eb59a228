package glmspark.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.cpu.Bandwidth;
import glmspark.cpu.Parallel;
import glmspark.format.ModelFolder;
import glmspark.model.Batch;
import glmspark.model.Glm4Model;
import glmspark.model.KvCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./glm bench}: prefill and decode throughput of the model's forward pass, next to the memory
 * bandwidth ceiling measured in the same run. Decode at batch B runs B sequences together, one token each
 * per step, so the weights are read once per step for all of them.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Prefill (pp) and decode (tg) tokens/s at several batch sizes, with the memory roofline.")
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

    @Option(names = "--json", description = "print one JSON object instead of a table")
    boolean json;

    @Option(names = "--gguf", description = "the same weights as GGUF: with LLAMA_CPP_DIR set to a llama.cpp build, "
            + "llama-bench and llama-batched-bench run on it in the same run (default: MODEL.gguf beside the folder)")
    Path gguf;

    @Override
    public Integer call() throws Exception {
        int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        parallelThreads = t;
        try (ModelFolder folder = ModelFolder.open(model); Parallel par = new Parallel(t)) {
            Glm4Model m = new Glm4Model(folder.config(), folder.tensors(), folder.dir(), par);
            int V = folder.config().vocabSize();
            long bytesPerStep = m.weightBytesPerStep();
            int maxBatch = batches.stream().mapToInt(Integer::intValue).max().orElse(1);
            long kvBytes = KvCache.bytesPerBlock(folder.config().numLayers(), folder.config().kvDim(), 16)
                    * ((long) maxBatch * ((context + decode + 5) / 16 + 2) + prefill / 16 + 2);
            KvCache cache = m.newKvCache(16, kvBytes);

            double bw = Bandwidth.readGBps(par, 1L << 30, 5);

            // prefill: one prompt of `prefill` tokens, logits only for the last position (as generation does)
            int[] prompt = tokens(prefill, V, 1);
            // warm-up: C2 must have compiled the vector kernels (interpreted or C1 Vector API code boxes every
            // vector and runs ~1000x slower), so run the prompt twice before timing it
            runPrefill(m, cache, prompt, V);
            runPrefill(m, cache, prompt, V);
            long t0 = System.nanoTime();
            long c0 = cpuNanos();
            runPrefill(m, cache, prompt, V);
            lastCpuShare = cpuShare(c0, t0, t);
            double prefillTps = prefill / ((System.nanoTime() - t0) / 1e9);
            double prefillGflops = 2.0 * m.layerMacsPerToken() * prefillTps / 1e9;

            double prefillCpu = lastCpuShare;
            Map<Integer, Double> decodeTps = new LinkedHashMap<>();
            Map<Integer, Double> decodeCpu = new LinkedHashMap<>();
            for (int b : batches) {
                decodeTps.put(b, runDecode(m, cache, b, V));
                decodeCpu.put(b, lastCpuShare);
            }
            double roofline1 = bw * 1e9 / bytesPerStep;
            Double d1 = decodeTps.get(1);
            LlamaCppBench.Result theirs = llamaCpp(t);
            if (json) {
                ObjectNode o = JsonLines.JSON.createObjectNode();
                o.put("model", model.toString()).put("threads", t).put("prefill_tokens", prefill).put("prefill_tps", round(prefillTps))
                        .put("prefill_layer_gflops", round(prefillGflops));
                o.put("prefill_cpu_share", round(prefillCpu));
                ObjectNode d = o.putObject("decode_tps");
                decodeTps.forEach((k, v) -> d.put(String.valueOf(k), round(v)));
                ObjectNode dc = o.putObject("decode_cpu_share");
                decodeCpu.forEach((k, v) -> dc.put(String.valueOf(k), round(v)));
                o.put("bandwidth_gbps", round(bw)).put("weight_bytes_per_token", bytesPerStep)
                        .put("roofline_tps", round(roofline1));
                if (d1 != null) o.put("roofline_pct", round(100 * d1 / roofline1));
                if (theirs != null) {
                    ObjectNode l = o.putObject("llama_cpp");
                    l.put("prefill_tps", round(theirs.prefillTps()));
                    ObjectNode ld = l.putObject("decode_tps");
                    theirs.decodeTps().forEach((k, v) -> ld.put(String.valueOf(k), round(v)));
                }
                System.out.println(o);
            } else {
                System.out.printf("model            %s%n", model);
                System.out.printf("threads          %d%n", t);
                System.out.printf("weights/token    %.3f GB%n", bytesPerStep / 1e9);
                System.out.printf("read bandwidth   %.1f GB/s  -> batch-1 decode ceiling %.2f tokens/s%n", bw, roofline1);
                System.out.printf("%-16s %12s %12s %8s%n", "test", "tokens/s", "roofline %", "cpu %");
                System.out.printf("%-16s %12.2f %12s %8.0f   (%.1f GFLOP/s in the layers' matmuls)%n", "pp" + prefill, prefillTps, "-",
                        100 * prefillCpu, prefillGflops);
                decodeTps.forEach((b, v) -> System.out.printf("%-16s %12.2f %12s %8.0f%n", "tg batch " + b, v,
                        b == 1 ? String.format("%.1f", 100 * v / roofline1) : "-", 100 * decodeCpu.get(b)));
                System.out.println("cpu %: this process's CPU time / (wall time x threads); below ~95 other processes took cores");
                if (theirs != null) {
                    System.out.printf("%nllama.cpp (%s), same weights, same threads:%n", gguf);
                    System.out.printf("%-16s %12s %12s %12s%n", "test", "ours", "llama.cpp", "ours/theirs");
                    System.out.printf("%-16s %12.2f %12.2f %12.2f%n", "pp" + prefill, prefillTps, theirs.prefillTps(), prefillTps / theirs.prefillTps());
                    theirs.decodeTps().forEach((b, v) -> {
                        Double ours = decodeTps.get(b);
                        if (ours != null) System.out.printf("%-16s %12.2f %12.2f %12.2f%n", "tg batch " + b, ours, v, ours / v);
                    });
                }
            }
        }
        return 0;
    }

    /** llama.cpp on the same weights when LLAMA_CPP_DIR and a GGUF file are there; null otherwise. */
    private LlamaCppBench.Result llamaCpp(int threads) throws Exception {
        String dir = System.getenv("LLAMA_CPP_DIR");
        if (dir == null || dir.isBlank()) return null;
        Path file = gguf != null ? gguf : model.resolveSibling(model.getFileName() + ".gguf");
        if (!java.nio.file.Files.isRegularFile(file)) {
            System.err.println("bench: LLAMA_CPP_DIR is set but " + file + " does not exist; pass --gguf FILE (the same weights as GGUF)");
            return null;
        }
        gguf = file;
        return LlamaCppBench.run(Path.of(dir), file, threads, prefill, batches);
    }

    /** CPU share of the last timed section (process CPU time over wall time times threads). */
    private double lastCpuShare;
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

    /** Aggregate decode tokens/s of {@code B} sequences stepping together (after three warm-up steps). */
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
        long start = 0, cpu0 = 0;
        int warm = 3; // steps before timing (JIT)
        for (int step = 0; step < warm + decode; step++) {
            if (step == warm) {
                start = System.nanoTime();
                cpu0 = cpuNanos();
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
        for (KvCache.Sequence s : seqs) cache.release(s);
        return (double) B * decode / secs;
    }
}
