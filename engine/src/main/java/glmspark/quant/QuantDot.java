package glmspark.quant;

import glmspark.cpu.Lanes;
import glmspark.format.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * One token (decode) times ggml rows straight from the mapping, where nothing is repacked (no AVX-512: 8 or 4
 * float lanes), for Q8_0, Q4_0 and Q4_K, and Q5_0 on 8 lanes (Q6_K is widened to {@link ByteRows} when prepared):
 * each weight vector is dequantised in registers and meets the activation at once, 4 rows at a time so 4 fma chains
 * overlap. On 8 lanes Q8_0 takes 4 rows ({@link #q8_0Quad}), Q4_K 3 and Q5_0 2, with a block's (sub-block's) 4
 * vectors written out instead of an inner loop. Dequantising a chunk into a scratch first and running the register
 * tiles over it stored and reloaded every weight; this reads each once (docs/cpu-performance.md, "Session 12",
 * "Session 13" and "Session 16").
 *
 * <p>The arithmetic is {@link QuantMatrix}'s tiles' exactly: lane i of one accumulator a row takes k = i mod L
 * in order, w = the scalar dequantised value, fma(w, x, acc), then {@link Lanes#sum}; so a row gives the same bits
 * whichever path computes it (QuantMatrixTest, MatmulInvarianceTest).
 */
final class QuantDot {

    private static final VectorSpecies<Float> F = QuantMatrix.F;
    private static final int L = F.length();
    /** Bytes a QuantRows.BL load holds: L, or 8 where L = 4. */
    private static final int BLL = QuantRows.BL.length();
    /** 4 rows' accumulators, or (q4_KTri) 3 rows' Q4_K scales and mins, 16 floats a row. */
    static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[Math.max(4 * L, 48)]);

    private QuantDot() {
    }

    static boolean supports(DType type) {
        return type == DType.Q8_0 || type == DType.Q4_0 || type == DType.Q4_K || (L == 8 && type == DType.Q5_0);
    }

    /** y[j] = row j . x for j in [rowFrom, rowTo); cols a multiple of L. */
    static void decode(DType type, MemorySegment seg, long rowBytes, int cols, float[] x, float[] y, int rowFrom, int rowTo) {
        float[] t = SUMS.get();
        if (L == 8 && type == DType.Q8_0) {
            for (int j = rowFrom; j < rowTo; j += 4) q8_0Quad(seg, rowBytes, Math.min(4, rowTo - j), cols, x, y, j, t);
            return;
        }
        if (L == 8 && type == DType.Q4_K) {
            for (int j = rowFrom; j < rowTo; j += 3) q4_KTri(seg, rowBytes, Math.min(3, rowTo - j), cols, x, y, j, t);
            return;
        }
        if (L == 8 && type == DType.Q5_0) {
            for (int j = rowFrom; j < rowTo; j += 2) {
                int g = Math.min(2, rowTo - j);
                q5_0Pair(seg, j * rowBytes, (j + g - 1) * rowBytes, cols, x, y, j, g, t);
            }
            return;
        }
        for (int j = rowFrom; j < rowTo; j += 4) {
            int g = Math.min(4, rowTo - j);
            // rows past the range repeat the last one: computed, never written
            long b0 = j * rowBytes, b1 = (j + Math.min(1, g - 1)) * rowBytes, b2 = (j + Math.min(2, g - 1)) * rowBytes, b3 = (j + g - 1) * rowBytes;
            switch (type) {
                case Q8_0 -> q8_0(seg, b0, b1, b2, b3, cols, x, y, j, g, t);
                case Q4_0 -> q4_0(seg, b0, b1, b2, b3, cols, x, y, j, g, t);
                case Q4_K -> q4_K(seg, b0, b1, b2, b3, cols, x, y, j, g, t);
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
    }

    /**
     * The first g of the 4 rows' lane sums (the accumulators stored in t) into y[j ...]. The kernels store their
     * vectors themselves: passed to a method C2 does not inline, they would be boxed (megabytes a token).
     */
    static void put(float[] y, int j, int g, float[] t) {
        for (int r = 0; r < g; r++) y[j + r] = Lanes.sum(t, r * L, L);
    }

    private static void q8_0(MemorySegment s, long b0, long b1, long b2, long b3, int K, float[] x, float[] y, int j, int g, float[] t) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0, k0 = 0; k0 < K; blk++, k0 += 32) {
            long o = 34L * blk;
            float d0 = QuantRows.f16(s, b0 + o), d1 = QuantRows.f16(s, b1 + o), d2 = QuantRows.f16(s, b2 + o), d3 = QuantRows.f16(s, b3 + o);
            for (int k = 0; k < 32; k += L) {
                FloatVector v = FloatVector.fromArray(F, x, k0 + k);
                a0 = QuantRows.q8_0W(s, b0 + o, k, d0).fma(v, a0);
                a1 = QuantRows.q8_0W(s, b1 + o, k, d1).fma(v, a1);
                a2 = QuantRows.q8_0W(s, b2 + o, k, d2).fma(v, a2);
                a3 = QuantRows.q8_0W(s, b3 + o, k, d3).fma(v, a3);
            }
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        a2.intoArray(t, 2 * L);
        a3.intoArray(t, 3 * L);
        put(y, j, g, t);
    }

    /**
     * Q8_0 on 8 lanes, 4 rows with each block's 4 vectors written out, the block's offset (a long) as the loop
     * variable (C2 then checks the segment loads once per loop, not each 8-byte load: 1.05-1.14x). From memory
     * four rows' streams a thread keep more lines in flight than two: on one core of the AVX2 EPYC 1.06-1.20x
     * over two rows (the same in cache), batch-1 decode +17 % (session 16). Written out with no helper: 16 calls
     * of a helper returning a vector went past C2's inlining budget (session 13: 1.0 billion weights a second).
     * Rows past the range (g < 4) repeat the last one: computed, never written.
     */
    private static void q8_0Quad(MemorySegment s, long rowBytes, int g, int K, float[] x, float[] y, int j, float[] t) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long b0 = j * rowBytes, d1 = Math.min(1, g - 1) * rowBytes, d2 = Math.min(2, g - 1) * rowBytes, d3 = (g - 1) * rowBytes;
        long end = b0 + 34L * (K / 32);
        int k0 = 0;
        for (long o = b0; o < end; o += 34, k0 += 32) {
            FloatVector e0 = FloatVector.broadcast(F, QuantRows.f16(s, o)), e1 = FloatVector.broadcast(F, QuantRows.f16(s, o + d1));
            FloatVector e2 = FloatVector.broadcast(F, QuantRows.f16(s, o + d2)), e3 = FloatVector.broadcast(F, QuantRows.f16(s, o + d3));
            FloatVector v = FloatVector.fromArray(F, x, k0);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 2, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e0).fma(v, a0);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 2 + d1, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e1).fma(v, a1);
            a2 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 2 + d2, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e2).fma(v, a2);
            a3 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 2 + d3, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e3).fma(v, a3);
            v = FloatVector.fromArray(F, x, k0 + 8);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 10, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e0).fma(v, a0);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 10 + d1, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e1).fma(v, a1);
            a2 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 10 + d2, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e2).fma(v, a2);
            a3 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 10 + d3, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e3).fma(v, a3);
            v = FloatVector.fromArray(F, x, k0 + 16);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 18, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e0).fma(v, a0);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 18 + d1, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e1).fma(v, a1);
            a2 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 18 + d2, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e2).fma(v, a2);
            a3 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 18 + d3, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e3).fma(v, a3);
            v = FloatVector.fromArray(F, x, k0 + 24);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 26, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e0).fma(v, a0);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 26 + d1, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e1).fma(v, a1);
            a2 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 26 + d2, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e2).fma(v, a2);
            a3 = ((FloatVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o + 26 + d3, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)).mul(e3).fma(v, a3);
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        a2.intoArray(t, 2 * L);
        a3.intoArray(t, 3 * L);
        put(y, j, g, t);
    }

    /** Shift counts for q5_0Pair: lane l, plus 8, plus 16. */
    private static final IntVector S0 = QuantRows.IOTA_L, S8 = S0.add(8), S16 = S0.add(16);

    /**
     * Q5_0 on 8 lanes, 2 rows, like q8_0Quad (the block offset as the loop variable): without it one token went
     * through the dequantised tiles. Weights 0-15 of a block are the low nibbles of its 16 bytes with fifth bits 0-15
     * of qh at bit 4 (from qh << 4 shifted right by the weight's index), weights 16-31 the high nibbles kept in place
     * (16 times their value) with fifth bits 16-31 at bit 8 and the scale divided by 16: float(q - 16) * d exactly as
     * QuantRows.q5_0W (d / 16 is exact and (q - 16) * d needs 16 bits).
     */
    private static void q5_0Pair(MemorySegment s, long b0, long b1, int K, float[] x, float[] y, int j, int g, float[] t) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        long delta = b1 - b0, end = b0 + 22L * (K / 32);
        int k0 = 0;
        for (long o0 = b0; o0 < end; o0 += 22, k0 += 32) {
            long o1 = o0 + delta;
            float d0 = QuantRows.f16(s, o0), d1 = QuantRows.f16(s, o1), e0 = d0 * 0.0625f, e1 = d1 * 0.0625f;
            int h0 = s.get(QuantRows.U32, o0 + 2), h1 = s.get(QuantRows.U32, o1 + 2);
            IntVector A0 = IntVector.broadcast(QuantRows.IL, h0 << 4), A1 = IntVector.broadcast(QuantRows.IL, h1 << 4);
            IntVector B0 = IntVector.broadcast(QuantRows.IL, h0), B1 = IntVector.broadcast(QuantRows.IL, h1);
            FloatVector v = FloatVector.fromArray(F, x, k0);
            a0 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o0 + 6, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                    .and(0xF).or(A0.lanewise(VectorOperators.LSHR, S0).and(16)).sub(16).convertShape(VectorOperators.I2F, F, 0)).mul(d0).fma(v, a0);
            a1 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o1 + 6, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                    .and(0xF).or(A1.lanewise(VectorOperators.LSHR, S0).and(16)).sub(16).convertShape(VectorOperators.I2F, F, 0)).mul(d1).fma(v, a1);
            v = FloatVector.fromArray(F, x, k0 + 8);
            a0 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o0 + 14, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                    .and(0xF).or(A0.lanewise(VectorOperators.LSHR, S8).and(16)).sub(16).convertShape(VectorOperators.I2F, F, 0)).mul(d0).fma(v, a0);
            a1 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o1 + 14, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                    .and(0xF).or(A1.lanewise(VectorOperators.LSHR, S8).and(16)).sub(16).convertShape(VectorOperators.I2F, F, 0)).mul(d1).fma(v, a1);
            v = FloatVector.fromArray(F, x, k0 + 16);
            a0 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o0 + 6, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                    .and(0xF0).or(B0.lanewise(VectorOperators.LSHR, S8).and(256)).sub(256).convertShape(VectorOperators.I2F, F, 0)).mul(e0).fma(v, a0);
            a1 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o1 + 6, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                    .and(0xF0).or(B1.lanewise(VectorOperators.LSHR, S8).and(256)).sub(256).convertShape(VectorOperators.I2F, F, 0)).mul(e1).fma(v, a1);
            v = FloatVector.fromArray(F, x, k0 + 24);
            a0 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o0 + 14, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                    .and(0xF0).or(B0.lanewise(VectorOperators.LSHR, S16).and(256)).sub(256).convertShape(VectorOperators.I2F, F, 0)).mul(e0).fma(v, a0);
            a1 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, o1 + 14, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                    .and(0xF0).or(B1.lanewise(VectorOperators.LSHR, S16).and(256)).sub(256).convertShape(VectorOperators.I2F, F, 0)).mul(e1).fma(v, a1);
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        put(y, j, g, t);
    }

    private static void q4_0(MemorySegment s, long b0, long b1, long b2, long b3, int K, float[] x, float[] y, int j, int g, float[] t) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0, k0 = 0; k0 < K; blk++, k0 += 32) {
            long o = 18L * blk;
            float d0 = QuantRows.f16(s, b0 + o), d1 = QuantRows.f16(s, b1 + o), d2 = QuantRows.f16(s, b2 + o), d3 = QuantRows.f16(s, b3 + o);
            for (int k = 0; k < 32; k += L) {
                FloatVector v = FloatVector.fromArray(F, x, k0 + k);
                a0 = QuantRows.q4_0W(s, b0 + o, k, d0).fma(v, a0);
                a1 = QuantRows.q4_0W(s, b1 + o, k, d1).fma(v, a1);
                a2 = QuantRows.q4_0W(s, b2 + o, k, d2).fma(v, a2);
                a3 = QuantRows.q4_0W(s, b3 + o, k, d3).fma(v, a3);
            }
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        a2.intoArray(t, 2 * L);
        a3.intoArray(t, 3 * L);
        put(y, j, g, t);
    }

    // Q4_K widens with every Vector API call written here: through QuantRows' per-vector helpers (as q8_0 and
    // q4_0 do) it went past C2's inlining budget (NodeCountInliningCutoff), every weight vector was boxed (11 GB a
    // token, Q4_K_M decode 0.7 tokens/s). Same values as QuantRows.q4_KW.

    private static void q4_K(MemorySegment s, long b0, long b1, long b2, long b3, int K, float[] x, float[] y, int j, int g, float[] t) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0, k0 = 0; k0 < K; blk++, k0 += 256) {
            long o = 144L * blk;
            for (int is = 0; is < 8; is++) {
                float d0 = QuantRows.q4_KScale(s, b0 + o, is), d1 = QuantRows.q4_KScale(s, b1 + o, is);
                float d2 = QuantRows.q4_KScale(s, b2 + o, is), d3 = QuantRows.q4_KScale(s, b3 + o, is);
                float m0 = -QuantRows.q4_KMin(s, b0 + o, is), m1 = -QuantRows.q4_KMin(s, b1 + o, is);
                float m2 = -QuantRows.q4_KMin(s, b2 + o, is), m3 = -QuantRows.q4_KMin(s, b3 + o, is);
                long q = o + 16 + 32 * (is / 2);
                int shift = 4 * (is & 1);
                for (int k = 0; k < 32; k += L) {
                    FloatVector v = FloatVector.fromArray(F, x, k0 + 32 * is + k);
                    long c = q + k - k % BLL;
                    int part = k % BLL / L;
                    a0 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, b0 + c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, part))
                            .and(0xFF).lanewise(VectorOperators.LSHR, shift).and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(d0, m0).fma(v, a0);
                    a1 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, b1 + c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, part))
                            .and(0xFF).lanewise(VectorOperators.LSHR, shift).and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(d1, m1).fma(v, a1);
                    a2 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, b2 + c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, part))
                            .and(0xFF).lanewise(VectorOperators.LSHR, shift).and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(d2, m2).fma(v, a2);
                    a3 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, b3 + c, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, part))
                            .and(0xFF).lanewise(VectorOperators.LSHR, shift).and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(d3, m3).fma(v, a3);
                }
            }
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        a2.intoArray(t, 2 * L);
        a3.intoArray(t, 3 * L);
        put(y, j, g, t);
    }

    /**
     * Q4_K on 8 lanes, 3 rows, a sub-block's 4 vectors a row written out (with a per-vector helper, as q8_0Pair
     * had, the last calls went past C2's inlining budget: 0.56 against 2.2-2.9 billion weights a second on one
     * core). A high nibble stays in place (16 times its value; one mask instead of a shift and a mask) and its
     * scale is divided by 16: the same products, exactly; d * q - m is one fma, exactly (QuantRows.q4_KW). The
     * block's scales and mins go to t first (6-bit fields one at a time cost about as many instructions as the
     * sub-block's weights). 3 rows against 2: one core 1.03-1.11x (session 16); 4 rows spilled (0.91-1.11x; with
     * the fma still 0.92-0.94x in session 17). Rows past the range repeat the last one.
     */
    private static void q4_KTri(MemorySegment s, long rowBytes, int g, int K, float[] x, float[] y, int j, float[] t) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0;
        long b0 = j * rowBytes, e1 = Math.min(1, g - 1) * rowBytes, e2 = Math.min(2, g - 1) * rowBytes;
        long end = b0 + 144L * (K / 256);
        int k0 = 0;
        for (long o = b0; o < end; o += 144, k0 += 256) {
            QuantRows.q4_KScales8(s, o, t, 0);
            QuantRows.q4_KScales8(s, o + e1, t, 16);
            QuantRows.q4_KScales8(s, o + e2, t, 32);
            for (int is = 0, kx = k0; is < 8; is++, kx += 32) {
                float d0 = t[is], m0 = t[8 + is], d1 = t[16 + is], m1 = t[24 + is], d2 = t[32 + is], m2 = t[40 + is];
                long q = o + 16 + 32 * (is / 2);
                int mask = (is & 1) == 0 ? 0xF : 0xF0;
                FloatVector v = FloatVector.fromArray(F, x, kx);
                a0 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, q, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                        .and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(d0, m0).fma(v, a0);
                a1 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, q + e1, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                        .and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(d1, m1).fma(v, a1);
                a2 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, q + e2, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                        .and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(d2, m2).fma(v, a2);
                v = FloatVector.fromArray(F, x, kx + 8);
                a0 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, q + 8, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                        .and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(d0, m0).fma(v, a0);
                a1 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, q + 8 + e1, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                        .and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(d1, m1).fma(v, a1);
                a2 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, q + 8 + e2, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                        .and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(d2, m2).fma(v, a2);
                v = FloatVector.fromArray(F, x, kx + 16);
                a0 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, q + 16, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                        .and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(d0, m0).fma(v, a0);
                a1 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, q + 16 + e1, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                        .and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(d1, m1).fma(v, a1);
                a2 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, q + 16 + e2, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                        .and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(d2, m2).fma(v, a2);
                v = FloatVector.fromArray(F, x, kx + 24);
                a0 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, q + 24, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                        .and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(d0, m0).fma(v, a0);
                a1 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, q + 24 + e1, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                        .and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(d1, m1).fma(v, a1);
                a2 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(QuantRows.BL, s, q + 24 + e2, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, QuantRows.IL, 0))
                        .and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(d2, m2).fma(v, a2);
            }
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        a2.intoArray(t, 2 * L);
        put(y, j, g, t);
    }
}
