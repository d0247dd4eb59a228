package glmspark.quant;

import glmspark.cpu.Lanes;
import glmspark.cpu.RowPanels;
import glmspark.cpu.WideTiles;
import glmspark.format.DType;
import glmspark.format.FileMapping;
import glmspark.tensor.MappedMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A weight matrix in a ggml block-quantised layout (Q8_0, Q4_0, Q5_0, Q4_K, Q5_K, Q6_K), memory-mapped.
 *
 * <p>Dequantise a tile once, use it for every activation row: per group of 4 weight rows, k runs in chunks of
 * {@link #K_CHUNK} columns (whole blocks); the chunk is dequantised straight from the mapping with vector code
 * ({@link QuantRows}) into a per-thread float scratch (16 KiB, L1) and meets every activation row of a token
 * block (that chunk of them kept in L2) in {@link WideTiles}' register tiles (shared with the bf16 kernel). Decode
 * (T = 1) takes the same path: the scratch round trip is in L1, the weights are read once. On AVX-512 the CPU
 * backend repacks every block type (Q8_0 and Q5_0 into {@link PackedQ8}, Q6_K into {@link PackedQ6K}, Q4_K and Q4_0 into
 * {@link PackedQ4}, Q5_K into {@link PackedWithMins}), whose kernels then take over. Without AVX-512 (8 or 4 float lanes)
 * Q6_K is widened to bytes ({@link ByteRows}: its decode kernel, and the tiles dequantise from it); Q8_0, Q4_0 and Q4_K
 * (and Q5_0 on 8 lanes) decode in the file's layout through {@link QuantDot} (dequantised in registers, no scratch).
 *
 * <p>Every output element is one vector accumulator over k in order (lane i takes k = i mod L, kept in memory
 * between chunks), then one lane reduction: the same for every T, token tile or row split, and the same as
 * F32Matrix on the dequantised weights.
 */
public final class QuantMatrix extends MappedMatrix {

    static final VectorSpecies<Float> F = Lanes.F;
    /** Columns dequantised per chunk: 4 rows x 1024 floats = 16 KiB (WideTiles' row stride); a multiple of every block size. */
    static final int K_CHUNK = WideTiles.ROW_STRIDE;
    /** Tokens whose accumulators a row group keeps across k-chunks, and the rows of a group (256 KiB of them on 8 lanes). */
    static final int TOKEN_BLOCK = 64, ROW_GROUP = 128;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> ACC = ThreadLocal.withInitial(() -> new float[0]);

    private final DType type;
    private final int rowBytes;
    /** Once prepared for the CPU on AVX-512: the repacked copy (a {@link RowPanels} form) every kernel reads; else null. */
    private volatile RowPanels packed;
    /** Once prepared for the CPU without AVX-512, for the types it fits: the byte-row copy; else null. */
    private volatile ByteRows byteRows;

    public QuantMatrix(DType type, MemorySegment data, int rows, int cols) {
        long rb = type.rowBytes(cols);
        if (!type.quantized()) throw new IllegalArgumentException(type + " is not a block type");
        if (rb < 0) throw new IllegalArgumentException("row length " + cols + " is not a multiple of the " + type + " block size " + type.blockSize);
        super(data, rows, cols, rb, type.toString());
        this.type = type;
        this.rowBytes = (int) rb;
    }

    /** Repacks (see the class comment) and releases the file's pages of the original. */
    @Override
    public synchronized void prepareForCpu() {
        if (packed != null || byteRows != null) return;
        if (!QuantRows.V16) {
            if (!ByteRows.fits(type)) return;
            byteRows = new ByteRows(type, data, rows, cols);
        } else if (PackedQ8.fits(type)) packed = new PackedQ8(type, data, rows, cols);
        else if (PackedQ6K.fits(type)) packed = new PackedQ6K(type, data, rows, cols);
        else if (PackedQ4.fits(type)) packed = new PackedQ4(type, data, rows, cols);
        else if (PackedWithMins.fits(type)) packed = new PackedWithMins(type, data, rows, cols);
        else return;
        FileMapping.releasePages(data);
    }

    /** Bytes the kernels read: the repacked copy's when there is one. */
    @Override
    public long bytes() {
        RowPanels packed = this.packed;
        ByteRows byteRows = this.byteRows;
        return packed != null ? packed.bytes() : byteRows != null ? byteRows.bytes() : super.bytes();
    }

    public DType type() {
        return type;
    }

    /** Read from the file (also once repacked: the mapping stays valid, its pages come back on demand). */
    @Override
    public void row(int r, float[] dst, int off) {
        byte[] raw = new byte[rowBytes];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, (long) r * rowBytes, raw, 0, rowBytes);
        Quants.dequantize(type, raw, 0, dst, off, cols);
    }

    @Override
    public void matmul(float[] x, int T, float[] y, int yStride, int rowFrom, int rowTo) {
        int K = cols, L = F.length();
        if (K % L != 0) {
            matmulScalarTail(x, T, y, yStride, rowFrom, rowTo);
            return;
        }
        RowPanels packed = this.packed;
        ByteRows byteRows = this.byteRows;
        if (packed != null) packed.matmul(x, T, y, yStride, rowFrom, rowTo);
        else if (T == 1 && byteRows != null) byteRows.decode(x, y, rowFrom, rowTo);
        else if (T == 1 && QuantDot.supports(type)) QuantDot.decode(type, data, rowBytes, cols, x, y, rowFrom, rowTo);
        else tiles(x, T, y, yStride, rowFrom, rowTo);
    }

    /**
     * Dequantised 4-row k-chunks against a token block (see the class comment). k-chunks run outside the rows of a
     * row group, so only the block's current chunk of activations (64 tokens x 1024 columns, 256 KiB) has to stay
     * in L2 while the group's accumulators (128 rows x 64 tokens x L floats) wait in cache between chunks: the
     * whole token block (512 KiB at K = 4096, all of a 512 KiB L2) read again for every 4 rows came from L3.
     */
    private void tiles(float[] x, int T, float[] y, int yStride, int rowFrom, int rowTo) {
        int K = cols, L = F.length();
        int KC = Math.min(K_CHUNK, K), tb = Math.min(TOKEN_BLOCK, T);
        float[] w = SCRATCH.get();
        if (w.length < 4 * K_CHUNK) SCRATCH.set(w = new float[4 * K_CHUNK]);
        float[] acc = ACC.get();
        if (acc.length < ROW_GROUP * L * tb) ACC.set(acc = new float[ROW_GROUP * L * tb]);
        ByteRows byteRows = this.byteRows;
        for (int t0 = 0; t0 < T; t0 += tb) {
            int t1 = Math.min(T, t0 + tb);
            for (int j0 = rowFrom; j0 < rowTo; j0 += ROW_GROUP) {
                int j1 = Math.min(rowTo, j0 + ROW_GROUP);
                for (int k0 = 0; k0 < K; k0 += KC) {
                    int n = Math.min(KC, K - k0);
                    for (int j = j0; j < j1; j += 4) {
                        int g = Math.min(4, j1 - j);
                        for (int r = 0; r < 4; r++) {
                            // rows past the range repeat the last one: computed, never written
                            int row = j + Math.min(r, g - 1);
                            if (byteRows != null) byteRows.dequantize(row, k0, n, w, r * K_CHUNK);
                            else QuantRows.dequantize(type, data, (long) row * rowBytes + (long) k0 / type.blockSize * type.blockBytes, n, w, r * K_CHUNK);
                        }
                        // acc: [row quad][token][row of the quad][L lanes]
                        WideTiles.block(w, 0, n, x, t0 * K, K, k0, t1 - t0, acc, (j - j0) * tb * L, k0 == 0);
                    }
                }
                for (int j = j0; j < j1; j++)
                    for (int t = t0; t < t1; t++)
                        y[t * yStride + j] = Lanes.sum(acc, ((j - j0) / 4 * tb * 4 + (t - t0) * 4 + (j - j0) % 4) * L, L);
            }
        }
    }

    /** Rows whose length is not a multiple of the vector length (tiny test models): plain dequantise and dot. */
    private void matmulScalarTail(float[] x, int T, float[] y, int yStride, int rowFrom, int rowTo) {
        int K = cols, bound = F.loopBound(K);
        float[] w = new float[K];
        for (int j = rowFrom; j < rowTo; j++) {
            row(j, w, 0);
            for (int t = 0; t < T; t++) {
                FloatVector a = FloatVector.zero(F);
                for (int k = 0; k < bound; k += F.length())
                    a = FloatVector.fromArray(F, w, k).fma(FloatVector.fromArray(F, x, t * K + k), a);
                float s = Lanes.sum(a);
                for (int k = bound; k < K; k++) s += w[k] * x[t * K + k];
                y[t * yStride + j] = s;
            }
        }
    }
}
