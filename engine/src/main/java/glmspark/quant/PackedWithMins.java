package glmspark.quant;

import glmspark.cpu.Lanes;
import glmspark.cpu.RowPanels;
import glmspark.format.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q5_K in {@link RowPanels}' form: per block of 64 rows and 16 columns a record of the 64 rows' scales as floats,
 * their mins negated as floats, then per column the 64 rows' quants, a byte each; a scale and min cover 32
 * columns and are stored in both of their records (24 lines a record: one of 8 + 32 lines streamed at 10 G
 * weights/s on one thread, see PackedQ8). 1.5 bytes a weight, in the file 0.6875. A weight is widened as
 * fma(q, scale, -min): ggml's d * sc * q - dmin * m with one rounding. (The factors d, sc, dmin, m kept apart, 18
 * lines a record, need two more products a scale vector, and C2 then boxed every vector.) Q4_K and Q4_0 have
 * their own form, {@link PackedQ4}.
 */
final class PackedWithMins extends RowPanels {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int RUN = 16, MINS = 4 * ROWS, QUANTS = 8 * ROWS, RECORD = QUANTS + RUN * ROWS;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Whether this machine can use the form (16 float lanes) for {@code type}. */
    static boolean fits(DType type) {
        return F.length() == 16 && type == DType.Q5_K;
    }

    /** Repacks ggml rows of {@code type} (rows x cols) on as many threads as the segment may be read from. */
    PackedWithMins(DType type, MemorySegment data, int rows, int cols) {
        super(rows, cols, (long) cols / RUN * RECORD);
        Quants.forEachSubBlock(type, data, rows, cols, ROWS, (j, g, q, qo, scale, min) -> {
            int i = j % ROWS;
            for (int h = 2 * g; h < 2 * g + 2; h++) {
                long r = j / ROWS * blockBytes + (long) h * RECORD;
                p.set(FLOAT, r + 4L * i, scale);
                p.set(FLOAT, r + MINS + 4L * i, -min);
                for (int k = 0; k < RUN; k++) p.set(ValueLayout.JAVA_BYTE, r + QUANTS + (long) k * ROWS + i, (byte) q[qo + (h - 2 * g) * RUN + k]);
            }
        });
    }

    private static FloatVector floats(MemorySegment p, long o) {
        return FloatVector.fromMemorySegment(F, p, o, ByteOrder.LITTLE_ENDIAN);
    }

    /** 16 rows' weights at one column (quants in [0, 32), so the signed widening is right). */
    private static FloatVector weights(MemorySegment p, long o, FloatVector scale, FloatVector negMin) {
        return ((FloatVector) ByteVector.fromMemorySegment(B, p, o, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).fma(scale, negMin);
    }

    @Override
    protected void decode(long o, float[] x, float[] y, int yo) {
        MemorySegment p = this.p;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int h = 0, k0 = 0; k0 < cols; h++, k0 += RUN) {
            long r = o + (long) h * RECORD;
            FloatVector d0 = floats(p, r), d1 = floats(p, r + 64), d2 = floats(p, r + 128), d3 = floats(p, r + 192);
            FloatVector m0 = floats(p, r + MINS), m1 = floats(p, r + MINS + 64), m2 = floats(p, r + MINS + 128), m3 = floats(p, r + MINS + 192);
            for (int k = 0; k < RUN; k++) {
                long q = r + QUANTS + k * ROWS;
                FloatVector c = FloatVector.broadcast(F, x[k0 + k]);
                a0 = weights(p, q, d0, m0).fma(c, a0);
                a1 = weights(p, q + 16, d1, m1).fma(c, a1);
                a2 = weights(p, q + 32, d2, m2).fma(c, a2);
                a3 = weights(p, q + 48, d3, m3).fma(c, a3);
            }
        }
        a0.intoArray(y, yo);
        a1.intoArray(y, yo + 16);
        a2.intoArray(y, yo + 32);
        a3.intoArray(y, yo + 48);
    }

