package glmspark.cpu;

import glmspark.tensor.NativeMemory;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A bf16 matrix in {@link RowPanels}' form: per block and column pair (k, k + 1) one 256-byte record of 4
 * sub-blocks of 16 rows, each row's pair as one int (the pair's 4 bytes as stored, so k is the low half and
 * k + 1 the high half); a shift and a mask widen the 16 rows at k and at k + 1 to floats. 2 bytes a weight.
 */
final class PackedBF16 extends RowPanels {

    private static final VectorSpecies<Float> F = Lanes.F;
    private static final VectorSpecies<Integer> I = Lanes.I;
    private static final int SUB = 64, RECORD = 4 * SUB;
    private static final ValueLayout.OfInt PAIR = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort ELEM = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int pairs;

    /** Whether this machine and shape can use the form: 16 float lanes and an even column count. */
    static boolean fits(int cols) {
        return F.length() == 16 && cols % 2 == 0;
    }

    /** Repacks row-major bf16 data (rows x cols) on as many threads as the segment may be read from. */
    PackedBF16(MemorySegment data, int rows, int cols) {
        super(rows, cols, (long) cols / 2 * RECORD);
        this.pairs = cols / 2;
        NativeMemory.parts(data, blocks()).forEach(b -> {
            // 64 pairs at a time: the 64 records written (16 KiB) stay in L1 while the block's rows pass
            for (int q0 = 0; q0 < pairs; q0 += 64) {
                int q1 = Math.min(pairs, q0 + 64);
                for (int j = b * ROWS; j < Math.min(rows, b * ROWS + ROWS); j++) {
                    long src = (long) j * cols * 2, dst = b * blockBytes + (long) (j % ROWS) * 4;
                    for (int q = q0; q < q1; q++) p.set(PAIR, dst + (long) q * RECORD, data.get(PAIR, src + 4L * q));
                }
            }
        });
    }

    float get(int j, int k) {
        long o = (j / ROWS) * blockBytes + (long) (k / 2) * RECORD + (long) (j % ROWS) * 4 + (k % 2) * 2;
        return Float.intBitsToFloat((p.get(ELEM, o) & 0xFFFF) << 16);
    }

    @Override
    protected void decode(long o, float[] x, float[] y, int yo) {
        decode4(p, o, pairs, x, y, yo);
    }

    @Override
    protected void panel2x12(long o, int half, float[] x, int xo, float[] y, int yo, int ys) {
        panel2x12(p, o + half * 2 * SUB, pairs, x, xo, cols, y, yo, ys);
    }

    @Override
    protected void panel4x4(long o, float[] x, int xo, float[] y, int yo, int ys) {
        panel4x4(p, o, pairs, x, xo, cols, y, yo, ys);
    }

    private static IntVector pairsAt(MemorySegment p, long o) {
        return IntVector.fromMemorySegment(I, p, o, ByteOrder.LITTLE_ENDIAN);
    }

