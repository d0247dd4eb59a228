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
 * Q6_K in {@link RowPanels}' form, in 6 bits: per block of 64 rows and 16 columns (one sub-block) a record of 14
 * lines: the 64 rows' sc as bytes, an aux line, then per 16 rows three lines of ints, one int a row. Int m of a row
 * holds u = q + 32 (0-63) of columns 5m..5m+4 in bits 0, 6, 12, 18, 24, and in bits 30-31 bits 2m, 2m+1 of column
 * 15's u. d, one per row and 256 columns, sits in the aux lines of the first four records of each 256 columns
 * (16 rows' floats a line; the other twelve aux lines are padding, which keeps d next to the quants: read from a
 * region of its own it decoded 20 % slower).
 *
 * <p>No integer widening or conversion: a field masked at bit p and or-ed into the bits of 1.0f is the float
 * 1 + u 2^(p-23); subtracting 1 + 32 2^(p-23) leaves q 2^(p-23) exactly (both lie in [1, 2)), and multiplying by
 * scale 2^(23-p) gives round(q * scale), the same bits as float(q) * scale. So a weight vector costs a mask-and-or
 * (one vpternlogd), a subtract and a multiply, and the products are fma chains over the dequantised weights as
 * before. A scale is float(sc) * d, exactly ggml's d * sc. 0.875 bytes a weight (was 1.125 as int8s; in the file
 * 0.8203).
 */
final class PackedQ6K extends RowPanels {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final VectorSpecies<Integer> I = Lanes.I;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    /** A record's sc line and aux line; bytes before its quants. */
    private static final int SCALES = 2 * ROWS;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Columns per record, bytes per record (three 64-byte lines of ints per 16 rows). */
    private static final int RUN = 16, RECORD = SCALES + 3 * ROWS * 4;
    /** The bits of 1.0f, a field's mask at bit 0 and 6, and 1 + 32 2^(p-23) for p = 0 and 6. */
    private static final int ONE = 0x3F800000, M0 = 63, M6 = 63 << 6;
    private static final float C0 = 1 + 0x1p-18f, C6 = 1 + 0x1p-12f;

    /** Whether this machine can use the form (16 float lanes) for {@code type}. */
    static boolean fits(DType type) {
        return F.length() == 16 && type == DType.Q6_K;
    }

    /** Repacks ggml rows of {@code type} (rows x cols) on as many threads as the segment may be read from. */
    PackedQ6K(DType type, MemorySegment data, int rows, int cols) {
        super(rows, cols, (long) cols / RUN * RECORD);
        long rowBytes = type.rowBytes(cols);
        // a sub-block of Q6_K is 16 columns: one record; sc = scale / d is exact (scale is the float product d * sc)
        Quants.forEachSubBlock(type, data, rows, cols, ROWS, (j, g, q, qo, scale, min) -> {
            long b = j / ROWS * blockBytes, r = b + (long) g * RECORD;
            int i = j % ROWS;
            float d = Float.float16ToFloat(data.get(HALF, j * rowBytes + (long) (g / 16) * 210 + 208));
            p.set(ValueLayout.JAVA_BYTE, r + i, (byte) (d == 0 ? 0 : scale / d));
            p.set(FLOAT, b + (long) ((g & ~15) + (i >> 4)) * RECORD + 64 + 4 * (i & 15), d);
            int u15 = q[qo + 15] + 32;
            for (int m = 0; m < 3; m++) {
                int w = (u15 >> 2 * m & 3) << 30;
                for (int c = 0; c < 5; c++) w |= (q[qo + 5 * m + c] + 32) << 6 * c;
                p.set(INT, r + SCALES + (long) (3 * (i >> 4) + m) * ROWS + 4 * (i & 15), w);
            }
        });
    }