    @Override
    protected void panel2x12(long o, int half, float[] x, int xo, float[] y, int yo, int ys) {
        MemorySegment p = this.p;
        int K = cols;
        int x0 = xo, x1 = xo + 1 * K, x2 = xo + 2 * K, x3 = xo + 3 * K, x4 = xo + 4 * K, x5 = xo + 5 * K, x6 = xo + 6 * K, x7 = xo + 7 * K, x8 = xo + 8 * K, x9 = xo + 9 * K, x10 = xo + 10 * K, x11 = xo + 11 * K;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0, b8 = a0, b9 = a0, b10 = a0, b11 = a0;
        for (int h = 0, k0 = 0; k0 < cols; h++, k0 += RUN) {
            long r = o + (long) h * RECORD;
            // 24 accumulators, 2 scales and 2 mins: C2 spills a few accumulators to L1; two 16-row passes with
            // half the registers, or the scales read from the record each column, measured 15-25 % slower
            FloatVector d0 = floats(p, r + half * 128), d1 = floats(p, r + half * 128 + 64);
            FloatVector m0 = floats(p, r + MINS + half * 128), m1 = floats(p, r + MINS + half * 128 + 64);
            for (int k = 0; k < RUN; k++) {
                long q = r + QUANTS + k * ROWS + half * 32;
                int i = k0 + k;
                FloatVector w0 = weights(p, q, d0, m0), w1 = weights(p, q + 16, d1, m1), c;
                c = FloatVector.broadcast(F, x[x0 + i]); a0 = w0.fma(c, a0); b0 = w1.fma(c, b0);
                c = FloatVector.broadcast(F, x[x1 + i]); a1 = w0.fma(c, a1); b1 = w1.fma(c, b1);
                c = FloatVector.broadcast(F, x[x2 + i]); a2 = w0.fma(c, a2); b2 = w1.fma(c, b2);
                c = FloatVector.broadcast(F, x[x3 + i]); a3 = w0.fma(c, a3); b3 = w1.fma(c, b3);
                c = FloatVector.broadcast(F, x[x4 + i]); a4 = w0.fma(c, a4); b4 = w1.fma(c, b4);
                c = FloatVector.broadcast(F, x[x5 + i]); a5 = w0.fma(c, a5); b5 = w1.fma(c, b5);
                c = FloatVector.broadcast(F, x[x6 + i]); a6 = w0.fma(c, a6); b6 = w1.fma(c, b6);
                c = FloatVector.broadcast(F, x[x7 + i]); a7 = w0.fma(c, a7); b7 = w1.fma(c, b7);
                c = FloatVector.broadcast(F, x[x8 + i]); a8 = w0.fma(c, a8); b8 = w1.fma(c, b8);
                c = FloatVector.broadcast(F, x[x9 + i]); a9 = w0.fma(c, a9); b9 = w1.fma(c, b9);
                c = FloatVector.broadcast(F, x[x10 + i]); a10 = w0.fma(c, a10); b10 = w1.fma(c, b10);
                c = FloatVector.broadcast(F, x[x11 + i]); a11 = w0.fma(c, a11); b11 = w1.fma(c, b11);
            }
        }
        a0.intoArray(y, yo); b0.intoArray(y, yo + 16);
        a1.intoArray(y, yo + 1 * ys); b1.intoArray(y, yo + 1 * ys + 16);
        a2.intoArray(y, yo + 2 * ys); b2.intoArray(y, yo + 2 * ys + 16);
        a3.intoArray(y, yo + 3 * ys); b3.intoArray(y, yo + 3 * ys + 16);
        a4.intoArray(y, yo + 4 * ys); b4.intoArray(y, yo + 4 * ys + 16);
        a5.intoArray(y, yo + 5 * ys); b5.intoArray(y, yo + 5 * ys + 16);
        a6.intoArray(y, yo + 6 * ys); b6.intoArray(y, yo + 6 * ys + 16);
        a7.intoArray(y, yo + 7 * ys); b7.intoArray(y, yo + 7 * ys + 16);
        a8.intoArray(y, yo + 8 * ys); b8.intoArray(y, yo + 8 * ys + 16);
        a9.intoArray(y, yo + 9 * ys); b9.intoArray(y, yo + 9 * ys + 16);
        a10.intoArray(y, yo + 10 * ys); b10.intoArray(y, yo + 10 * ys + 16);
        a11.intoArray(y, yo + 11 * ys); b11.intoArray(y, yo + 11 * ys + 16);
    }

