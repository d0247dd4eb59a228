package glmspark.quant;

import glmspark.cpu.Lanes;
import glmspark.format.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * One token (decode) times ggml rows straight from the mapping, where nothing is repacked (no AVX-512: 8 or 4
 * float lanes): each weight vector is dequantised in registers ({@link QuantRows}' per-vector functions) and
 * meets the activation at once, 4 rows at a time so 4 fma chains overlap. Dequantising a chunk into a scratch
 * first and running the register tiles over it stored and reloaded every weight; this reads each once (Q8_0
 * batch-1 decode on a 2-core AVX2 host 3.7 -> 4.8-5.4 tokens/s; docs/cpu-performance.md, "Session 12").
 *
 * <p>The arithmetic is {@link QuantMatrix}'s tiles' exactly: lane i of one accumulator a row takes k = i mod L
 * in order, w = the scalar dequantised value, fma(w, x, acc), then {@link Lanes#sum}; so a row gives the same bits
 * whichever path computes it (QuantMatrixTest, MatmulInvarianceTest).
 */
final class QuantDot {

    private static final VectorSpecies<Float> F = QuantMatrix.F;
    private static final int L = F.length();
    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[4 * L]);

    private QuantDot() {
    }

    static boolean supports(DType type) {
        return type == DType.Q8_0 || type == DType.Q4_0 || type == DType.Q5_0 || type == DType.Q4_K || type == DType.Q6_K;
    }

    /** y[j] = row j . x for j in [rowFrom, rowTo); cols a multiple of L. */
    static void decode(DType type, MemorySegment seg, long rowBytes, int cols, float[] x, float[] y, int rowFrom, int rowTo) {
        float[] t = SUMS.get();
        for (int j = rowFrom; j < rowTo; j += 4) {
            int g = Math.min(4, rowTo - j);
            // rows past the range repeat the last one: computed, never written
            long b0 = j * rowBytes, b1 = (j + Math.min(1, g - 1)) * rowBytes, b2 = (j + Math.min(2, g - 1)) * rowBytes, b3 = (j + g - 1) * rowBytes;
            switch (type) {
                case Q8_0 -> q8_0(seg, b0, b1, b2, b3, cols, x, y, j, g, t);
                case Q4_0 -> q4_0(seg, b0, b1, b2, b3, cols, x, y, j, g, t);
                case Q5_0 -> q5_0(seg, b0, b1, b2, b3, cols, x, y, j, g, t);
                case Q4_K -> q4_K(seg, b0, b1, b2, b3, cols, x, y, j, g, t);
                case Q6_K -> q6_K(seg, b0, b1, b2, b3, cols, x, y, j, g, t);
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
    }

    /**
     * The first g of the 4 rows' lane sums (the accumulators stored in t) into y[j ...]. The kernels store their
     * vectors themselves: passed to a method C2 does not inline, they would be boxed (megabytes a token).
     */
    private static void put(float[] y, int j, int g, float[] t) {
        for (int r = 0; r < g; r++) y[j + r] = Lanes.sum(t, r * L, L);
    }

    private static void q8_0(MemorySegment s, long b0, long b1, long b2, long b3, int K, float[] x, float[] y, int j, int g, float[] t) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0, k0 = 0; k0 < K; blk++, k0 += 32) {
            long o = (long) 34 * blk;
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

    private static void q4_0(MemorySegment s, long b0, long b1, long b2, long b3, int K, float[] x, float[] y, int j, int g, float[] t) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0, k0 = 0; k0 < K; blk++, k0 += 32) {
            long o = (long) 18 * blk;
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

    private static void q5_0(MemorySegment s, long b0, long b1, long b2, long b3, int K, float[] x, float[] y, int j, int g, float[] t) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0, k0 = 0; k0 < K; blk++, k0 += 32) {
            long o = (long) 22 * blk;
            float d0 = QuantRows.f16(s, b0 + o), d1 = QuantRows.f16(s, b1 + o), d2 = QuantRows.f16(s, b2 + o), d3 = QuantRows.f16(s, b3 + o);
            IntVector h0 = QuantRows.q5_0High(s, b0 + o), h1 = QuantRows.q5_0High(s, b1 + o);
            IntVector h2 = QuantRows.q5_0High(s, b2 + o), h3 = QuantRows.q5_0High(s, b3 + o);
            for (int k = 0; k < 32; k += L) {
                FloatVector v = FloatVector.fromArray(F, x, k0 + k);
                a0 = QuantRows.q5_0W(s, b0 + o, k, h0, d0).fma(v, a0);
                a1 = QuantRows.q5_0W(s, b1 + o, k, h1, d1).fma(v, a1);
                a2 = QuantRows.q5_0W(s, b2 + o, k, h2, d2).fma(v, a2);
                a3 = QuantRows.q5_0W(s, b3 + o, k, h3, d3).fma(v, a3);
            }
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        a2.intoArray(t, 2 * L);
        a3.intoArray(t, 3 * L);
        put(y, j, g, t);
    }

    private static void q4_K(MemorySegment s, long b0, long b1, long b2, long b3, int K, float[] x, float[] y, int j, int g, float[] t) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0, k0 = 0; k0 < K; blk++, k0 += 256) {
            long o = (long) 144 * blk;
            for (int is = 0; is < 8; is++) {
                float d0 = QuantRows.q4_KScale(s, b0 + o, is), d1 = QuantRows.q4_KScale(s, b1 + o, is);
                float d2 = QuantRows.q4_KScale(s, b2 + o, is), d3 = QuantRows.q4_KScale(s, b3 + o, is);
                float m0 = QuantRows.q4_KMin(s, b0 + o, is), m1 = QuantRows.q4_KMin(s, b1 + o, is);
                float m2 = QuantRows.q4_KMin(s, b2 + o, is), m3 = QuantRows.q4_KMin(s, b3 + o, is);
                long q = o + 16 + 32 * (is / 2);
                boolean high = (is & 1) != 0;
                for (int k = 0; k < 32; k += L) {
                    FloatVector v = FloatVector.fromArray(F, x, k0 + 32 * is + k);
                    a0 = QuantRows.q4_KW(s, b0 + q, k, high, d0, m0).fma(v, a0);
                    a1 = QuantRows.q4_KW(s, b1 + q, k, high, d1, m1).fma(v, a1);
                    a2 = QuantRows.q4_KW(s, b2 + q, k, high, d2, m2).fma(v, a2);
                    a3 = QuantRows.q4_KW(s, b3 + q, k, high, d3, m3).fma(v, a3);
                }
            }
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        a2.intoArray(t, 2 * L);
        a3.intoArray(t, 3 * L);
        put(y, j, g, t);
    }

    private static void q6_K(MemorySegment s, long b0, long b1, long b2, long b3, int K, float[] x, float[] y, int j, int g, float[] t) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0, k0 = 0; k0 < K; blk++, k0 += 256) {
            long o = (long) 210 * blk;
            for (int half = 0; half < 2; half++)
                for (int p = 0; p < 4; p++) {
                    long ql = o + 64 * half, qh = o + 128 + 32 * half;
                    for (int k = 0; k < 32; k += L) {
                        FloatVector v = FloatVector.fromArray(F, x, k0 + 128 * half + 32 * p + k);
                        a0 = QuantRows.q6_KW(s, b0 + ql, b0 + qh, k, p, QuantRows.q6_KScale(s, b0 + o, half, p, k)).fma(v, a0);
                        a1 = QuantRows.q6_KW(s, b1 + ql, b1 + qh, k, p, QuantRows.q6_KScale(s, b1 + o, half, p, k)).fma(v, a1);
                        a2 = QuantRows.q6_KW(s, b2 + ql, b2 + qh, k, p, QuantRows.q6_KScale(s, b2 + o, half, p, k)).fma(v, a2);
                        a3 = QuantRows.q6_KW(s, b3 + ql, b3 + qh, k, p, QuantRows.q6_KScale(s, b3 + o, half, p, k)).fma(v, a3);
                    }
                }
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        a2.intoArray(t, 2 * L);
        a3.intoArray(t, 3 * L);
        put(y, j, g, t);
    }
}
