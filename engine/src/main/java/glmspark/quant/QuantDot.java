package glmspark.quant;

import glmspark.cpu.Lanes;
import glmspark.format.DType;
import jdk.incubator.vector.FloatVector;
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
        // Q5_0, Q4_K and Q6_K, written the same way, went past C2's inlining budget (NodeCountInliningCutoff: every
        // weight vector boxed, 0.7 tokens/s on the Q4_K_M file); they take the tiles with vector dequantisation
        return type == DType.Q8_0 || type == DType.Q4_0;
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

}
