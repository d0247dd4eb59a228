package glmspark.quant;

import glmspark.cpu.Lanes;
import glmspark.cpu.RowPanels;
import glmspark.format.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q4_K and Q4_0 in {@link RowPanels}' form: per block of 64 rows and 32 columns (one sub-block) a record of the 64
 * rows' scales as floats, their mins negated as floats, then per column 32 bytes holding two rows each: byte b of
 * the first 16 holds row b in its low nibble and row b + 16 in its high one, byte 16 + b rows 32 + b and 48 + b.
 * One 16-byte load thus widens into two row vectors, one with a mask, one with a shift and a mask: 5 vector
 * operations a 16-weight vector where a byte per row and column took 6 (decode +17-30 % on one thread, +17-20 %
 * on two; 4- and 16-token panels +20-100 %). A weight is widened as fma(q, scale, -min): the K type's
 * d * sc * q - dmin * m with one rounding, Q4_0's d * (q - 8) as q in [0, 16) with min 8 d, which is exact.
 * 1536-byte records, 0.75 bytes a weight (in the file 0.5625).
 */
final class PackedQ4 extends RowPanels {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final VectorSpecies<Integer> I = Lanes.I;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int S = 32, MINS = 4 * ROWS, QUANTS = 8 * ROWS, RECORD = QUANTS + S * ROWS / 2;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int groups;

    /** Whether this machine can use the form (16 float lanes) for {@code type}. */
    static boolean fits(DType type) {
        return F.length() == 16 && (type == DType.Q4_K || type == DType.Q4_0);
    }

    /** Repacks ggml rows of {@code type} (rows x cols) on as many threads as the segment may be read from. */
    PackedQ4(DType type, MemorySegment data, int rows, int cols) {
        super(rows, cols, (long) cols / S * RECORD);
        this.groups = cols / S;
        int bias = type == DType.Q4_0 ? 8 : 0;
        // rows i and i + 16 share bytes; both come from the same part of 64 rows, so from the same thread
        Quants.forEachSubBlock(type, data, rows, cols, ROWS, (j, g, q, qo, scale, min) -> {
            long r = j / ROWS * blockBytes + (long) g * RECORD;
            int i = j % ROWS, b = (i & 15) + 16 * (i >> 5), shift = (i & 16) >> 2;
            p.set(FLOAT, r + 4L * i, scale);
            p.set(FLOAT, r + MINS + 4L * i, bias != 0 ? -bias * scale : -min);
            for (int k = 0; k < S; k++) {
                long o = r + QUANTS + k * 32L + b;
                p.set(ValueLayout.JAVA_BYTE, o, (byte) (p.get(ValueLayout.JAVA_BYTE, o) | (q[qo + k] + bias) << shift));
            }
        });
    }

    private static FloatVector floats(MemorySegment p, long o) {
        return FloatVector.fromMemorySegment(F, p, o, ByteOrder.LITTLE_ENDIAN);
    }

    /** 16 bytes of one column: two row vectors' nibbles. */
    private static IntVector pairs(MemorySegment p, long o) {
        return (IntVector) ByteVector.fromMemorySegment(B, p, o, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0);
    }

    /** The first row vector's weights: the low nibbles. */
    private static FloatVector low(IntVector v, FloatVector scale, FloatVector negMin) {
        return ((FloatVector) v.and(15).convertShape(VectorOperators.I2F, F, 0)).fma(scale, negMin);
    }

    /** The second row vector's weights: the high nibbles. */
    private static FloatVector high(IntVector v, FloatVector scale, FloatVector negMin) {
        return ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(15).convertShape(VectorOperators.I2F, F, 0)).fma(scale, negMin);
    }

    @Override
    protected void decode(long o, float[] x, float[] y, int yo) {
        MemorySegment p = this.p;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int g = 0, k0 = 0; g < groups; g++, k0 += S) {
            long r = o + (long) g * RECORD;
            FloatVector d0 = floats(p, r), d1 = floats(p, r + 64), d2 = floats(p, r + 128), d3 = floats(p, r + 192);
            FloatVector m0 = floats(p, r + MINS), m1 = floats(p, r + MINS + 64), m2 = floats(p, r + MINS + 128), m3 = floats(p, r + MINS + 192);
            for (int k = 0; k < S; k++) {
                long q = r + QUANTS + k * 32;
                FloatVector c = FloatVector.broadcast(F, x[k0 + k]);
                IntVector v0 = pairs(p, q), v1 = pairs(p, q + 16);
                a0 = low(v0, d0, m0).fma(c, a0);
                a1 = high(v0, d1, m1).fma(c, a1);
                a2 = low(v1, d2, m2).fma(c, a2);
                a3 = high(v1, d3, m3).fma(c, a3);
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
        for (int g = 0, k0 = 0; g < groups; g++, k0 += S) {
            long r = o + (long) g * RECORD;
            // 24 accumulators, 2 scales and 2 mins: C2 spills a few accumulators to L1 (see PackedWithMins)
            FloatVector d0 = floats(p, r + half * 128), d1 = floats(p, r + half * 128 + 64);
            FloatVector m0 = floats(p, r + MINS + half * 128), m1 = floats(p, r + MINS + half * 128 + 64);
            for (int k = 0; k < S; k++) {
                int i = k0 + k;
                IntVector v = pairs(p, r + QUANTS + k * 32 + half * 16);
                FloatVector w0 = low(v, d0, m0), w1 = high(v, d1, m1), c;
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
        for (int g = 0, k0 = 0; g < groups; g++, k0 += S) {
            long r = o + (long) g * RECORD;
            FloatVector d0 = floats(p, r), d1 = floats(p, r + 64), d2 = floats(p, r + 128), d3 = floats(p, r + 192);
            FloatVector m0 = floats(p, r + MINS), m1 = floats(p, r + MINS + 64), m2 = floats(p, r + MINS + 128), m3 = floats(p, r + MINS + 192);
            for (int k = 0; k < S; k++) {
                long q = r + QUANTS + k * 32;
                int i = k0 + k;
                IntVector v0 = pairs(p, q), v1 = pairs(p, q + 16);
                FloatVector w0 = low(v0, d0, m0), w1 = high(v0, d1, m1), w2 = low(v1, d2, m2), w3 = high(v1, d3, m3), c;
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
