package glmspark.cpu;

import glmspark.format.FileMapping;
import glmspark.tensor.MappedMatrix;
import glmspark.tensor.NativeMemory;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A bfloat16 weight matrix, memory-mapped, repacked into 4-row records when the CPU backend prepares it; a bf16
 * value is the upper half of a float32 (shift left by 16).
 *
 * <p>Two paths, one arithmetic. Fewer than 4 activation rows (decode): memory-bound, so each 4-row tile
 * widens in registers as it streams the weights. 4 or more rows (prefill, batched decode): compute-bound;
 * token blocks of up to 512 KiB of activations stay in L2 while the range's weight rows stream past once per
 * block; per group of 4 rows, k runs in chunks of 1024: the chunk is widened once into a per-thread float
 * scratch (16 KiB, L1) and meets every tile of the block (4 rows x 6 tokens, narrower for the last 1-5) in
 * {@link WideTiles}, whose accumulators wait in a small array between chunks. On L2-resident weights the bf16 kernel runs at the f32 kernel's
 * speed (docs/cpu-performance.md).
 *
 * <p>Every output element keeps one vector accumulator over k in order, then one lane reduction and a scalar
 * tail, in both paths and every tile shape, so results do not depend on batch size or thread split
 * (MatmulInvarianceTest checks this bit for bit).
 */
public final class BF16Matrix extends MappedMatrix {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final ValueLayout.OfShort ELEM = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int BYTES = 2;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> ACC = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * Once prepared for the CPU (on AVX-512, when cols is a multiple of 32): the rows in groups of 4, and per
     * group and 32 columns one 256-byte record of the 4 rows' 64-byte slots. A slot holds its 32 values as 16
     * int lanes, lane i = value i in the low half and value 16 + i in the high half, so one 512-bit load widens
     * all 32 with one shift (values 0-15) and one mask (values 16-31), in the order the kernels sum them. A 4-row
     * decode tile reads one sequential stream instead of 4 rows. Same bits as the mapped layout; else null.
     */
    private volatile MemorySegment packed;
    private static final int PACK = 32, SLOT = PACK * BYTES, RECORD = 4 * SLOT;
    private static final VectorSpecies<Short> S32 = ShortVector.SPECIES_512;
    /** Slot order: value 16 + i lands right after value i. */
    private static final VectorShuffle<Short> INTERLEAVE = VectorShuffle.fromOp(S32, i -> i % 2 == 0 ? i / 2 : 16 + i / 2);

