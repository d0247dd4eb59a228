package glmspark.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.cuda.CudaBackend;
import glmspark.cuda.Rooflines;
import glmspark.format.ModelConfig;
import glmspark.format.ModelFolder;
import glmspark.model.Batch;
import glmspark.model.Glm4Model;
import glmspark.model.Glm4Weights;
import glmspark.model.KvCache;
import glmspark.sampling.RandomStream;
import glmspark.sampling.Sampler;
import glmspark.sampling.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code ./glm bench-cuda}: the model's forward pass on a CUDA device: prefill tokens/s, decode tokens/s at
 * several batch sizes (B sequences, one token each per step, greedy on the device), and the share of the
 * memory and bf16 compute ceilings measured on the same device in the same run.
 */
@Command(name = "bench-cuda", mixinStandardHelpOptions = true,
        description = "Prefill and decode tokens/s on a CUDA device, with its measured memory and compute rooflines.")
public final class CudaBenchCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Hugging Face model folder or .gguf file")
    Path model;

    @Option(names = "--device", description = "CUDA device ordinal (default: ${DEFAULT-VALUE})")
    int device = 0;

    @Option(names = "--prefill", description = "prompt tokens for the prefill test (default: ${DEFAULT-VALUE})")
    int prefill = 512;

    @Option(names = "--prompt", description = "prompt tokens of each decoding sequence (default: ${DEFAULT-VALUE})")
    int prompt = 32;

    @Option(names = "--decode", description = "decode steps per batch size (default: ${DEFAULT-VALUE})")
    int decode = 64;

    @Option(names = "--batches", split = ",", description = "batch sizes (default: 1,16,64,256)")
    List<Integer> batches = List.of(1, 16, 64, 256);

    @Option(names = "--sampled", description = "also decode with the GLM-Z1 card's sampling (temperature 0.6, top_k 40, top_p 0.95): on the device, and with the logits copied to the CPU sampler")
    boolean sampled;

    @Option(names = "--json", description = "print one JSON object instead of a table")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (ModelFolder folder = ModelFolder.open(model)) {
            ModelConfig c = folder.config();
            long t0 = System.nanoTime();
            try (Glm4Model m = new Glm4Model(Glm4Weights.load(c, folder.tensors(), folder.dir()), w -> CudaBackend.open(w, device))) {
                double loadS = (System.nanoTime() - t0) / 1e9;
                var dev = ((CudaBackend) m.backend()).device();
                Rooflines roof = Rooflines.measure(dev);
                long weightBytes = deviceWeightBytes(c);
                long params = weightBytes / 2;
                ObjectNode out = new ObjectMapper().createObjectNode();
                out.put("device", dev.name());
                out.put("model", model.toString());
                out.put("load_s", loadS);
                out.put("weight_bytes_per_step", weightBytes);
                out.put("bandwidth_gbps", roof.bandwidthGBps());
                out.put("bf16_tflops", roof.bf16Tflops());
                SplittableRandom rnd = new SplittableRandom(42);
                int V = c.vocabSize();
                // prefill: one sequence of `prefill` tokens, logits of the last
                int[] ids = rnd.ints(prefill, 0, V).toArray();
                double[] times = new double[5];
                for (int rep = 0; rep < times.length + 1; rep++) {
                    try (KvCache cache = m.newKvCache(16, KvCache.bytesPerBlock(c.numLayers(), c.kvDim(), 16) / 2 * (prefill / 16 + 2))) {
                        KvCache.Sequence s = cache.newSequence();
                        cache.reserve(s, prefill);
                        Batch b = new Batch();
                        b.add(s, ids, 0, prefill, true);
                        long s0 = System.nanoTime();
                        m.forwardGreedy(b, cache, new int[1]);
                        if (rep > 0) times[rep - 1] = (System.nanoTime() - s0) / 1e9;
                    }
                }
                double prefillS = median(times);
                double prefillTps = prefill / prefillS;
                out.put("prefill_tokens", prefill);
                out.put("prefill_tps", prefillTps);
                out.put("prefill_compute_pct", 100.0 * 2.0 * params * prefill / prefillS / 1e12 / roof.bf16Tflops());
                ObjectNode dec = out.putObject("decode_tps");
                ObjectNode memPct = out.putObject("decode_memory_pct");
                ObjectNode cmpPct = out.putObject("decode_compute_pct");
                ObjectNode sampledTps = sampled ? out.putObject("sampled_decode_tps") : null;
                ObjectNode hostTps = sampled ? out.putObject("host_sampled_decode_tps") : null;
                for (int B : batches) {
                    if (sampled) {
                        sampledTps.put(String.valueOf(B), B / decodeStep(m, c, B, rnd, Sampling.DEVICE));
                        hostTps.put(String.valueOf(B), B / decodeStep(m, c, B, rnd, Sampling.HOST));
                    }
                    double stepS = decodeStep(m, c, B, rnd, Sampling.GREEDY);
                    // bytes a step must read: every weight once, plus each sequence's keys and values so far
                    long kvBytes = (long) B * c.numLayers() * 2L * c.kvDim() * 2 * (prompt + decode / 2);
                    dec.put(String.valueOf(B), B / stepS);
                    memPct.put(String.valueOf(B), 100.0 * (weightBytes + kvBytes) / stepS / 1e9 / roof.bandwidthGBps());
                    cmpPct.put(String.valueOf(B), 100.0 * 2.0 * params * B / stepS / 1e12 / roof.bf16Tflops());
                }
                String profile = ((CudaBackend) m.backend()).profileReport();
                if (!profile.isEmpty()) System.err.print(profile);
                if (json) System.out.println(out.toPrettyString());
                else print(out);
            }
        }
        return 0;
    }

    private enum Sampling { GREEDY, DEVICE, HOST }

    /** The card's sampling has no repetition penalty: the CPU sampler needs no token history. */
    private static final int[] NO_HISTORY = new int[0];

    /** Median seconds per decode step with B sequences of `prompt` cached tokens each. */
    private double decodeStep(Glm4Model m, ModelConfig c, int B, SplittableRandom rnd, Sampling how) {
        int V = c.vocabSize();
        int[] rows = new int[B];
        SamplingParams[] params = new SamplingParams[B];
        double[] u = new double[B];
        float[] logits = how == Sampling.GREEDY ? null : new float[B * V];
        Sampler cpu = how == Sampling.HOST ? new Sampler(V) : null;
        float[] row = cpu == null ? null : new float[V];
        for (int i = 0; i < B; i++) {
            rows[i] = i;
            params[i] = SamplingParams.glmZ1Card();
        }
        int positions = prompt + decode + 1;
        long budget = KvCache.bytesPerBlock(c.numLayers(), c.kvDim(), 16) / 2 * (long) B * (positions / 16 + 2);
        try (KvCache cache = m.newKvCache(16, budget)) {
            KvCache.Sequence[] seqs = new KvCache.Sequence[B];
            Batch b = new Batch();
            int[] next = new int[B];
            for (int i = 0; i < B; i++) {
                seqs[i] = cache.newSequence();
                cache.reserve(seqs[i], prompt);
                b.add(seqs[i], rnd.ints(prompt, 0, c.vocabSize()).toArray(), 0, prompt, true);
            }
            m.forwardGreedy(b, cache, next);
            double[] steps = new double[decode];
            int[] one = new int[1];
            for (int step = 0; step < decode; step++) {
                b.clear();
                for (int i = 0; i < B; i++) {
                    cache.reserve(seqs[i], seqs[i].length() + 1);
                    one[0] = next[i];
                    b.add(seqs[i], one, 0, 1, true);
                }
                for (int i = 0; i < B; i++) u[i] = RandomStream.uniform(42, i, step);
                long s0 = System.nanoTime();
                switch (how) {
                    case GREEDY -> m.forwardGreedy(b, cache, next);
                    case DEVICE -> m.forwardSampled(b, cache, B, rows, params, u, next, logits);
                    case HOST -> {
                        m.forward(b, cache, logits, null);
                        for (int i = 0; i < B; i++) {
                            System.arraycopy(logits, i * V, row, 0, V);
                            next[i] = cpu.sample(row, NO_HISTORY, 0, params[i], 42, i, step);
                        }
                    }
                }
                steps[step] = (System.nanoTime() - s0) / 1e9;
            }
            return median(Arrays.copyOfRange(steps, 2, steps.length));
        }
    }

    /** bf16 bytes of the matrices a step reads: the layers' and lm_head (the embedding only by row). */
    static long deviceWeightBytes(ModelConfig c) {
        long H = c.hiddenSize(), I = c.intermediateSize();
        long perLayer = (c.qDim() + 2L * c.kvDim()) * H + H * c.qDim() + 2 * I * H + H * I;
        return 2 * (perLayer * c.numLayers() + (long) c.vocabSize() * H);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static void print(ObjectNode o) {
        System.out.printf("device            %s%n", o.get("device").asText());
        System.out.printf("weights/step      %.2f GB (bf16), loaded in %.1f s%n", o.get("weight_bytes_per_step").asLong() / 1e9, o.get("load_s").asDouble());
        System.out.printf("bandwidth         %.0f GB/s (device copy, read + write)%n", o.get("bandwidth_gbps").asDouble());
        System.out.printf("bf16 matmul       %.0f TFLOP/s (cuBLAS 8192^3)%n", o.get("bf16_tflops").asDouble());
        System.out.printf("%-16s %12s %10s %10s%n", "test", "tokens/s", "memory %", "compute %");
        System.out.printf("%-16s %12.1f %10s %10.1f%n", "pp" + o.get("prefill_tokens").asInt(), o.get("prefill_tps").asDouble(), "-",
                o.get("prefill_compute_pct").asDouble());
        o.get("decode_tps").properties().forEach(e -> System.out.printf("%-16s %12.1f %10.1f %10.1f%n", "tg batch " + e.getKey(),
                e.getValue().asDouble(), o.get("decode_memory_pct").get(e.getKey()).asDouble(),
                o.get("decode_compute_pct").get(e.getKey()).asDouble()));
        if (o.has("sampled_decode_tps")) {
            System.out.printf("%-16s %12s %18s%n", "sampled (card)", "on device", "CPU sampler");
            o.get("sampled_decode_tps").properties().forEach(e -> System.out.printf("%-16s %12.1f %18.1f%n", "tg batch " + e.getKey(),
                    e.getValue().asDouble(), o.get("host_sampled_decode_tps").get(e.getKey()).asDouble()));
        }
    }
}