    @Override
    protected void decode(long o, float[] x, float[] y, int yo) {
        MemorySegment p = this.p;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, u0 = a0, u1 = a0, u2 = a0, u3 = a0;
        for (int h = 0, k0 = 0; k0 < cols; h++, k0 += RUN) {
            long r = o + (long) h * RECORD, q = r + SCALES;
            if ((h & 15) == 0) {
                u0 = FloatVector.fromMemorySegment(F, p, r + 64, ByteOrder.LITTLE_ENDIAN);
                u1 = FloatVector.fromMemorySegment(F, p, r + RECORD + 64, ByteOrder.LITTLE_ENDIAN);
                u2 = FloatVector.fromMemorySegment(F, p, r + 2 * RECORD + 64, ByteOrder.LITTLE_ENDIAN);
                u3 = FloatVector.fromMemorySegment(F, p, r + 3 * RECORD + 64, ByteOrder.LITTLE_ENDIAN);
            }
            // per row vector the scale of a field at bit 0 and at bit 6
            FloatVector d0 = ((FloatVector) ByteVector.fromMemorySegment(B, p, r, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(u0);
            FloatVector d1 = ((FloatVector) ByteVector.fromMemorySegment(B, p, r + 16, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(u1);
            FloatVector d2 = ((FloatVector) ByteVector.fromMemorySegment(B, p, r + 32, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(u2);
            FloatVector d3 = ((FloatVector) ByteVector.fromMemorySegment(B, p, r + 48, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(u3);
            FloatVector s0 = d0.mul(0x1p23f), t0 = d0.mul(0x1p17f), s1 = d1.mul(0x1p23f), t1 = d1.mul(0x1p17f);
            FloatVector s2 = d2.mul(0x1p23f), t2 = d2.mul(0x1p17f), s3 = d3.mul(0x1p23f), t3 = d3.mul(0x1p17f);
            for (int m = 0; m < 3; m++) {
                int k = k0 + 5 * m;
                long l = q + m * ROWS;
                FloatVector c0 = FloatVector.broadcast(F, x[k]), c1 = FloatVector.broadcast(F, x[k + 1]), c2 = FloatVector.broadcast(F, x[k + 2]);
                FloatVector c3 = FloatVector.broadcast(F, x[k + 3]), c4 = FloatVector.broadcast(F, x[k + 4]);
                IntVector v = IntVector.fromMemorySegment(I, p, l, ByteOrder.LITTLE_ENDIAN), w = v.lanewise(VectorOperators.LSHR, 12), z = v.lanewise(VectorOperators.LSHR, 24);
                a0 = v.and(M0).or(ONE).reinterpretAsFloats().sub(C0).mul(s0).fma(c0, a0);
                a0 = v.and(M6).or(ONE).reinterpretAsFloats().sub(C6).mul(t0).fma(c1, a0);
                a0 = w.and(M0).or(ONE).reinterpretAsFloats().sub(C0).mul(s0).fma(c2, a0);
                a0 = w.and(M6).or(ONE).reinterpretAsFloats().sub(C6).mul(t0).fma(c3, a0);
                a0 = z.and(M0).or(ONE).reinterpretAsFloats().sub(C0).mul(s0).fma(c4, a0);
                v = IntVector.fromMemorySegment(I, p, l + 3 * ROWS, ByteOrder.LITTLE_ENDIAN); w = v.lanewise(VectorOperators.LSHR, 12); z = v.lanewise(VectorOperators.LSHR, 24);
                a1 = v.and(M0).or(ONE).reinterpretAsFloats().sub(C0).mul(s1).fma(c0, a1);
                a1 = v.and(M6).or(ONE).reinterpretAsFloats().sub(C6).mul(t1).fma(c1, a1);
                a1 = w.and(M0).or(ONE).reinterpretAsFloats().sub(C0).mul(s1).fma(c2, a1);
                a1 = w.and(M6).or(ONE).reinterpretAsFloats().sub(C6).mul(t1).fma(c3, a1);
                a1 = z.and(M0).or(ONE).reinterpretAsFloats().sub(C0).mul(s1).fma(c4, a1);
                v = IntVector.fromMemorySegment(I, p, l + 6 * ROWS, ByteOrder.LITTLE_ENDIAN); w = v.lanewise(VectorOperators.LSHR, 12); z = v.lanewise(VectorOperators.LSHR, 24);
                a2 = v.and(M0).or(ONE).reinterpretAsFloats().sub(C0).mul(s2).fma(c0, a2);
                a2 = v.and(M6).or(ONE).reinterpretAsFloats().sub(C6).mul(t2).fma(c1, a2);
                a2 = w.and(M0).or(ONE).reinterpretAsFloats().sub(C0).mul(s2).fma(c2, a2);
                a2 = w.and(M6).or(ONE).reinterpretAsFloats().sub(C6).mul(t2).fma(c3, a2);
                a2 = z.and(M0).or(ONE).reinterpretAsFloats().sub(C0).mul(s2).fma(c4, a2);
                v = IntVector.fromMemorySegment(I, p, l + 9 * ROWS, ByteOrder.LITTLE_ENDIAN); w = v.lanewise(VectorOperators.LSHR, 12); z = v.lanewise(VectorOperators.LSHR, 24);
                a3 = v.and(M0).or(ONE).reinterpretAsFloats().sub(C0).mul(s3).fma(c0, a3);
                a3 = v.and(M6).or(ONE).reinterpretAsFloats().sub(C6).mul(t3).fma(c1, a3);
                a3 = w.and(M0).or(ONE).reinterpretAsFloats().sub(C0).mul(s3).fma(c2, a3);
                a3 = w.and(M6).or(ONE).reinterpretAsFloats().sub(C6).mul(t3).fma(c3, a3);
                a3 = z.and(M0).or(ONE).reinterpretAsFloats().sub(C0).mul(s3).fma(c4, a3);
            }
            FloatVector c = FloatVector.broadcast(F, x[k0 + 15]);
            a0 = IntVector.fromMemorySegment(I, p, q, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 30).or(IntVector.fromMemorySegment(I, p, q + ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 28).and(0xC)).or(IntVector.fromMemorySegment(I, p, q + 2 * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 26).and(0x30)).or(ONE).reinterpretAsFloats().sub(C0).mul(s0).fma(c, a0);
            a1 = IntVector.fromMemorySegment(I, p, (q + 3 * ROWS), ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 30).or(IntVector.fromMemorySegment(I, p, (q + 3 * ROWS) + ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 28).and(0xC)).or(IntVector.fromMemorySegment(I, p, (q + 3 * ROWS) + 2 * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 26).and(0x30)).or(ONE).reinterpretAsFloats().sub(C0).mul(s1).fma(c, a1);
            a2 = IntVector.fromMemorySegment(I, p, (q + 6 * ROWS), ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 30).or(IntVector.fromMemorySegment(I, p, (q + 6 * ROWS) + ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 28).and(0xC)).or(IntVector.fromMemorySegment(I, p, (q + 6 * ROWS) + 2 * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 26).and(0x30)).or(ONE).reinterpretAsFloats().sub(C0).mul(s2).fma(c, a2);
            a3 = IntVector.fromMemorySegment(I, p, (q + 9 * ROWS), ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 30).or(IntVector.fromMemorySegment(I, p, (q + 9 * ROWS) + ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 28).and(0xC)).or(IntVector.fromMemorySegment(I, p, (q + 9 * ROWS) + 2 * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 26).and(0x30)).or(ONE).reinterpretAsFloats().sub(C0).mul(s3).fma(c, a3);
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
            long r = o + (long) h * RECORD, q0 = r + SCALES + 6L * half * ROWS, q1 = q0 + 3 * ROWS;
            long g = o + (long) ((h & ~15) + 2 * half) * RECORD + 64;
            // fields are shifted down to bit 0: one scale a row vector
            FloatVector s0 = ((FloatVector) ByteVector.fromMemorySegment(B, p, r + half * 32, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromMemorySegment(F, p, g, ByteOrder.LITTLE_ENDIAN)).mul(0x1p23f);
            FloatVector s1 = ((FloatVector) ByteVector.fromMemorySegment(B, p, r + half * 32 + 16, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromMemorySegment(F, p, g + RECORD, ByteOrder.LITTLE_ENDIAN)).mul(0x1p23f);
            for (int k = 0; k < RUN; k++) {
                int i = k0 + k;
                IntVector v0, v1;
                if (k < 15) {
                    int m = k / 5, shift = 6 * (k % 5);
                    v0 = IntVector.fromMemorySegment(I, p, q0 + m * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, shift).and(M0);
                    v1 = IntVector.fromMemorySegment(I, p, q1 + m * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, shift).and(M0);
                } else {
                    v0 = IntVector.fromMemorySegment(I, p, q0, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 30).or(IntVector.fromMemorySegment(I, p, q0 + ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 28).and(0xC)).or(IntVector.fromMemorySegment(I, p, q0 + 2 * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 26).and(0x30));
                    v1 = IntVector.fromMemorySegment(I, p, q1, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 30).or(IntVector.fromMemorySegment(I, p, q1 + ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 28).and(0xC)).or(IntVector.fromMemorySegment(I, p, q1 + 2 * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 26).and(0x30));
                }
                FloatVector w0 = v0.or(ONE).reinterpretAsFloats().sub(C0).mul(s0), w1 = v1.or(ONE).reinterpretAsFloats().sub(C0).mul(s1), c;
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
            long r = o + (long) h * RECORD, q = r + SCALES, g = o + (long) (h & ~15) * RECORD + 64;
            FloatVector s0 = ((FloatVector) ByteVector.fromMemorySegment(B, p, r, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromMemorySegment(F, p, g, ByteOrder.LITTLE_ENDIAN)).mul(0x1p23f);
            FloatVector s1 = ((FloatVector) ByteVector.fromMemorySegment(B, p, r + 16, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromMemorySegment(F, p, g + RECORD, ByteOrder.LITTLE_ENDIAN)).mul(0x1p23f);
            FloatVector s2 = ((FloatVector) ByteVector.fromMemorySegment(B, p, r + 32, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromMemorySegment(F, p, g + 2 * RECORD, ByteOrder.LITTLE_ENDIAN)).mul(0x1p23f);
            FloatVector s3 = ((FloatVector) ByteVector.fromMemorySegment(B, p, r + 48, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromMemorySegment(F, p, g + 3 * RECORD, ByteOrder.LITTLE_ENDIAN)).mul(0x1p23f);
            for (int k = 0; k < RUN; k++) {
                int i = k0 + k;
                IntVector v0, v1, v2, v3;
                if (k < 15) {
                    long l = q + (k / 5) * ROWS;
                    int shift = 6 * (k % 5);
                    v0 = IntVector.fromMemorySegment(I, p, l, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, shift).and(M0);
                    v1 = IntVector.fromMemorySegment(I, p, l + 3 * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, shift).and(M0);
                    v2 = IntVector.fromMemorySegment(I, p, l + 6 * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, shift).and(M0);
                    v3 = IntVector.fromMemorySegment(I, p, l + 9 * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, shift).and(M0);
                } else {
                    v0 = IntVector.fromMemorySegment(I, p, q, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 30).or(IntVector.fromMemorySegment(I, p, q + ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 28).and(0xC)).or(IntVector.fromMemorySegment(I, p, q + 2 * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 26).and(0x30));
                    v1 = IntVector.fromMemorySegment(I, p, (q + 3 * ROWS), ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 30).or(IntVector.fromMemorySegment(I, p, (q + 3 * ROWS) + ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 28).and(0xC)).or(IntVector.fromMemorySegment(I, p, (q + 3 * ROWS) + 2 * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 26).and(0x30));
                    v2 = IntVector.fromMemorySegment(I, p, (q + 6 * ROWS), ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 30).or(IntVector.fromMemorySegment(I, p, (q + 6 * ROWS) + ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 28).and(0xC)).or(IntVector.fromMemorySegment(I, p, (q + 6 * ROWS) + 2 * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 26).and(0x30));
                    v3 = IntVector.fromMemorySegment(I, p, (q + 9 * ROWS), ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 30).or(IntVector.fromMemorySegment(I, p, (q + 9 * ROWS) + ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 28).and(0xC)).or(IntVector.fromMemorySegment(I, p, (q + 9 * ROWS) + 2 * ROWS, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 26).and(0x30));
                }
                FloatVector w0 = v0.or(ONE).reinterpretAsFloats().sub(C0).mul(s0), w1 = v1.or(ONE).reinterpretAsFloats().sub(C0).mul(s1);
                FloatVector w2 = v2.or(ONE).reinterpretAsFloats().sub(C0).mul(s2), w3 = v3.or(ONE).reinterpretAsFloats().sub(C0).mul(s3), c;
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