    public BF16Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, (long) cols * BYTES, "BF16");
    }

    @Override
    public synchronized void prepareForCpu() {
        if (packed != null || F.length() != 16 || cols % PACK != 0) return;
        MemorySegment p = NativeMemory.allocateLarge((long) (rows + 3) / 4 * 4 * cols * BYTES); // zeroed padding rows
        int blocks = cols / PACK;
        NativeMemory.parts(data, (rows + 255) / 256).forEach(part -> {
            for (int j = part * 256; j < Math.min(rows, part * 256 + 256); j++) {
                long src = (long) j * cols * BYTES, dst = slot(j, 0);
                for (int b = 0; b < blocks; b++)
                    ShortVector.fromMemorySegment(S32, data, src + (long) b * SLOT, ByteOrder.LITTLE_ENDIAN).rearrange(INTERLEAVE)
                            .intoMemorySegment(p, dst + (long) b * RECORD, ByteOrder.LITTLE_ENDIAN);
            }
        });
        packed = p;
        FileMapping.releasePages(data);
    }

    /** Byte offset of row j's slot in the record of columns [k, k + 32) (k a multiple of 32). */
    private long slot(int j, int k) {
        return ((long) (j / 4) * (cols / PACK) + k / PACK) * RECORD + (long) (j % 4) * SLOT;
    }

    /** Values 0-15 of a slot: the low halves of its int lanes. */
    private static FloatVector low(IntVector v) {
        return v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** Values 16-31 of a slot: the high halves. */
    private static FloatVector high(IntVector v) {
        return v.and(0xFFFF0000).reinterpretAsFloats();
    }

    private static IntVector slotAt(MemorySegment p, long o) {
        return IntVector.fromMemorySegment(I, p, o, ByteOrder.LITTLE_ENDIAN);
    }

    private static FloatVector load(MemorySegment seg, long byteOffset) {
        return (FloatVector) ShortVector.fromMemorySegment(S, seg, byteOffset, ByteOrder.LITTLE_ENDIAN)
                .castShape(I, 0).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static float scalar(MemorySegment seg, long byteOffset) {
        return Float.intBitsToFloat((seg.get(ELEM, byteOffset) & 0xFFFF) << 16);
    }

    @Override
    public void row(int r, float[] dst, int off) {
        MemorySegment p = packed;
        if (p != null) {
            for (int k = 0; k < cols; k++) {
                int i = k % PACK;
                dst[off + k] = scalar(p, slot(r, k - i) + (i < 16 ? 2 * i : 2 * (i - 16) + 1) * BYTES);
            }
            return;
        }
        long base = (long) r * cols * BYTES;
        for (int k = 0; k < cols; k++) dst[off + k] = scalar(data, base + (long) k * BYTES);
    }

    @Override
    public void matmul(float[] x, int T, float[] y, int yStride, int rowFrom, int rowTo) {
        int K = cols;
        if (T < 4) {
            // decode of a few rows is memory-bound: widen in registers, no scratch round trip
            int j = rowFrom;
            MemorySegment p = packed;
            if (p != null) {
                // rows of a group the range cuts take the one-row path
                for (; j < rowTo && j % 4 != 0; j++)
                    for (int t = 0; t < T; t++) y[t * yStride + j] = fusedDot(j, x, t * K);
                for (; j + 4 <= rowTo; j += 4)
                    for (int t = 0; t < T; t++) packedTile4x1(p, x, t * K, y, t * yStride + j, j);
            }
            for (; j + 4 <= rowTo; j += 4)
                for (int t = 0; t < T; t++) fusedTile4x1(x, t * K, y, t * yStride + j, j);
            for (; j < rowTo; j++)
                for (int t = 0; t < T; t++) y[t * yStride + j] = fusedDot(j, x, t * K);
            return;
        }
        int L = F.length(), bound = F.loopBound(K), tb = Tiling.wideTokenBlock(K, T), KC = Math.min(Tiling.K_CHUNK, bound);
        float[] w = SCRATCH.get();
        if (w.length < 4 * KC + L) SCRATCH.set(w = new float[4 * KC + L]);
        float[] xa = BLOCK.get();
        if (xa.length < tb * K + L) BLOCK.set(xa = new float[tb * K + L]);
        float[] acc = ACC.get();
        if (acc.length < 4 * L * tb) ACC.set(acc = new float[4 * L * tb]);
        // the scratch and a copy of each token block are indexed from a 64-byte line (NativeMemory.alignedIndex)
        int wb = NativeMemory.alignedIndex(w), xb = NativeMemory.alignedIndex(xa);
        // Token blocks whose activations stay in L2 while the range's weight rows stream past once per block.
        // Per 4-row group, k runs in chunks: the chunk's widened rows (4 x KC floats) and each 4-token tile's
        // activation chunk stay in L1; the tiles' accumulators wait in acc between chunks.
        for (int t0 = 0; t0 < T; t0 += tb) {
            int t1 = Math.min(T, t0 + tb);
            System.arraycopy(x, t0 * K, xa, xb, (t1 - t0) * K);
            int j = rowFrom;
            for (; j + 4 <= rowTo; j += 4) {
                for (int k0 = 0; k0 < bound; k0 += KC) {
                    int n = Math.min(KC, bound - k0);
                    widen(j, k0, n, KC, w, wb);
                    WideTiles.block(w, wb, KC, n, xa, xb, K, k0, t1 - t0, acc, k0 == 0);
                }
                for (int t = t0; t < t1; t++)
                    for (int r = 0; r < 4; r++) {
                        float sum = bound == 0 ? 0f : Lanes.sum(acc, ((t - t0) * 4 + r) * L, L);
                        y[t * yStride + j + r] = tail(j + r, x, t * K, bound, sum);
                    }
            }
            for (; j < rowTo; j++)
                for (int t = t0; t < t1; t++) y[t * yStride + j] = fusedDot(j, x, t * K);
        }
    }

    /** Columns [k0, k0 + n) of rows [j, j + 4) as float32 into w[wb ...] (row stride KC); n is a multiple of L. */
    private void widen(int j, int k0, int n, int KC, float[] w, int wb) {
        MemorySegment p = packed;
        if (p != null) {
            // k0 and n are multiples of 32 (packed only when cols is): each row's chunk steps through its slots
            for (int r = 0; r < 4; r++) {
                long base = slot(j + r, k0);
                for (int i = 0, o = 0; i < n; i += PACK, o += RECORD) {
                    IntVector v = slotAt(p, base + o);
                    low(v).intoArray(w, wb + r * KC + i);
                    high(v).intoArray(w, wb + r * KC + i + 16);
                }
            }
            // touch the next chunk's lines (this group's next k-chunk, else the next group's first) so that they
            // arrive while the tiles work on this one
            long next = k0 + KC < cols ? slot(j, k0 + KC) : slot(j + 4, 0);
            NativeMemory.touchLines(p, next, next + (long) KC / PACK * RECORD);
            return;
        }
        for (int r = 0; r < 4; r++) {
            long base = ((long) (j + r) * cols + k0) * BYTES;
            for (int i = 0; i < n; i += S.length()) load(data, base + (long) i * BYTES).intoArray(w, wb + r * KC + i);
        }
    }

    /** The wide path's arithmetic with the widening in registers. */
    private void fusedTile4x1(float[] x, int xo, float[] y, int yo, int j) {
        int K = cols, bound = F.loopBound(K);
        long rb = (long) K * BYTES, b0 = j * rb, b1 = b0 + rb, b2 = b1 + rb, b3 = b2 + rb;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < bound; k += F.length()) {
            long o = (long) k * BYTES;
            FloatVector v = FloatVector.fromArray(F, x, xo + k);
            a0 = load(data, b0 + o).fma(v, a0);
            a1 = load(data, b1 + o).fma(v, a1);
            a2 = load(data, b2 + o).fma(v, a2);
            a3 = load(data, b3 + o).fma(v, a3);
        }
        y[yo] = tail(j, x, xo, bound, Lanes.sum(a0));
        y[yo + 1] = tail(j + 1, x, xo, bound, Lanes.sum(a1));
        y[yo + 2] = tail(j + 2, x, xo, bound, Lanes.sum(a2));
        y[yo + 3] = tail(j + 3, x, xo, bound, Lanes.sum(a3));
    }

    /** {@link #fusedTile4x1} over the packed records of the group starting at row j (a multiple of 4). */
    private void packedTile4x1(MemorySegment p, float[] x, int xo, float[] y, int yo, int j) {
        int K = cols;
        long base = slot(j, 0);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        // int induction variables: C2 leaves loops counted in longs unoptimised
        for (int k = 0, o = 0; k < K; k += PACK, o += RECORD) {
            FloatVector x0 = FloatVector.fromArray(F, x, xo + k), x1 = FloatVector.fromArray(F, x, xo + k + 16);
            long q = base + o;
            IntVector v0 = slotAt(p, q), v1 = slotAt(p, q + SLOT), v2 = slotAt(p, q + 2 * SLOT), v3 = slotAt(p, q + 3 * SLOT);
            a0 = high(v0).fma(x1, low(v0).fma(x0, a0));
            a1 = high(v1).fma(x1, low(v1).fma(x0, a1));
            a2 = high(v2).fma(x1, low(v2).fma(x0, a2));
            a3 = high(v3).fma(x1, low(v3).fma(x0, a3));
        }
        y[yo] = Lanes.sum(a0);
        y[yo + 1] = Lanes.sum(a1);
        y[yo + 2] = Lanes.sum(a2);
        y[yo + 3] = Lanes.sum(a3);
    }

    /** The wide path's arithmetic (one row) with the widening in registers. */
    private float fusedDot(int j, float[] x, int xo) {
        int bound = F.loopBound(cols);
        MemorySegment p = packed;
        if (p != null) {
            FloatVector a = FloatVector.zero(F);
            long base = slot(j, 0);
            for (int k = 0, o = 0; k < cols; k += PACK, o += RECORD) {
                IntVector v = slotAt(p, base + o);
                a = high(v).fma(FloatVector.fromArray(F, x, xo + k + 16), low(v).fma(FloatVector.fromArray(F, x, xo + k), a));
            }
            return Lanes.sum(a); // packed only when cols is a multiple of 32: no tail
        }
        long b = (long) j * cols * BYTES;
        FloatVector a = FloatVector.zero(F);
        for (int k = 0; k < bound; k += F.length())
            a = load(data, b + (long) k * BYTES).fma(FloatVector.fromArray(F, x, xo + k), a);
        return tail(j, x, xo, bound, Lanes.sum(a));
    }

    private float tail(int j, float[] x, int xo, int from, float sum) {
        long base = (long) j * cols * BYTES;
        for (int k = from; k < cols; k++) sum += scalar(data, base + (long) k * BYTES) * x[xo + k];
        return sum;
    }
}
