package glmspark.quant;

import glmspark.format.DType;
import glmspark.tensor.NativeMemory;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q6_K widened at load to one signed byte a weight (q - 32), rows in order; after all the quants the file's
 * 8-bit scale sc per 16 columns, then its d per 256 as a float: for hosts without AVX-512 (8 or 4 float lanes),
 * where taking a weight's 4 + 2 bits apart costs more than reading a whole byte (one core of a 2.45 GHz EPYC with
 * AVX2: 1.3-1.5 billion weights a second in the file's layout, 6.1-6.7 in this one; docs/cpu-performance.md,
 * "Session 13"). 1.08 bytes a weight (the file's 0.82; float scales would make it 1.25); the file's pages are
 * released once it is built.
 *
 * <p>The weight is float(q) * (d * sc), the value {@link Quants#dequantize} gives, and both kernels run
 * QuantMatrix's arithmetic (lane i of one accumulator a row takes k = i mod L in order), so a row has the same
 * bits on every path.
 */
final class ByteRows {

    private static final VectorSpecies<Float> F = QuantMatrix.F;
    private static final int L = F.length();
    /** QuantRows.BL: 8 bytes on 8 lanes; on 4 lanes a load holds 2 vectors' bytes. */
    private static final VectorSpecies<Byte> BL = QuantRows.BL;
    private static final int BLL = BL.length();
    private static final int S = 16;
    private static final ValueLayout.OfFloat D = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment p;
    private final int rows, cols;
    /** Where the scales start (after rows x cols quants) and the d values (after rows x cols / 16 scales). */
    private final long scales, ds;

    static boolean fits(DType type) {
        return type == DType.Q6_K;
    }

    /** Widens ggml rows of {@code type} (rows x cols) on as many threads as the segment may be read from. */
    ByteRows(DType type, MemorySegment data, int rows, int cols) {
        if (!fits(type)) throw new IllegalArgumentException(type + " has no byte-row form");
        this.rows = rows;
        this.cols = cols;
        this.scales = (long) rows * cols;
        this.ds = scales + (long) rows * (cols / S);
        this.p = NativeMemory.allocateLarge(ds + (long) rows * (cols / 256) * Float.BYTES);
        long rowBytes = type.rowBytes(cols);
        Quants.forEachSubBlock(type, data, rows, cols, 64, (j, g, q, qo, scale, min) -> {
            long o = (long) j * cols + (long) g * S, block = j * rowBytes + g / 16 * 210L;
            for (int i = 0; i < S; i++) p.set(ValueLayout.JAVA_BYTE, o + i, (byte) q[qo + i]);
            byte sc = data.get(ValueLayout.JAVA_BYTE, block + 192 + g % 16);
            float d = QuantRows.f16(data, block + 208);
            if (Float.compare(d * sc, scale) != 0) throw new IllegalStateException("Q6_K scale of row " + j + ", sub-block " + g + ": " + d * sc + " != " + scale);
            p.set(ValueLayout.JAVA_BYTE, scales + (long) j * (cols / S) + g, sc);
            if (g % 16 == 0) p.set(D, d(j, g * S), d);
        });
    }

    /** Where column k's sub-block scale, and its block's d, of row {@code row} sit. */
    private long scale(int row, int k) {
        return scales + (long) row * (cols / S) + k / S;
    }

    private long d(int row, int k) {
        return ds + ((long) row * (cols / 256) + k / 256) * Float.BYTES;
    }

    long bytes() {
        return p.byteSize();
    }

    /** Columns [k0, k0 + n) of row {@code row} as floats into w[wo ...]; k0 and n multiples of 16. */
    void dequantize(int row, int k0, int n, float[] w, int wo) {
        long q = (long) row * cols;
        for (int k = k0; k < k0 + n; k += S) {
            float c = p.get(D, d(row, k)) * p.get(ValueLayout.JAVA_BYTE, scale(row, k));
            for (int i = 0; i < S; i += L) weights(q + k + i, i, c).intoArray(w, wo + k - k0 + i);
        }
    }

    /** L weights at quant offset o (i: their column in the sub-block, a multiple of L) times c. */
    private FloatVector weights(long o, int i, float c) {
        return ((FloatVector) ByteVector.fromMemorySegment(BL, p, o - i % BLL, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, i % BLL / L)).mul(c);
    }

    /** y[j] = row j . x for j in [rowFrom, rowTo): 4 rows at a time on 8 lanes, else 2. */
    void decode(float[] x, float[] y, int rowFrom, int rowTo) {
        float[] t = QuantDot.SUMS.get();
        int n = L == 8 ? 4 : 2;
        for (int j = rowFrom; j < rowTo; j += n) {
            int g = Math.min(n, rowTo - j);
            // rows past the range repeat the last one: computed, never written
            if (L == 8) quad8(x, j, g, t);
            else pair(x, j, j + g - 1, t);
            QuantDot.put(y, j, g, t);
        }
    }

    /** The 4 rows' d * sc, one float a sub-block, for {@link #quad8}. */
    private static final ThreadLocal<float[]> SCALES = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * 8 lanes: the 4 rows' scales d * sc first, 8 sub-blocks a vector, then a sub-block's 2 vectors a row written
     * out, with the quant offset (a long) as the loop variable: C2 then checks the segment loads once per loop
     * instead of each load, and the scales come from an array. With the scales read and multiplied in the loop
     * and an int column index 2 rows ran 4.6-6.2 billion weights a second on one core of the AVX2 EPYC, 6.3-7.7 so;
     * 4 rows' streams keep more lines in flight from memory: 1.16-1.22x over 2 (the same in cache; session 16).
     */
    private void quad8(float[] x, int j, int g, float[] t) {
        MemorySegment p = this.p;
        int n = cols / S;
        float[] c = SCALES.get();
        if (c.length < 4 * n) SCALES.set(c = new float[4 * n]);
        for (int r = 0; r < 4; r++) {
            int row = j + Math.min(r, g - 1);
            long s0 = scale(row, 0), d0 = d(row, 0);
            for (int u = 0; u < n; u += 8)
                ((FloatVector) ByteVector.fromMemorySegment(BL, p, s0 + u, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(p.get(D, d0 + u / (256 / S) * Float.BYTES)).intoArray(c, r * n + u);
        }
        long q0 = (long) j * cols, e1 = (long) Math.min(1, g - 1) * cols, e2 = (long) Math.min(2, g - 1) * cols, e3 = (long) (g - 1) * cols;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int k = 0;
        for (long o = q0, end = q0 + cols; o < end; o += S, k += S) {
            int u = k / S;
            float c0 = c[u], c1 = c[n + u], c2 = c[2 * n + u], c3 = c[3 * n + u];
            FloatVector v = FloatVector.fromArray(F, x, k);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(BL, p, o, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(c0).fma(v, a0);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(BL, p, o + e1, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(c1).fma(v, a1);
            a2 = ((FloatVector) ByteVector.fromMemorySegment(BL, p, o + e2, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(c2).fma(v, a2);
            a3 = ((FloatVector) ByteVector.fromMemorySegment(BL, p, o + e3, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(c3).fma(v, a3);
            v = FloatVector.fromArray(F, x, k + 8);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(BL, p, o + 8, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(c0).fma(v, a0);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(BL, p, o + e1 + 8, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(c1).fma(v, a1);
            a2 = ((FloatVector) ByteVector.fromMemorySegment(BL, p, o + e2 + 8, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(c2).fma(v, a2);
            a3 = ((FloatVector) ByteVector.fromMemorySegment(BL, p, o + e3 + 8, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(c3).fma(v, a3);
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        a2.intoArray(t, 2 * L);
        a3.intoArray(t, 3 * L);
    }

    /** Any lane count (4 on NEON). */
    private void pair(float[] x, int r0, int r1, float[] t) {
        long q0 = (long) r0 * cols, q1 = (long) r1 * cols, s0 = scale(r0, 0), s1 = scale(r1, 0), d0 = d(r0, 0), d1 = d(r1, 0);
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int k0 = 0; k0 < cols; k0 += S) {
            long u = k0 / S, e = k0 / 256 * Float.BYTES;
            float c0 = p.get(D, d0 + e) * p.get(ValueLayout.JAVA_BYTE, s0 + u), c1 = p.get(D, d1 + e) * p.get(ValueLayout.JAVA_BYTE, s1 + u);
            for (int i = 0; i < S; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, k0 + i);
                a0 = weights(q0 + k0 + i, i, c0).fma(v, a0);
                a1 = weights(q1 + k0 + i, i, c1).fma(v, a1);
            }
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
    }
}
