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
 * Q8_0 and Q5_0 in {@link RowPanels}' form, with int8 quants: per block of 64 rows and 16 columns a record of the
 * 64 rows' scales d as fp16 (the file's bits), then per column the 64 rows' quants (4 sub-blocks of 16). d covers
 * 32 columns and is stored in both of its records: 2 + 16 lines a record read at the host's speed, where one
 * record of 2 + 32 lines (or 1 + 16 lines with the scales split over two records, 1.0625 bytes a weight) decoded at
 * 46-52 % of the read bandwidth against 60-75 % (two threads, session 10). The scales sit in pairs: int lane l of
 * the record's first 64 bytes holds row l in its low half and row 16 + l in its high half (rows 32 + l and 48 + l
 * in the next 64), so a shift, an arithmetic shift and a mask move either half's sign, exponent and mantissa to
 * where they sit in the float d * 2^-112, and one multiply by 2^112 gives d exactly (fp16 subnormals too; inf and
 * NaN, which no quantiser writes, would come out finite). A weight is widened as float(q) * d, which is exact
 * (d has 11 significant bits, q at most 8), so the products are fma chains over the dequantised weights. 1.125
 * bytes a weight (in the file 1.0625 and 0.6875; with float scales 1.25).
 */
final class PackedQ8 extends RowPanels {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final int SCALES = 2 * ROWS;
    /** Keeps an fp16's sign, exponent and mantissa once shifted to bits 31 and 27-13 of an int. */
    private static final int CODE = 0x8fffe000;
    private static final float UNIT = 0x1p112f;
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Columns per record, bytes per record. */
    private static final int RUN = 16, RECORD = SCALES + RUN * ROWS;

    /** Whether this machine can use the form (16 float lanes) for {@code type}. */
    static boolean fits(DType type) {
        return F.length() == 16 && (type == DType.Q8_0 || type == DType.Q5_0);
    }

    /** Repacks ggml rows of {@code type} (rows x cols) on as many threads as the segment may be read from. */
    PackedQ8(DType type, MemorySegment data, int rows, int cols) {
        super(rows, cols, (long) cols / RUN * RECORD);
        int S = Quants.subBlockColumns(type);
        Quants.forEachSubBlock(type, data, rows, cols, ROWS, (j, g, q, qo, scale, min) -> {
            int i = j % ROWS;
            for (int run = g * S / RUN; run < (g + 1) * S / RUN; run++) {
                long r = j / ROWS * blockBytes + (long) run * RECORD;
                p.set(HALF, r + 64 * (i >> 5) + 4 * (i & 15) + 2 * ((i >> 4) & 1), Float.floatToFloat16(scale));
                for (int k = 0; k < RUN; k++) p.set(ValueLayout.JAVA_BYTE, r + SCALES + (long) k * ROWS + i, (byte) q[qo + (run * RUN - g * S) + k]);
            }
        });
    }

    /** 16 rows' quants at one column, as floats. */
    private static FloatVector quants(MemorySegment p, long o) {
        return (FloatVector) ByteVector.fromMemorySegment(B, p, o, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0);
    }

    @Override
    protected void decode(long o, float[] x, float[] y, int yo) {
        MemorySegment p = this.p;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int h = 0, k0 = 0; k0 < cols; h++, k0 += RUN) {
            long r = o + (long) h * RECORD, run = r + SCALES;
            IntVector v0 = IntVector.fromMemorySegment(I, p, r, ByteOrder.LITTLE_ENDIAN), v1 = IntVector.fromMemorySegment(I, p, r + 64, ByteOrder.LITTLE_ENDIAN);
            FloatVector d0 = v0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(CODE).reinterpretAsFloats().mul(UNIT);
            FloatVector d1 = v0.lanewise(VectorOperators.ASHR, 3).and(CODE).reinterpretAsFloats().mul(UNIT);
            FloatVector d2 = v1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(CODE).reinterpretAsFloats().mul(UNIT);
            FloatVector d3 = v1.lanewise(VectorOperators.ASHR, 3).and(CODE).reinterpretAsFloats().mul(UNIT);
            for (int k = 0; k < RUN; k++) {
                long q = run + k * ROWS;
                FloatVector c = FloatVector.broadcast(F, x[k0 + k]);
                a0 = quants(p, q).mul(d0).fma(c, a0);
                a1 = quants(p, q + 16).mul(d1).fma(c, a1);
                a2 = quants(p, q + 32).mul(d2).fma(c, a2);
                a3 = quants(p, q + 48).mul(d3).fma(c, a3);
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
            long r = o + (long) h * RECORD, run = r + SCALES;
            IntVector v = IntVector.fromMemorySegment(I, p, r + half * 64, ByteOrder.LITTLE_ENDIAN);
            FloatVector d0 = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(CODE).reinterpretAsFloats().mul(UNIT);
            FloatVector d1 = v.lanewise(VectorOperators.ASHR, 3).and(CODE).reinterpretAsFloats().mul(UNIT);
            for (int k = 0; k < RUN; k++) {
                long q = run + k * ROWS + half * 32;
                int i = k0 + k;
                FloatVector w0 = quants(p, q).mul(d0), w1 = quants(p, q + 16).mul(d1), c;
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
            long r = o + (long) h * RECORD, run = r + SCALES;
            IntVector v0 = IntVector.fromMemorySegment(I, p, r, ByteOrder.LITTLE_ENDIAN), v1 = IntVector.fromMemorySegment(I, p, r + 64, ByteOrder.LITTLE_ENDIAN);
            FloatVector d0 = v0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(CODE).reinterpretAsFloats().mul(UNIT);
            FloatVector d1 = v0.lanewise(VectorOperators.ASHR, 3).and(CODE).reinterpretAsFloats().mul(UNIT);
            FloatVector d2 = v1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(CODE).reinterpretAsFloats().mul(UNIT);
            FloatVector d3 = v1.lanewise(VectorOperators.ASHR, 3).and(CODE).reinterpretAsFloats().mul(UNIT);
            for (int k = 0; k < RUN; k++) {
                long q = run + k * ROWS;
                int i = k0 + k;
                FloatVector w0 = quants(p, q).mul(d0), w1 = quants(p, q + 16).mul(d1), w2 = quants(p, q + 32).mul(d2), w3 = quants(p, q + 48).mul(d3), c;
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
