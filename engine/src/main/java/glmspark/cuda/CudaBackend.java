package glmspark.cuda;

import glmspark.cpu.BF16Matrix;
import glmspark.format.ModelConfig;
import glmspark.model.Backend;
import glmspark.model.Batch;
import glmspark.model.Glm4Model;
import glmspark.model.Glm4Weights;
import glmspark.model.KvCache;
import glmspark.model.Rope;
import glmspark.sampling.SamplingParams;
import glmspark.tensor.WeightMatrix;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The stages of a GLM-4 step on one CUDA device. Weights are uploaded once as bf16 (q, k and v fused into one
 * matrix, so one product per stage); matrix products run in cuBLAS with float32 accumulation; the other stages
 * are our kernels (glm4.cu, compiled by NVRTC for the device found). The residual stream stays float32; the
 * KV cache is bf16 in device blocks that the shared {@link KvCache} bookkeeping hands out. Per step only the
 * rows' tokens, positions and block tables go to the device, and only token ids come back (greedy, or drawn on the
 * device by {@link #sample}), or logits where the CPU sampler must draw.
 */
public final class CudaBackend implements Backend {

    private static final String[] KERNELS = {"embed", "rms_norm", "norm_add_norm", "bias_rope_store", "attention",
            "silu_mul", "gather_rows", "argmax_rows", "gemv_bf16", "gemv_swiglu", "gemv_qkv_rope", "sample_rows"};
    /** Threads of the per-row kernels (norms, rotary): wide, so that a decode step's few rows finish fast. */
    private static final int ROW_BLOCK = 1024;
    /**
     * Up to this many rows a product runs in our gemv kernels (with rotary + KV store, and SwiGLU, done on the
     * products' outputs in the same kernel), above it in cuBLAS followed by those stages' own kernels.
     */
    private static final int GEMV_ROWS = 4;
    /**
     * Attention splits a row's positions into chunks of at least 32 (a block each, merged by the last to finish),
     * at most 32 of them, and the chunks' partial results into at most this much memory.
     */
    private static final int MIN_CHUNK = 32, MAX_SPLITS = 32;
    private static final long PARTIAL_BYTES = 256L << 20;
    /** Blocks per row of the argmax over the vocabulary. */
    private static final int ARGMAX_SLICES = 64;

    private final ModelConfig c;
    private final CudaDevice dev;
    private final Cublas blas;
    private final CudaDevice.Kernel kEmbed, kRmsNorm, kNormAddNorm, kBiasRopeStore, kAttention, kSiluMul, kGather,
            kArgmax, kGemv, kGemvSwiglu, kGemvQkvRope, kSample;
    private final int layers, H, I, V, qd, kvd, hd, heads, kvHeads, attShared;
    private final long embed, lmHead, finalNorm, invFreq;
    private final long[] qkvW, qkvB, oW, guW, downW, inNorm, postAttnNorm, mlpNorm, postMlpNorm;
    private final float attnScaling;

    public static CudaBackend open(Glm4Weights w, int device) {
        CudaDevice dev = CudaDevice.open(device);
        try {
            return new CudaBackend(w, dev);
        } catch (RuntimeException e) {
            dev.close();
            throw e;
        }
    }

    private CudaBackend(Glm4Weights w, CudaDevice dev) {
        this.c = w.config();
        this.dev = dev;
        layers = c.numLayers();
        H = c.hiddenSize();
        I = c.intermediateSize();
        V = c.vocabSize();
        qd = c.qDim();
        kvd = c.kvDim();
        hd = c.headDim();
        heads = c.numHeads();
        kvHeads = c.numKvHeads();
        int group = heads / kvHeads;
        // glm4.cu's attention: [group][hd] queries, [group][32] weights, 2 [group] floats, [32][hd + 2] and [32][hd] bf16
        attShared = 4 * group * hd + 4 * group * 32 + 8 * group + 2 * 32 * (hd + 2) + 2 * 32 * hd;
        if (256 % hd != 0 || hd % 8 != 0 || group > 32 || group * hd > 4096 || attShared > 48 << 10)
            throw new CudaException("attention with head_dim " + hd + " and " + group + " query heads per KV head is not supported"
                    + " by the CUDA kernel (head_dim a multiple of 8 dividing 256, at most 32 heads a group, group * head_dim <= 4096)");
        if (H > 8 * ROW_BLOCK) throw new CudaException("hidden size " + H + " is above the CUDA norm kernel's " + 8 * ROW_BLOCK);
        byte[] cubin = Nvrtc.load().compile("glm4.cu", source(), dev.arch());
        CudaDevice.Kernel[] k = dev.load(cubin, KERNELS);
        kEmbed = k[0];
        kRmsNorm = k[1];
        kNormAddNorm = k[2];
        kBiasRopeStore = k[3];
        kAttention = k[4];
        kSiluMul = k[5];
        kGather = k[6];
        kArgmax = k[7];
        kGemv = k[8];
        kGemvSwiglu = k[9];
        kGemvQkvRope = k[10];
        kSample = k[11];
        blas = new Cublas(dev);
        try (Arena staging = Arena.ofConfined()) {
            Upload up = new Upload(staging);
            embed = up.matrix(w.embed());
            lmHead = w.lmHead() == w.embed() ? embed : up.matrix(w.lmHead());
            finalNorm = up.floats(w.finalNorm());
            qkvW = new long[layers];
            qkvB = new long[layers];
            oW = new long[layers];
            guW = new long[layers];
            downW = new long[layers];
            inNorm = new long[layers];
            postAttnNorm = new long[layers];
            mlpNorm = new long[layers];
            postMlpNorm = new long[layers];
            for (int l = 0; l < layers; l++) {
                Glm4Weights.Layer L = w.layers()[l];
                qkvW[l] = up.matrix(L.q(), L.k(), L.v());
                qkvB[l] = L.qBias() == null ? 0 : up.floats(L.qBias(), L.kBias(), L.vBias());
                oW[l] = up.matrix(L.o());
                guW[l] = up.matrix(L.gateUp());
                downW[l] = up.matrix(L.down());
                inNorm[l] = up.floats(L.inputNorm());
                postAttnNorm[l] = up.floats(L.postAttnNorm());
                mlpNorm[l] = up.floats(L.mlpNorm());
                postMlpNorm[l] = up.floats(L.postMlpNorm());
            }
            Rope rope = new Rope(c);
            invFreq = up.floats(rope.invFreq());
            attnScaling = rope.attentionScaling();
        }
        dev.synchronize();
    }

    private static String source() {
        try (InputStream in = CudaBackend.class.getResourceAsStream("/glmspark/cuda/glm4.cu")) {
            if (in == null) throw new CudaException("glm4.cu is missing from the engine jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CudaException("cannot read glm4.cu from the engine jar", e);
        }
    }

    public CudaDevice device() {
        return dev;
    }

    /** Copies weights to the device as bf16, converting other stored types row by row through a staging buffer. */
    private final class Upload {
        private final MemorySegment stage;

        Upload(Arena a) {
            stage = a.allocate(32L << 20, 64);
        }

        /** The rows of {@code parts} one after another in one [sum rows, cols] bf16 matrix. */
        long matrix(WeightMatrix... parts) {
            int cols = parts[0].cols();
            long rows = 0;
            for (WeightMatrix m : parts) rows += m.rows();
            long base = dev.alloc(rows * cols * 2L), at = base;
            float[] row = new float[cols];
            int perChunk = (int) Math.max(1, stage.byteSize() / (cols * 2L));
            for (WeightMatrix m : parts) {
                if (m instanceof BF16Matrix b) {
                    dev.upload(at, b.data(), b.bytes());
                    at += b.bytes();
                    continue;
                }
                for (int r0 = 0; r0 < m.rows(); r0 += perChunk) {
                    int n = Math.min(perChunk, m.rows() - r0);
                    for (int r = 0; r < n; r++) {
                        m.row(r0 + r, row, 0);
                        long off = (long) r * cols * 2;
                        for (int i = 0; i < cols; i++) stage.set(JAVA_SHORT, off + 2L * i, bf16(row[i]));
                    }
                    dev.upload(at, stage, (long) n * cols * 2);
                    at += (long) n * cols * 2;
                }
            }
            return base;
        }

        long floats(float[]... parts) {
            long n = 0;
            for (float[] p : parts) n += p.length;
            long at = 0;
            for (float[] p : parts) {
                MemorySegment.copy(p, 0, stage, JAVA_FLOAT, at, p.length);
                at += 4L * p.length;
            }
            long d = dev.alloc(4 * n);
            dev.upload(d, stage, 4 * n);
            return d;
        }
    }

    /** float32 to bfloat16, rounding to nearest even (as torch). */
    static short bf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((u >>> 16) | 0x40);
        u += 0x7fff + ((u >>> 16) & 1);
        return (short) (u >>> 16);
    }

    // ---- KV cache ----

    /** bf16 keys and values of every layer in one device allocation: [layer][k|v][block][position][kvDim]. */
    private final class DeviceBlocks implements KvCache.BlockStore {
        final long base, blockBytes, halfBytes;
        final int blockSize;

        DeviceBlocks(int maxBlocks, int blockSize) {
            this.blockSize = blockSize;
            this.blockBytes = (long) blockSize * kvd * 2;
            this.halfBytes = blockBytes * maxBlocks;
            this.base = dev.alloc(2L * layers * halfBytes);
        }

        long keys(int layer) {
            return base + 2L * layer * halfBytes;
        }

        long values(int layer) {
            return keys(layer) + halfBytes;
        }

        @Override
        public void copy(int from, int to) {
            dev.bind();
            for (int l = 0; l < layers; l++) {
                dev.copyAsync(keys(l) + to * blockBytes, keys(l) + from * blockBytes, blockBytes);
                dev.copyAsync(values(l) + to * blockBytes, values(l) + from * blockBytes, blockBytes);
            }
        }

        @Override
        public void close() {
            dev.bind();
            dev.synchronize();
            dev.free(base);
        }
    }

    /** {@code budgetBytes} 0: what the device has free, less a reserve for the step buffers. */
    @Override
    public KvCache newKvCache(int blockSize, long budgetBytes) {
        dev.bind();
        long perBlock = 2L * layers * blockSize * kvd * 2;
        long budget = budgetBytes;
        if (budget <= 0) {
            long[] m = dev.memoryInfo();
            long reserve = Math.max(2L << 30, m[1] / 10);
            budget = m[0] - reserve;
            if (budget < perBlock * 4)
                throw new CudaException("only " + m[0] / (1 << 20) + " MiB free on " + dev + " after the weights: too little for a KV cache");
        }
        // at most 2^20 blocks (16M positions at 16 a block): the bookkeeping arrays stay small on the heap
        int maxBlocks = (int) Math.max(1, Math.min(1 << 20, budget / perBlock));
        return new KvCache(layers, kvd, blockSize, maxBlocks, new DeviceBlocks(maxBlocks, blockSize));
    }

    // ---- one step ----

    private DeviceBlocks blocks;
    private int T, R, splits, chunk, headsPerBlock;
    private int capT, capR, capMeta;
    private long capPart;
    private long x, xn, qkv, att, o, gu, act, xl, logitsBuf, ids, part, done, meta;
    private MemorySegment hostMeta, hostOut;
    private long mTokens, mPositions, mSlots, mTableOffsets, mLogitRows, mTables;
    // the distinct sequences of a step, where each one's block table starts, and each row's table start
    private KvCache.Sequence[] seen = new KvCache.Sequence[64];
    private int[] seenOffset = new int[64], rowTable = new int[64];
    /**
     * Decode steps (every row one token whose logits are wanted) replay a CUDA graph of the whole step, recorded
     * the first time a shape is seen: one launch instead of ~11 a layer. A graph holds the buffers' addresses
     * and the step's shape (rows, attention chunks), so any reallocation drops them all.
     */
    private final java.util.Map<Long, MemorySegment> graphs = new java.util.HashMap<>();
    private static final int MAX_GRAPHS = 128;
    /** GLMSPARK_CUDA_PROFILE: wait for the device after each kernel and add up the time per kernel (no graphs). */
    private final boolean profile = System.getenv("GLMSPARK_CUDA_PROFILE") != null;
    private final java.util.Map<String, long[]> profileNanos = new java.util.LinkedHashMap<>();
    private long profileMark;
    private final boolean useGraphs = !profile && !"0".equals(System.getenv("GLMSPARK_CUDA_GRAPHS"));
    private DeviceBlocks graphBlocks;
    private boolean replaying, capturing, headDone;
    private long graphKey;

    @Override
    public void embed(Batch b, KvCache cache, Glm4Model.HiddenStates hidden) {
        if (hidden != null) throw new UnsupportedOperationException("hidden states are reported by the CPU backend only");
        if (!(cache.store() instanceof DeviceBlocks d)) throw new IllegalArgumentException("the KV cache is not this device's");
        dev.bind();
        abandon(); // a stage that failed during a recording left it open
        blocks = d;
        T = b.size();
        R = b.logitRows();
        ensureRows(T);
        if (R > 0) ensureLogitRows(R);
        writeMeta(b, cache);
        replaying = capturing = headDone = false;
        if (useGraphs && R == T && T <= 256) {
            if (graphBlocks != d) dropGraphs();
            graphBlocks = d;
            graphKey = T | (long) splits << 16 | (long) chunk << 32 | (long) headsPerBlock << 56;
            MemorySegment g = graphs.get(graphKey);
            if (g != null) {
                dev.launchGraph(g);
                replaying = true;
                return;
            }
            if (graphs.size() >= MAX_GRAPHS) dropGraphs();
            dev.beginCapture();
            capturing = true;
        }
        try {
            mark(null);
            dev.launch(kEmbed).ptr(embed).ptr(mTokens).ptr(x).i32(H).go(T, 1, 1, 256, 0);
            dev.launch(kRmsNorm).ptr(x).ptr(inNorm[0]).ptr(xn).i32(H).f32(eps()).go(T, 1, 1, ROW_BLOCK, 0);
            mark("embed");
            mark("(sync alone)");
        } catch (RuntimeException e) {
            abandon();
            throw e;
        }
    }

    private void mark(String what) {
        if (!profile) return;
        dev.synchronize();
        long now = System.nanoTime();
        if (what != null) {
            long[] a = profileNanos.computeIfAbsent(what + " T=" + T, k -> new long[2]);
            a[0] += now - profileMark;
            a[1]++;
        }
        profileMark = now;
    }

    /** Milliseconds per step of each kernel kind, by batch rows, when profiling (else empty). */
    public String profileReport() {
        StringBuilder sb = new StringBuilder();
        java.util.Map<Integer, Double> perStep = new java.util.TreeMap<>();
        profileNanos.forEach((k, a) -> {
            int t = Integer.parseInt(k.substring(k.indexOf("T=") + 2));
            long steps = profileNanos.get("embed T=" + t)[1];
            perStep.merge(t, a[0] / 1e6 / steps, Double::sum);
            sb.append(String.format("%-24s %9.3f ms/step%n", k, a[0] / 1e6 / steps));
        });
        perStep.forEach((t, ms) -> sb.append(String.format("total T=%-16d %9.3f ms/step%n", t, ms)));
        return sb.toString();
    }

    private void abandon() {
        if (capturing) dev.abandonCapture();
        capturing = false;
    }

    private void dropGraphs() {
        for (MemorySegment g : graphs.values()) dev.destroyGraph(g);
        graphs.clear();
    }

    /** tokens | positions | slots | table offsets | logit rows | block tables, as one int upload. */
    private void writeMeta(Batch b, KvCache cache) {
        int bs = cache.blockSize(), distinct = 0, tableInts = 0, maxLen = 0;
        for (int t = 0; t < T; t++) {
            KvCache.Sequence s = b.sequence(t);
            maxLen = Math.max(maxLen, b.position(t) + 1);
            int j = 0;
            while (j < distinct && seen[j] != s) j++;
            if (j == distinct) {
                if (distinct == seen.length) {
                    seen = java.util.Arrays.copyOf(seen, distinct * 2);
                    seenOffset = java.util.Arrays.copyOf(seenOffset, distinct * 2);
                }
                seen[distinct] = s;
                seenOffset[distinct++] = tableInts;
                tableInts += s.blockCount();
            }
            if (t == rowTable.length) rowTable = java.util.Arrays.copyOf(rowTable, 2 * t);
            rowTable[t] = seenOffset[j];
        }
        int ints = 4 * T + R + tableInts;
        if (ints > capMeta) {
            capMeta = Math.max(ints, capMeta * 2);
            dropGraphs();
            if (meta != 0) {
                dev.free(meta);
                dev.freeHost(hostMeta);
            }
            meta = dev.alloc(4L * capMeta);
            hostMeta = dev.allocHost(4L * capMeta);
        }
        int at = 0;
        for (int t = 0; t < T; t++) hostMeta.setAtIndex(JAVA_INT, at++, b.token(t));
        for (int t = 0; t < T; t++) hostMeta.setAtIndex(JAVA_INT, at++, b.position(t));
        for (int t = 0; t < T; t++) {
            int p = b.position(t);
            hostMeta.setAtIndex(JAVA_INT, at++, b.sequence(t).blockAt(p / bs) * bs + p % bs);
        }
        for (int t = 0; t < T; t++) hostMeta.setAtIndex(JAVA_INT, at++, rowTable[t]);
        for (int t = 0; t < T; t++) if (b.wantsLogits(t)) hostMeta.setAtIndex(JAVA_INT, at++, t);
        for (int j = 0; j < distinct; j++) {
            for (int i = 0; i < seen[j].blockCount(); i++) hostMeta.setAtIndex(JAVA_INT, at++, seen[j].blockAt(i));
            seen[j] = null;
        }
        mTokens = meta;
        mPositions = meta + 4L * T;
        mSlots = meta + 8L * T;
        mTableOffsets = meta + 12L * T;
        mLogitRows = meta + 16L * T;
        mTables = meta + 4L * (4L * T + R);
        dev.uploadAsync(meta, hostMeta, 4L * ints);
        // attention chunks: enough blocks for twice the device's SMs where the rows are few (a decode step), else as
        // few chunks as that allows; at most 32 of them (the last chunk to finish merges them all); chunk and split
        // count rounded up to powers of two so that recorded graphs stay valid for many steps
        int group = heads / kvHeads;
        // very few rows: a KV head's query heads over several blocks (each reads the keys and values again, from L2)
        headsPerBlock = 4L * T * kvHeads > dev.multiprocessors() ? group : largestDivisorAtMost(group, (group + 3) / 4);
        int pairs = T * (heads / headsPerBlock), target = Math.clamp((2L * dev.multiprocessors() + pairs - 1) / pairs, 1, MAX_SPLITS);
        chunk = Math.max(MIN_CHUNK, pow2AtLeast((maxLen + target - 1) / target));
        splits = pow2AtLeast((maxLen + chunk - 1) / chunk);
        long perSplit = (long) T * heads * (hd + 2) * 4;
        if (perSplit * splits > PARTIAL_BYTES) { // many rows: fewer, longer chunks
            splits = (int) Math.max(1, PARTIAL_BYTES / perSplit);
            chunk = (maxLen + splits - 1) / splits;
        }
        if (perSplit * splits > capPart) {
            dropGraphs();
            if (part != 0) dev.free(part);
            capPart = Math.max(perSplit * splits, 2 * capPart);
            part = dev.alloc(capPart);
        }
    }

    private static int largestDivisorAtMost(int n, int max) {
        for (int d = Math.max(1, max); d > 1; d--) if (n % d == 0) return d;
        return 1;
    }

    private static int pow2AtLeast(int x) {
        return x <= 1 ? 1 : Integer.highestOneBit(x - 1) << 1;
    }

    /** Thin products (decode steps) run in our gemv kernels. */
    private boolean gemv(int K) {
        return T <= GEMV_ROWS && K % 8 == 0;
    }

    /** y[T][N] = x[T][K] W[N][K]^T: thin products in our gemv kernel, the rest in cuBLAS. */
    private void matmul(long w, long x, long y, int N, int T, int K) {
        if (gemv(K)) dev.launch(kGemv).ptr(w).ptr(x).ptr(y).i32(N).i32(K).i32(T).go((N + 7) / 8, 1, 1, 256, 0);
        else blas.matmul(w, x, y, N, T, K);
    }

    @Override
    public void qkv(int layer) {
        if (replaying) return;
        int W = qd + 2 * kvd;
        if (gemv(H)) {
            dev.launch(kGemvQkvRope).ptr(qkvW[layer]).ptr(xn).ptr(qkv).ptr(qkvB[layer]).i32(qkvB[layer] != 0 ? 1 : 0)
                    .i32(qd).i32(kvd).i32(hd).i32(c.rotaryDim() / 2).ptr(invFreq).f32(attnScaling).ptr(mPositions)
                    .ptr(mSlots).ptr(blocks.keys(layer)).ptr(blocks.values(layer)).i32(H).i32(T).go((W / 2 + 7) / 8, 1, 1, 256, 0);
            mark("qkv gemv + rope store");
            return;
        }
        matmul(qkvW[layer], xn, qkv, W, T, H);
        mark("qkv matmul");
        dev.launch(kBiasRopeStore).ptr(qkv).ptr(qkvB[layer]).i32(qkvB[layer] != 0 ? 1 : 0).i32(qd).i32(kvd).i32(hd)
                .i32(c.rotaryDim() / 2).ptr(invFreq).f32(attnScaling).ptr(mPositions).ptr(mSlots)
                .ptr(blocks.keys(layer)).ptr(blocks.values(layer)).go(T, 1, 1, ROW_BLOCK, 0);
        mark("bias rope store");
    }

    @Override
    public void attention(int layer) {
        if (replaying) return;
        float scale = (float) (1.0 / Math.sqrt(hd));
        dev.launch(kAttention).ptr(qkv).i32(qd + 2 * kvd).ptr(blocks.keys(layer)).ptr(blocks.values(layer))
                .ptr(mPositions).ptr(mTableOffsets).ptr(mTables).i32(blocks.blockSize).i32(kvd).i32(hd)
                .i32(headsPerBlock).i32(heads / kvHeads).i32(chunk).f32(scale).ptr(part).ptr(done).ptr(att)
                .go(T, heads / headsPerBlock, splits, 256, attShared);
        mark("attention");
    }

    @Override
    public void attentionOutput(int layer) {
        if (replaying) return;
        matmul(oW[layer], att, o, H, T, qd);
        mark("o matmul");
        dev.launch(kNormAddNorm).ptr(o).ptr(postAttnNorm[layer]).ptr(x).ptr(mlpNorm[layer]).ptr(xn).i32(H).f32(eps())
                .go(T, 1, 1, ROW_BLOCK, 0);
        mark("norms");
    }

    @Override
    public void mlp(int layer) {
        if (replaying) return;
        if (gemv(H)) {
            dev.launch(kGemvSwiglu).ptr(guW[layer]).ptr(xn).ptr(act).i32(I).i32(H).i32(T).go((I + 7) / 8, 1, 1, 256, 0);
            mark("gate_up gemv + swiglu");
        } else {
            matmul(guW[layer], xn, gu, 2 * I, T, H);
            mark("gate_up matmul");
            int grid = (int) Math.min(4L * dev.multiprocessors() * 8, ((long) T * I + 255) / 256);
            dev.launch(kSiluMul).ptr(gu).ptr(act).i32(I).i32(T).go(grid, 1, 1, 256, 0);
            mark("silu");
        }
        matmul(downW[layer], act, o, H, T, I);
        mark("down matmul");
        long next = layer + 1 < layers ? inNorm[layer + 1] : finalNorm;
        dev.launch(kNormAddNorm).ptr(o).ptr(postMlpNorm[layer]).ptr(x).ptr(next).ptr(xn).i32(H).f32(eps())
                .go(T, 1, 1, ROW_BLOCK, 0);
        mark("norms");
    }

    /** lm_head over the wanted rows' final-norm outputs into logitsBuf [R, V], and their argmax into ids. */
    private void lmHead() {
        if (headDone) return;
        headDone = true;
        if (!replaying) {
            try {
                dev.launch(kGather).ptr(xn).ptr(mLogitRows).ptr(xl).i32(H).ptr(ids).go(R, 1, 1, 256, 0);
                matmul(lmHead, xl, logitsBuf, V, R, H);
                mark("lm_head");
                dev.launch(kArgmax).ptr(logitsBuf).i32(V).ptr(ids).go(R, ARGMAX_SLICES, 1, 256, 0);
                mark("argmax");
            } catch (RuntimeException e) {
                abandon();
                throw e;
            }
        }
        if (capturing) {
            capturing = false;
            MemorySegment g = dev.endCapture();
            graphs.put(graphKey, g);
            dev.launchGraph(g);
        }
    }

    @Override
    public void logits(float[] out) {
        if (R == 0) dev.synchronize(); // the next step rewrites the pinned buffer its upload reads
        if (R > 0) {
            lmHead();
            dev.download(hostOut, logitsBuf, 4L * R * V);
            MemorySegment.copy(hostOut, JAVA_FLOAT, 0, out, 0, R * V);
        }
    }

    /** glm4.cu's struct Draw: row, top_k, greedy, temperature (f32), top_p, min_p, u (f64). */
    private static final int DRAW_BYTES = 40;
    private long drawBuf, drawIds;
    private MemorySegment hostDraws;
    private int capDraws;

    @Override
    public boolean sample(int n, int[] rows, SamplingParams[] params, double[] uniforms, int[] ids) {
        if (R == 0 || n == 0) {
            dev.synchronize();
            return true;
        }
        lmHead();
        draw(logitsBuf, V, n, rows, params, uniforms, ids);
        return true;
    }

    /** glm4.cu's sample_rows over [rows, vocab] logits at {@code logits} on the device. */
    private void draw(long logits, int vocab, int n, int[] rows, SamplingParams[] params, double[] uniforms, int[] ids) {
        if (n > capDraws) {
            if (drawBuf != 0) {
                dev.free(drawBuf);
                dev.free(drawIds);
                dev.freeHost(hostDraws);
            }
            capDraws = Math.max(n, 2 * capDraws);
            drawBuf = dev.alloc((long) DRAW_BYTES * capDraws);
            drawIds = dev.alloc(4L * capDraws);
            hostDraws = dev.allocHost((long) (DRAW_BYTES + 4) * capDraws);
        }
        for (int i = 0; i < n; i++) {
            SamplingParams p = params[i];
            long at = (long) DRAW_BYTES * i;
            hostDraws.set(JAVA_INT, at, rows[i]);
            hostDraws.set(JAVA_INT, at + 4, p.topK());
            hostDraws.set(JAVA_INT, at + 8, p.isGreedy() ? 1 : 0);
            hostDraws.set(JAVA_FLOAT, at + 12, (float) p.temperature());
            hostDraws.set(JAVA_DOUBLE, at + 16, p.topP());
            hostDraws.set(JAVA_DOUBLE, at + 24, p.minP());
            hostDraws.set(JAVA_DOUBLE, at + 32, uniforms[i]);
        }
        dev.uploadAsync(drawBuf, hostDraws, (long) DRAW_BYTES * n);
        dev.launch(kSample).ptr(logits).i32(vocab).ptr(drawBuf).ptr(drawIds).go(n, 1, 1, 1024, 0);
        MemorySegment back = hostDraws.asSlice((long) DRAW_BYTES * capDraws); // the ids' part of the pinned buffer
        dev.download(back, drawIds, 4L * n);
        MemorySegment.copy(back, JAVA_INT, 0, ids, 0, n);
    }

    /** The sampling kernel on logits given here ([rows, vocab]), for tests: what {@link #sample} draws from them. */
    int[] sampleFrom(float[] logits, int vocab, int[] rows, SamplingParams[] params, double[] uniforms) {
        dev.bind();
        long buf = dev.alloc(4L * logits.length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(4L * logits.length, 64);
            MemorySegment.copy(logits, 0, host, JAVA_FLOAT, 0, logits.length);
            dev.upload(buf, host, 4L * logits.length);
            int[] ids = new int[rows.length];
            draw(buf, vocab, rows.length, rows, params, uniforms, ids);
            return ids;
        } finally {
            dev.free(buf);
        }
    }

    @Override
    public void greedy(int[] out) {
        if (R == 0) dev.synchronize();
        if (R > 0) {
            lmHead();
            dev.download(hostOut, ids, 8L * R);
            for (int r = 0; r < R; r++) {
                int id = ~(int) hostOut.getAtIndex(JAVA_LONG, r); // argmax_rows' key: ~index in the low half
                out[r] = id < 0 || id >= V ? 0 : id;
            }
        }
    }

    private float eps() {
        return (float) c.rmsNormEps();
    }

    private void ensureRows(int n) {
        if (n <= capT) return;
        int cap = Math.max(n, capT * 2);
        dropGraphs();
        for (long p : new long[]{x, xn, qkv, att, o, gu, act, done}) if (p != 0) dev.free(p);
        x = dev.alloc(4L * cap * H);
        xn = dev.alloc(2L * cap * H);
        qkv = dev.alloc(4L * cap * (qd + 2 * kvd));
        att = dev.alloc(2L * cap * qd);
        o = dev.alloc(4L * cap * H);
        gu = dev.alloc(4L * cap * 2 * I);
        act = dev.alloc(2L * cap * I);
        done = dev.alloc(4L * cap * heads); // attention chunks finished per (row, head); the last one resets it
        dev.fill32(done, 0, (long) cap * heads);
        capT = cap;
    }

    private void ensureLogitRows(int n) {
        if (n <= capR) return;
        int cap = Math.max(n, capR * 2);
        dropGraphs();
        for (long p : new long[]{xl, logitsBuf, ids}) if (p != 0) dev.free(p);
        if (hostOut != null) dev.freeHost(hostOut);
        xl = dev.alloc(2L * cap * H);
        logitsBuf = dev.alloc(4L * cap * V);
        ids = dev.alloc(8L * cap);
        hostOut = dev.allocHost(4L * cap * V);
        capR = cap;
    }

    @Override
    public void close() {
        dev.bind();
        dropGraphs();
        blas.close();
        dev.close();
    }
}
