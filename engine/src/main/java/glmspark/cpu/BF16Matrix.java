package glmspark.cpu;

import glmspark.format.FileMapping;
import glmspark.tensor.MappedMatrix;
import glmspark.tensor.NativeMemory;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A bfloat16 weight matrix, memory-mapped; a bf16 value is the upper half of a float32 (shift left by 16).
 * Prepared for the CPU on AVX-512, it is repacked into {@link PackedBF16} (16 rows per vector, fma chains over k,
 * register tiles of 32 rows x 12 tokens for prefill), which then does all its products.
 *
 * <p>Unprepared (or without AVX-512), it multiplies the mapped rows. Two paths, one arithmetic. Fewer than 4
 * activation rows (decode): each 4-row tile widens in registers as it streams the weights. 4 or more rows:
 * token blocks of up to 512 KiB of activations stay in L2 while the range's weight rows stream past once per
 * block; per group of 4 rows, k runs in chunks of 1024: the chunk is widened once into a per-thread float
 * scratch (16 KiB, L1) and meets every tile of the block (4 rows x 6 tokens, narrower for the last 1-5) in
 * {@link WideTiles}, whose accumulators wait in a small array between chunks. Every output element keeps one
 * vector accumulator over k in order, then one lane reduction and a scalar tail, in both paths and every tile
 * shape, so results do not depend on batch size or thread split (MatmulInvarianceTest checks this bit for bit).
 */
public final class BF16Matrix extends MappedMatrix {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = Lanes.I;
    private static final ValueLayout.OfShort ELEM = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int BYTES = 2;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> ACC = ThreadLocal.withInitial(() -> new float[0]);

    /** Once prepared for the CPU (AVX-512, even cols): the matrix in {@link PackedBF16}'s form; else null. */
    private volatile PackedBF16 packed;

    public BF16Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, (long) cols * BYTES, "BF16");
    }

    @Override
    public synchronized void prepareForCpu() {
        if (packed != null || !PackedBF16.fits(cols)) return;
        packed = new PackedBF16(data, rows, cols);
        FileMapping.releasePages(data);
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
        PackedBF16 p = packed;
        if (p != null) {
            for (int k = 0; k < cols; k++) dst[off + k] = p.get(r, k);
            return;
        }
        long base = (long) r * cols * BYTES;
        for (int k = 0; k < cols; k++) dst[off + k] = scalar(data, base + (long) k * BYTES);
    }

    @Override
    public void matmul(float[] x, int T, float[] y, int yStride, int rowFrom, int rowTo) {
        PackedBF16 p = packed;
        if (p != null) {
            p.matmul(x, T, y, yStride, rowFrom, rowTo);
            return;
        }
        int K = cols;
        if (T < 4) {
            // decode of a few rows is memory-bound: widen in registers, no scratch round trip
            int j = rowFrom;
            for (; j + 4 <= rowTo; j += 4)
                for (int t = 0; t < T; t++) fusedTile4x1(x, t * K, y, t * yStride + j, j);
            for (; j < rowTo; j++)
                for (int t = 0; t < T; t++) y[t * yStride + j] = fusedDot(j, x, t * K);
            return;
        }
        int L = F.length(), bound = F.loopBound(K), tb = Tiling.wideTokenBlock(K, T), KC = Math.min(Tiling.K_CHUNK, bound);
        float[] w = SCRATCH.get();
        if (w.length < 4 * WideTiles.ROW_STRIDE + NativeMemory.LINE_FLOATS) SCRATCH.set(w = new float[4 * WideTiles.ROW_STRIDE + NativeMemory.LINE_FLOATS]);
        float[] xa = BLOCK.get();
        if (xa.length < tb * K + NativeMemory.LINE_FLOATS) BLOCK.set(xa = new float[tb * K + NativeMemory.LINE_FLOATS]);
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
                    widen(j, k0, n, w, wb);
                    WideTiles.block(w, wb, n, xa, xb, K, k0, t1 - t0, acc, 0, k0 == 0);
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

    /** Columns [k0, k0 + n) of rows [j, j + 4) as float32 into w[wb ...] (row stride WideTiles.ROW_STRIDE); n is a multiple of L. */
    private void widen(int j, int k0, int n, float[] w, int wb) {
        for (int r = 0; r < 4; r++) {
            long base = ((long) (j + r) * cols + k0) * BYTES;
            for (int i = 0; i < n; i += S.length()) load(data, base + (long) i * BYTES).intoArray(w, wb + r * WideTiles.ROW_STRIDE + i);
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

    /** The wide path's arithmetic (one row) with the widening in registers. */
    private float fusedDot(int j, float[] x, int xo) {
        int bound = F.loopBound(cols);
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