    /** Column k of the 16 rows: the low halves. */
    private static FloatVector even(IntVector v) {
        return v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** Column k + 1: the high halves. */
    private static FloatVector odd(IntVector v) {
        return v.and(0xFFFF0000).reinterpretAsFloats();
    }

    /** One token, the block's 64 rows (4 chains of 2 fmas per pair): y[yo + i] for i in [0, 64). */
    private static void decode4(MemorySegment p, long o, int pairs, float[] x, float[] y, int yo) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int q = 0, k = 0; q < pairs; q++, k += 2) {
            long r = o + (long) q * RECORD;
            FloatVector c = FloatVector.broadcast(F, x[k]), d = FloatVector.broadcast(F, x[k + 1]);
            IntVector v0 = pairsAt(p, r), v1 = pairsAt(p, r + SUB), v2 = pairsAt(p, r + 2 * SUB), v3 = pairsAt(p, r + 3 * SUB);
            a0 = odd(v0).fma(d, even(v0).fma(c, a0));
            a1 = odd(v1).fma(d, even(v1).fma(c, a1));
            a2 = odd(v2).fma(d, even(v2).fma(c, a2));
            a3 = odd(v3).fma(d, even(v3).fma(c, a3));
        }
        a0.intoArray(y, yo);
        a1.intoArray(y, yo + 16);
        a2.intoArray(y, yo + 32);
        a3.intoArray(y, yo + 48);
    }

    /**
     * 32 rows (sub-blocks s and s + 1 of a block; o = the block's offset + 64 s) times 12 tokens (x rows at xo, xo + K, ...,
     * row stride K) over every column pair: y[yo + t * ys + i] = row i's product with token t, for i in [0, 32).
     * 24 accumulators, 2 weight vectors widened per pair, one broadcast activation per token and column.
     */
    private static void panel2x12(MemorySegment p, long o, int pairs, float[] x, int xo, int K, float[] y, int yo, int ys) {
        int x0 = xo, x1 = xo + 1 * K, x2 = xo + 2 * K, x3 = xo + 3 * K, x4 = xo + 4 * K, x5 = xo + 5 * K, x6 = xo + 6 * K, x7 = xo + 7 * K, x8 = xo + 8 * K, x9 = xo + 9 * K, x10 = xo + 10 * K, x11 = xo + 11 * K;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0, b8 = a0, b9 = a0, b10 = a0, b11 = a0;
        for (int q = 0, k = 0; q < pairs; q++, k += 2) {
            long r = o + (long) q * RECORD;
            IntVector v = pairsAt(p, r), u = pairsAt(p, r + SUB);
            FloatVector l0 = even(v), l1 = even(u), h0 = odd(v), h1 = odd(u), c;
            c = FloatVector.broadcast(F, x[x0 + k]); a0 = l0.fma(c, a0); b0 = l1.fma(c, b0);
            c = FloatVector.broadcast(F, x[x1 + k]); a1 = l0.fma(c, a1); b1 = l1.fma(c, b1);
            c = FloatVector.broadcast(F, x[x2 + k]); a2 = l0.fma(c, a2); b2 = l1.fma(c, b2);
            c = FloatVector.broadcast(F, x[x3 + k]); a3 = l0.fma(c, a3); b3 = l1.fma(c, b3);
            c = FloatVector.broadcast(F, x[x4 + k]); a4 = l0.fma(c, a4); b4 = l1.fma(c, b4);
            c = FloatVector.broadcast(F, x[x5 + k]); a5 = l0.fma(c, a5); b5 = l1.fma(c, b5);
            c = FloatVector.broadcast(F, x[x6 + k]); a6 = l0.fma(c, a6); b6 = l1.fma(c, b6);
            c = FloatVector.broadcast(F, x[x7 + k]); a7 = l0.fma(c, a7); b7 = l1.fma(c, b7);
            c = FloatVector.broadcast(F, x[x8 + k]); a8 = l0.fma(c, a8); b8 = l1.fma(c, b8);
            c = FloatVector.broadcast(F, x[x9 + k]); a9 = l0.fma(c, a9); b9 = l1.fma(c, b9);
            c = FloatVector.broadcast(F, x[x10 + k]); a10 = l0.fma(c, a10); b10 = l1.fma(c, b10);
            c = FloatVector.broadcast(F, x[x11 + k]); a11 = l0.fma(c, a11); b11 = l1.fma(c, b11);
            c = FloatVector.broadcast(F, x[x0 + k + 1]); a0 = h0.fma(c, a0); b0 = h1.fma(c, b0);
            c = FloatVector.broadcast(F, x[x1 + k + 1]); a1 = h0.fma(c, a1); b1 = h1.fma(c, b1);
            c = FloatVector.broadcast(F, x[x2 + k + 1]); a2 = h0.fma(c, a2); b2 = h1.fma(c, b2);
            c = FloatVector.broadcast(F, x[x3 + k + 1]); a3 = h0.fma(c, a3); b3 = h1.fma(c, b3);
            c = FloatVector.broadcast(F, x[x4 + k + 1]); a4 = h0.fma(c, a4); b4 = h1.fma(c, b4);
            c = FloatVector.broadcast(F, x[x5 + k + 1]); a5 = h0.fma(c, a5); b5 = h1.fma(c, b5);
            c = FloatVector.broadcast(F, x[x6 + k + 1]); a6 = h0.fma(c, a6); b6 = h1.fma(c, b6);
            c = FloatVector.broadcast(F, x[x7 + k + 1]); a7 = h0.fma(c, a7); b7 = h1.fma(c, b7);
            c = FloatVector.broadcast(F, x[x8 + k + 1]); a8 = h0.fma(c, a8); b8 = h1.fma(c, b8);
            c = FloatVector.broadcast(F, x[x9 + k + 1]); a9 = h0.fma(c, a9); b9 = h1.fma(c, b9);
            c = FloatVector.broadcast(F, x[x10 + k + 1]); a10 = h0.fma(c, a10); b10 = h1.fma(c, b10);
            c = FloatVector.broadcast(F, x[x11 + k + 1]); a11 = h0.fma(c, a11); b11 = h1.fma(c, b11);
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

    /** All 64 rows of a block times 4 tokens (batched decode, the last tokens of a prompt): 16 accumulators. */
    private static void panel4x4(MemorySegment p, long o, int pairs, float[] x, int xo, int K, float[] y, int yo, int ys) {
        int x0 = xo, x1 = xo + K, x2 = xo + 2 * K, x3 = xo + 3 * K;
        FloatVector a00 = FloatVector.zero(F), a10 = a00, a20 = a00, a30 = a00, a01 = a00, a11 = a00, a21 = a00, a31 = a00, a02 = a00, a12 = a00, a22 = a00, a32 = a00, a03 = a00, a13 = a00, a23 = a00, a33 = a00;
        for (int q = 0, k = 0; q < pairs; q++, k += 2) {
            long r = o + (long) q * RECORD;
            IntVector v0 = pairsAt(p, r), v1 = pairsAt(p, r + SUB), v2 = pairsAt(p, r + 2 * SUB), v3 = pairsAt(p, r + 3 * SUB);
            FloatVector w0 = even(v0), w1 = even(v1), w2 = even(v2), w3 = even(v3), c;
            c = FloatVector.broadcast(F, x[x0 + k]); a00 = w0.fma(c, a00); a10 = w1.fma(c, a10); a20 = w2.fma(c, a20); a30 = w3.fma(c, a30);
            c = FloatVector.broadcast(F, x[x1 + k]); a01 = w0.fma(c, a01); a11 = w1.fma(c, a11); a21 = w2.fma(c, a21); a31 = w3.fma(c, a31);
            c = FloatVector.broadcast(F, x[x2 + k]); a02 = w0.fma(c, a02); a12 = w1.fma(c, a12); a22 = w2.fma(c, a22); a32 = w3.fma(c, a32);
            c = FloatVector.broadcast(F, x[x3 + k]); a03 = w0.fma(c, a03); a13 = w1.fma(c, a13); a23 = w2.fma(c, a23); a33 = w3.fma(c, a33);
            w0 = odd(v0); w1 = odd(v1); w2 = odd(v2); w3 = odd(v3);
            c = FloatVector.broadcast(F, x[x0 + k + 1]); a00 = w0.fma(c, a00); a10 = w1.fma(c, a10); a20 = w2.fma(c, a20); a30 = w3.fma(c, a30);
            c = FloatVector.broadcast(F, x[x1 + k + 1]); a01 = w0.fma(c, a01); a11 = w1.fma(c, a11); a21 = w2.fma(c, a21); a31 = w3.fma(c, a31);
            c = FloatVector.broadcast(F, x[x2 + k + 1]); a02 = w0.fma(c, a02); a12 = w1.fma(c, a12); a22 = w2.fma(c, a22); a32 = w3.fma(c, a32);
            c = FloatVector.broadcast(F, x[x3 + k + 1]); a03 = w0.fma(c, a03); a13 = w1.fma(c, a13); a23 = w2.fma(c, a23); a33 = w3.fma(c, a33);
        }
        a00.intoArray(y, yo + 0 * ys + 0); a10.intoArray(y, yo + 0 * ys + 16); a20.intoArray(y, yo + 0 * ys + 32); a30.intoArray(y, yo + 0 * ys + 48);
        a01.intoArray(y, yo + 1 * ys + 0); a11.intoArray(y, yo + 1 * ys + 16); a21.intoArray(y, yo + 1 * ys + 32); a31.intoArray(y, yo + 1 * ys + 48);
        a02.intoArray(y, yo + 2 * ys + 0); a12.intoArray(y, yo + 2 * ys + 16); a22.intoArray(y, yo + 2 * ys + 32); a32.intoArray(y, yo + 2 * ys + 48);
        a03.intoArray(y, yo + 3 * ys + 0); a13.intoArray(y, yo + 3 * ys + 16); a23.intoArray(y, yo + 3 * ys + 32); a33.intoArray(y, yo + 3 * ys + 48);
    }
}
