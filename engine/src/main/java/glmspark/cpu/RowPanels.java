package glmspark.cpu;

import glmspark.tensor.NativeMemory;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A weight matrix repacked for AVX-512 so that one float vector holds 16 rows at one column: blocks of 64 rows,
 * each block's columns in order, in a layout the subclass defines (bf16 pairs, int8 or 4-bit quants with their
 * scales). Every output element is one fma chain over k in order, starting from zero, in one vector lane, so
 * the three kernels a format provides give the same bits for the same row and token:
 * <ul>
 *   <li>{@link #decode}: one token, the block's 64 rows (4 chains);
 *   <li>{@link #panel2x12}: 32 rows x 12 tokens (prefill), each widened weight vector meeting 12 broadcast activations;
 *   <li>{@link #panel4x4}: 64 rows x 4 tokens (batched decode, the last tokens of a prompt).
 * </ul>
 * No lane sums and no k-chunks: a block's weights (512 KiB of bf16 at K = 4096) stay in L2 while the token
 * panels pass, and the activations stream from L2/L3 as broadcasts. Results do not depend on the batch size or
 * the row split (MatmulInvarianceTest, QuantMatrixTest, RowPanelsTest).
 */
public abstract class RowPanels {

    protected static final int ROWS = 64, TOKENS = 12;
    private static final VectorSpecies<Float> F = Lanes.F;
    /** Keeps {@link #warm}'s loads from being removed as dead code. */
    private static float warmed;
    private static final ThreadLocal<float[]> XS = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> YS = ThreadLocal.withInitial(() -> new float[TOKENS * ROWS]);

    protected final MemorySegment p;
    protected final int rows, cols;
    protected final long blockBytes;

    /** Allocates (zeroed: padding rows of the last block stay 0) {@code blockBytes} for every 64 rows. */
    protected RowPanels(int rows, int cols, long blockBytes) {
        this.rows = rows;
        this.cols = cols;
        this.blockBytes = blockBytes;
        this.p = NativeMemory.allocateLarge(blocks() * blockBytes);
    }

    protected final int blocks() {
        return (rows + ROWS - 1) / ROWS;
    }

    /** Bytes the kernels read. */
    public final long bytes() {
        return p.byteSize();
    }

    /** y[t * yStride + j] = row j . x[t * cols ...] for rows [rowFrom, rowTo) and tokens [0, T). */
    public final void matmul(float[] x, int T, float[] y, int yStride, int rowFrom, int rowTo) {
        int K = cols;
        float[] ys = YS.get();
        // token panels: 12 at a time, then 4 at a time; the last 1-3 tokens padded with zero rows to 4
        int wide = T == 1 ? 0 : T / TOKENS * TOKENS, narrow = T == 1 ? 0 : wide + (T - wide) / 4 * 4, rest = T == 1 ? 0 : T - narrow;
        float[] xs = null;
        if (rest > 0) {
            xs = XS.get();
            if (xs.length < 4 * K) XS.set(xs = new float[4 * K]);
            System.arraycopy(x, narrow * K, xs, 0, rest * K);
            Arrays.fill(xs, rest * K, 4 * K, 0f);
        }
        for (int b = rowFrom / ROWS; b * ROWS < rowTo; b++) {
            int j0 = b * ROWS, lo = Math.max(rowFrom, j0), hi = Math.min(rowTo, j0 + ROWS);
            boolean whole = lo == j0 && hi == j0 + ROWS;
            long o = b * blockBytes;
            if (T == 1) {
                if (whole) decode(o, x, y, j0);
                else {
                    decode(o, x, ys, 0);
                    System.arraycopy(ys, lo - j0, y, lo, hi - lo);
                }
                continue;
            }
            warm(p, o, o + blockBytes);
            // a block the row range cuts is computed whole into ys, then its rows in range copied
            float[] out = whole ? y : ys;
            int stride = whole ? yStride : ROWS;
            for (int t0 = 0; t0 < T; ) {
                int n = t0 < wide ? TOKENS : 4, tokens = Math.min(n, T - t0);
                int yo = whole ? t0 * yStride + j0 : 0;
                if (n == TOKENS) {
                    panel2x12(o, 0, x, t0 * K, out, yo, stride);
                    panel2x12(o, 1, x, t0 * K, out, yo + 32, stride);
                } else if (t0 < narrow) panel4x4(o, x, t0 * K, out, yo, stride);
                else panel4x4(o, xs, 0, ys, 0, ROWS);
                if (out != y || t0 >= narrow)
                    for (int t = 0; t < tokens; t++) System.arraycopy(ys, t * ROWS + lo - j0, y, (t0 + t) * yStride + lo, hi - lo);
                t0 += tokens;
            }
        }
    }

    /**
     * Reads [from, to) of p with a plain sum loop before the token panels use it: two loads and two adds a 128
     * bytes keep many more lines in flight than the panels' ~80 operations a column pair, so the block comes from
     * memory at the pure read's speed into L2 (or, past 1 MiB, L3) and the panels then run from cache. The same
     * loop as {@link Bandwidth}'s probe, kept apart: routing the probe through a shared method measured ~5 % lower
     * GB/s, which would inflate every roofline percentage.
     */
    private static void warm(MemorySegment p, long from, long to) {
        FloatVector a = FloatVector.zero(F), b = a;
        for (long i = from; i + 128 <= to; i += 128) {
            a = a.add(FloatVector.fromMemorySegment(F, p, i, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, p, i + 64, ByteOrder.LITTLE_ENDIAN));
        }
        warmed = a.add(b).reduceLanes(VectorOperators.ADD);
    }

    /** One token (x[0, cols)) times the 64 rows of the block at o: y[yo + i], i in [0, 64). */
    protected abstract void decode(long o, float[] x, float[] y, int yo);

    /** Rows [32 half, 32 half + 32) of the block at o times the 12 tokens at x[xo], x[xo + cols], ...: y[yo + t * ys + i]. */
    protected abstract void panel2x12(long o, int half, float[] x, int xo, float[] y, int yo, int ys);

    /** The block's 64 rows times the 4 tokens at x[xo], x[xo + cols], ...: y[yo + t * ys + i]. */
    protected abstract void panel4x4(long o, float[] x, int xo, float[] y, int yo, int ys);
}