    @Override
    protected void panel4x4(long o, float[] x, int xo, float[] y, int yo, int ys) {
        MemorySegment p = this.p;
        int K = cols, x0 = xo, x1 = xo + K, x2 = xo + 2 * K, x3 = xo + 3 * K;
        FloatVector a00 = FloatVector.zero(F), a10 = a00, a20 = a00, a30 = a00, a01 = a00, a11 = a00, a21 = a00, a31 = a00, a02 = a00, a12 = a00, a22 = a00, a32 = a00, a03 = a00, a13 = a00, a23 = a00, a33 = a00;
        for (int h = 0, k0 = 0; k0 < cols; h++, k0 += RUN) {
            long r = o + (long) h * RECORD;
            FloatVector d0 = floats(p, r), d1 = floats(p, r + 64), d2 = floats(p, r + 128), d3 = floats(p, r + 192);
            FloatVector m0 = floats(p, r + MINS), m1 = floats(p, r + MINS + 64), m2 = floats(p, r + MINS + 128), m3 = floats(p, r + MINS + 192);
            for (int k = 0; k < RUN; k++) {
                long q = r + QUANTS + k * ROWS;
                int i = k0 + k;
                FloatVector w0 = weights(p, q, d0, m0), w1 = weights(p, q + 16, d1, m1), w2 = weights(p, q + 32, d2, m2), w3 = weights(p, q + 48, d3, m3), c;
                c = FloatVector.broadcast(F, x[x0 + i]); a00 = w0.fma(c, a00); a10 = w1.fma(c, a10); a20 = w2.fma(c, a20); a30 = w3.fma(c, a30);
                c = FloatVector.broadcast(F, x[x1 + i]); a01 = w0.fma(c, a01); a11 = w1.fma(c, a11); a21 = w2.fma(c, a21); a31 = w3.fma(c, a31);
                c = FloatVector.broadcast(F, x[x2 + i]); a02 = w0.fma(c, a02); a12 = w1.fma(c, a12); a22 = w2.fma(c, a22); a32 = w3.fma(c, a32);
                c = FloatVector.broadcast(F, x[x3 + i]); a03 = w0.fma(c, a03); a13 = w1.fma(c, a13); a23 = w2.fma(c, a23); a33 = w3.fma(c, a33);
            }
        }
        a00.intoArray(y, yo + 0 * ys + 0); a10.intoArray(y, yo + 0 * ys + 16); a20.intoArray(y, yo + 0 * ys + 32); a30.intoArray(y, yo + 0 * ys + 48);
        a01.intoArray(y, yo + 1 * ys + 0); a11.intoArray(y, yo + 1 * ys + 16); a21.intoArray(y, yo + 1 * ys + 32); a31.intoArray(y, yo + 1 * ys + 48);
        a02.intoArray(y, yo + 2 * ys + 0); a12.intoArray(y, yo + 2 * ys + 16); a22.intoArray(y, yo + 2 * ys + 32); a32.intoArray(y, yo + 2 * ys + 48);
        a03.intoArray(y, yo + 3 * ys + 0); a13.intoArray(y, yo + 3 * ys + 16); a23.intoArray(y, yo + 3 * ys + 32); a33.intoArray(y, yo + 3 * ys + 48);
    }
}
