package glmspark.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 register tiles over one k-chunk of 4 weight rows already widened into a float array (the bf16
 * kernel widens 4 rows x 1024 columns at a time into a per-thread scratch, then runs these over a token
 * block; the quantised kernel does the same with dequantised rows). Plain array loads keep the hot loops small and simple for C2.
 *
 * <p>Every output element is one vector accumulator over k in order (lane i takes k = i mod L), carried from
 * chunk to chunk through memory unchanged; the caller then does one lane reduction and the scalar tail: the
 * same arithmetic as the bf16 kernel's fused decode path, so a result never depends on the path it took.
 */
public final class WideTiles {

    static final VectorSpecies<Float> F = Lanes.F;
    /**
     * Row stride of the 4 weight rows the tiles read. A constant, so C2 addresses the 4 rows from one base
     * register: with the stride a parameter, 4 row bases, 2 activation rows and the counters did not fit the
     * registers (4x2 tile alone on one core of the AVX2 host: 41-45 against 52-59 GFLOP/s).
     */
    public static final int ROW_STRIDE = Tiling.K_CHUNK;

    private WideTiles() {
    }

    /**
     * {@code tokens} activation rows (the first at x[xo], row stride K) over part [0, n) of the k-chunk starting
     * at column k0, against 4 weight rows at w[wo ...] (row stride ROW_STRIDE): 4x6 tiles, then the rest (1..5 tokens)
     * in at most two narrower tiles (a 4x1 tile needs 5 loads per 4 FMAs, a 4x6 one 10 per 24). acc holds token
     * t's 4 rows at ao + t * 4 * L.
     */
    public static void block(float[] w, int wo, int n, float[] x, int xo, int K, int k0, int tokens, float[] acc, int ao, boolean first) {
        int L = F.length(), t = 0;
        if (L < 16) {
            // 16 vector registers (AVX2, NEON): 4x6 and 4x4 tiles (24 and 16 accumulators) spill; 4x2 keeps 8 + 4 + 1
            for (; t + 2 <= tokens; t += 2) chunk4x2(w, wo, n, x, xo + t * K + k0, K, acc, ao + t * 4 * L, first);
            if (t < tokens) chunk4x1(w, wo, n, x, xo + t * K + k0, acc, ao + t * 4 * L, first);
            return;
        }
        for (; t + 6 <= tokens; t += 6) chunk4x6(w, wo, n, x, xo + t * K + k0, K, acc, ao + t * 4 * L, first);
        int rest = tokens - t;
        if (rest >= 4) {
            chunk4x4(w, wo, n, x, xo + t * K + k0, K, acc, ao + t * 4 * L, first);
            t += 4;
            rest -= 4;
        } else if (rest == 3) {
            chunk4x3(w, wo, n, x, xo + t * K + k0, K, acc, ao + t * 4 * L, first);
            t += 3;
            rest = 0;
        }
        if (rest == 2) chunk4x2(w, wo, n, x, xo + t * K + k0, K, acc, ao + t * 4 * L, first);
        else if (rest == 1) chunk4x1(w, wo, n, x, xo + t * K + k0, acc, ao + t * 4 * L, first);
    }

    /**
     * Part [0, n) of a k-chunk (n a multiple of L): 4 rows of w (row stride ROW_STRIDE) times activation rows xo,
     * xo+K, xo+2K, xo+3K. The 16 accumulators live in acc[ao ...] between chunks (zero when {@code first}):
     * spilling a vector and reloading it keeps every lane's sum exactly as in one long loop.
     * acc layout: [token 0..3][row 0..3][L lanes].
     */
    static void chunk4x4(float[] w, int wo, int n, float[] x, int xo, int K, float[] acc, int ao, boolean first) {
        int L = F.length(), w0 = wo, w1 = wo + ROW_STRIDE, w2 = wo + 2 * ROW_STRIDE, w3 = wo + 3 * ROW_STRIDE;
        int x0 = xo, x1 = x0 + K, x2 = x1 + K, x3 = x2 + K;
        FloatVector a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
        if (first) {
            FloatVector z = FloatVector.zero(F);
            a00 = z; a01 = z; a02 = z; a03 = z; a10 = z; a11 = z; a12 = z; a13 = z;
            a20 = z; a21 = z; a22 = z; a23 = z; a30 = z; a31 = z; a32 = z; a33 = z;
        } else {
            a00 = FloatVector.fromArray(F, acc, ao); a10 = FloatVector.fromArray(F, acc, ao + L);
            a20 = FloatVector.fromArray(F, acc, ao + 2 * L); a30 = FloatVector.fromArray(F, acc, ao + 3 * L);
            a01 = FloatVector.fromArray(F, acc, ao + 4 * L); a11 = FloatVector.fromArray(F, acc, ao + 5 * L);
            a21 = FloatVector.fromArray(F, acc, ao + 6 * L); a31 = FloatVector.fromArray(F, acc, ao + 7 * L);
            a02 = FloatVector.fromArray(F, acc, ao + 8 * L); a12 = FloatVector.fromArray(F, acc, ao + 9 * L);
            a22 = FloatVector.fromArray(F, acc, ao + 10 * L); a32 = FloatVector.fromArray(F, acc, ao + 11 * L);
            a03 = FloatVector.fromArray(F, acc, ao + 12 * L); a13 = FloatVector.fromArray(F, acc, ao + 13 * L);
            a23 = FloatVector.fromArray(F, acc, ao + 14 * L); a33 = FloatVector.fromArray(F, acc, ao + 15 * L);
        }
        for (int k = 0; k < n; k += L) {
            FloatVector r0 = FloatVector.fromArray(F, w, w0 + k), r1 = FloatVector.fromArray(F, w, w1 + k);
            FloatVector r2 = FloatVector.fromArray(F, w, w2 + k), r3 = FloatVector.fromArray(F, w, w3 + k);
            FloatVector v = FloatVector.fromArray(F, x, x0 + k);
            a00 = r0.fma(v, a00); a10 = r1.fma(v, a10); a20 = r2.fma(v, a20); a30 = r3.fma(v, a30);
            v = FloatVector.fromArray(F, x, x1 + k);
            a01 = r0.fma(v, a01); a11 = r1.fma(v, a11); a21 = r2.fma(v, a21); a31 = r3.fma(v, a31);
            v = FloatVector.fromArray(F, x, x2 + k);
            a02 = r0.fma(v, a02); a12 = r1.fma(v, a12); a22 = r2.fma(v, a22); a32 = r3.fma(v, a32);
            v = FloatVector.fromArray(F, x, x3 + k);
            a03 = r0.fma(v, a03); a13 = r1.fma(v, a13); a23 = r2.fma(v, a23); a33 = r3.fma(v, a33);
        }
        a00.intoArray(acc, ao); a10.intoArray(acc, ao + L); a20.intoArray(acc, ao + 2 * L); a30.intoArray(acc, ao + 3 * L);
        a01.intoArray(acc, ao + 4 * L); a11.intoArray(acc, ao + 5 * L); a21.intoArray(acc, ao + 6 * L); a31.intoArray(acc, ao + 7 * L);
        a02.intoArray(acc, ao + 8 * L); a12.intoArray(acc, ao + 9 * L); a22.intoArray(acc, ao + 10 * L); a32.intoArray(acc, ao + 11 * L);
        a03.intoArray(acc, ao + 12 * L); a13.intoArray(acc, ao + 13 * L); a23.intoArray(acc, ao + 14 * L); a33.intoArray(acc, ao + 15 * L);
    }

    /** chunk4x4 with 6 activation rows (24 accumulators): acc layout [token 0..5][row 0..3][L lanes]. */
    static void chunk4x6(float[] w, int wo, int n, float[] x, int xo, int K, float[] acc, int ao, boolean first) {
        int L = F.length(), w0 = wo, w1 = wo + ROW_STRIDE, w2 = wo + 2 * ROW_STRIDE, w3 = wo + 3 * ROW_STRIDE;
        int x0 = xo, x1 = x0 + K, x2 = x1 + K, x3 = x2 + K, x4 = x3 + K, x5 = x4 + K;
        FloatVector a00, a10, a20, a30, a01, a11, a21, a31, a02, a12, a22, a32, a03, a13, a23, a33, a04, a14, a24, a34, a05, a15, a25, a35;
        if (first) {
            FloatVector z = FloatVector.zero(F);
            a00 = z; a10 = z; a20 = z; a30 = z; a01 = z; a11 = z; a21 = z; a31 = z; a02 = z; a12 = z; a22 = z; a32 = z; a03 = z; a13 = z; a23 = z; a33 = z; a04 = z; a14 = z; a24 = z; a34 = z; a05 = z; a15 = z; a25 = z; a35 = z;
        } else {
            a00 = FloatVector.fromArray(F, acc, ao + 0 * L);
            a10 = FloatVector.fromArray(F, acc, ao + 1 * L);
            a20 = FloatVector.fromArray(F, acc, ao + 2 * L);
            a30 = FloatVector.fromArray(F, acc, ao + 3 * L);
            a01 = FloatVector.fromArray(F, acc, ao + 4 * L);
            a11 = FloatVector.fromArray(F, acc, ao + 5 * L);
            a21 = FloatVector.fromArray(F, acc, ao + 6 * L);
            a31 = FloatVector.fromArray(F, acc, ao + 7 * L);
            a02 = FloatVector.fromArray(F, acc, ao + 8 * L);
            a12 = FloatVector.fromArray(F, acc, ao + 9 * L);
            a22 = FloatVector.fromArray(F, acc, ao + 10 * L);
            a32 = FloatVector.fromArray(F, acc, ao + 11 * L);
            a03 = FloatVector.fromArray(F, acc, ao + 12 * L);
            a13 = FloatVector.fromArray(F, acc, ao + 13 * L);
            a23 = FloatVector.fromArray(F, acc, ao + 14 * L);
            a33 = FloatVector.fromArray(F, acc, ao + 15 * L);
            a04 = FloatVector.fromArray(F, acc, ao + 16 * L);
            a14 = FloatVector.fromArray(F, acc, ao + 17 * L);
            a24 = FloatVector.fromArray(F, acc, ao + 18 * L);
            a34 = FloatVector.fromArray(F, acc, ao + 19 * L);
            a05 = FloatVector.fromArray(F, acc, ao + 20 * L);
            a15 = FloatVector.fromArray(F, acc, ao + 21 * L);
            a25 = FloatVector.fromArray(F, acc, ao + 22 * L);
            a35 = FloatVector.fromArray(F, acc, ao + 23 * L);
        }
        for (int k = 0; k < n; k += L) {
            FloatVector r0 = FloatVector.fromArray(F, w, w0 + k), r1 = FloatVector.fromArray(F, w, w1 + k);
            FloatVector r2 = FloatVector.fromArray(F, w, w2 + k), r3 = FloatVector.fromArray(F, w, w3 + k);
            FloatVector v;
            v = FloatVector.fromArray(F, x, x0 + k);
            a00 = r0.fma(v, a00); a10 = r1.fma(v, a10); a20 = r2.fma(v, a20); a30 = r3.fma(v, a30);
            v = FloatVector.fromArray(F, x, x1 + k);
            a01 = r0.fma(v, a01); a11 = r1.fma(v, a11); a21 = r2.fma(v, a21); a31 = r3.fma(v, a31);
            v = FloatVector.fromArray(F, x, x2 + k);
            a02 = r0.fma(v, a02); a12 = r1.fma(v, a12); a22 = r2.fma(v, a22); a32 = r3.fma(v, a32);
            v = FloatVector.fromArray(F, x, x3 + k);
            a03 = r0.fma(v, a03); a13 = r1.fma(v, a13); a23 = r2.fma(v, a23); a33 = r3.fma(v, a33);
            v = FloatVector.fromArray(F, x, x4 + k);
            a04 = r0.fma(v, a04); a14 = r1.fma(v, a14); a24 = r2.fma(v, a24); a34 = r3.fma(v, a34);
            v = FloatVector.fromArray(F, x, x5 + k);
            a05 = r0.fma(v, a05); a15 = r1.fma(v, a15); a25 = r2.fma(v, a25); a35 = r3.fma(v, a35);
        }
        a00.intoArray(acc, ao + 0 * L);
        a10.intoArray(acc, ao + 1 * L);
        a20.intoArray(acc, ao + 2 * L);
        a30.intoArray(acc, ao + 3 * L);
        a01.intoArray(acc, ao + 4 * L);
        a11.intoArray(acc, ao + 5 * L);
        a21.intoArray(acc, ao + 6 * L);
        a31.intoArray(acc, ao + 7 * L);
        a02.intoArray(acc, ao + 8 * L);
        a12.intoArray(acc, ao + 9 * L);
        a22.intoArray(acc, ao + 10 * L);
        a32.intoArray(acc, ao + 11 * L);
        a03.intoArray(acc, ao + 12 * L);
        a13.intoArray(acc, ao + 13 * L);
        a23.intoArray(acc, ao + 14 * L);
        a33.intoArray(acc, ao + 15 * L);
        a04.intoArray(acc, ao + 16 * L);
        a14.intoArray(acc, ao + 17 * L);
        a24.intoArray(acc, ao + 18 * L);
        a34.intoArray(acc, ao + 19 * L);
        a05.intoArray(acc, ao + 20 * L);
        a15.intoArray(acc, ao + 21 * L);
        a25.intoArray(acc, ao + 22 * L);
        a35.intoArray(acc, ao + 23 * L);
    }

    /** chunk4x4 with 3 activation rows (12 accumulators): acc layout [token 0..2][row 0..3][L lanes]. */
    static void chunk4x3(float[] w, int wo, int n, float[] x, int xo, int K, float[] acc, int ao, boolean first) {
        int L = F.length(), w0 = wo, w1 = wo + ROW_STRIDE, w2 = wo + 2 * ROW_STRIDE, w3 = wo + 3 * ROW_STRIDE;
        int x0 = xo, x1 = x0 + K, x2 = x1 + K;
        FloatVector a00, a10, a20, a30, a01, a11, a21, a31, a02, a12, a22, a32;
        if (first) {
            FloatVector z = FloatVector.zero(F);
            a00 = z; a10 = z; a20 = z; a30 = z; a01 = z; a11 = z; a21 = z; a31 = z; a02 = z; a12 = z; a22 = z; a32 = z;
        } else {
            a00 = FloatVector.fromArray(F, acc, ao + 0 * L);
            a10 = FloatVector.fromArray(F, acc, ao + 1 * L);
            a20 = FloatVector.fromArray(F, acc, ao + 2 * L);
            a30 = FloatVector.fromArray(F, acc, ao + 3 * L);
            a01 = FloatVector.fromArray(F, acc, ao + 4 * L);
            a11 = FloatVector.fromArray(F, acc, ao + 5 * L);
            a21 = FloatVector.fromArray(F, acc, ao + 6 * L);
            a31 = FloatVector.fromArray(F, acc, ao + 7 * L);
            a02 = FloatVector.fromArray(F, acc, ao + 8 * L);
            a12 = FloatVector.fromArray(F, acc, ao + 9 * L);
            a22 = FloatVector.fromArray(F, acc, ao + 10 * L);
            a32 = FloatVector.fromArray(F, acc, ao + 11 * L);
        }
        for (int k = 0; k < n; k += L) {
            FloatVector r0 = FloatVector.fromArray(F, w, w0 + k), r1 = FloatVector.fromArray(F, w, w1 + k);
            FloatVector r2 = FloatVector.fromArray(F, w, w2 + k), r3 = FloatVector.fromArray(F, w, w3 + k);
            FloatVector v;
            v = FloatVector.fromArray(F, x, x0 + k);
            a00 = r0.fma(v, a00); a10 = r1.fma(v, a10); a20 = r2.fma(v, a20); a30 = r3.fma(v, a30);
            v = FloatVector.fromArray(F, x, x1 + k);
            a01 = r0.fma(v, a01); a11 = r1.fma(v, a11); a21 = r2.fma(v, a21); a31 = r3.fma(v, a31);
            v = FloatVector.fromArray(F, x, x2 + k);
            a02 = r0.fma(v, a02); a12 = r1.fma(v, a12); a22 = r2.fma(v, a22); a32 = r3.fma(v, a32);
        }
        a00.intoArray(acc, ao + 0 * L);
        a10.intoArray(acc, ao + 1 * L);
        a20.intoArray(acc, ao + 2 * L);
        a30.intoArray(acc, ao + 3 * L);
        a01.intoArray(acc, ao + 4 * L);
        a11.intoArray(acc, ao + 5 * L);
        a21.intoArray(acc, ao + 6 * L);
        a31.intoArray(acc, ao + 7 * L);
        a02.intoArray(acc, ao + 8 * L);
        a12.intoArray(acc, ao + 9 * L);
        a22.intoArray(acc, ao + 10 * L);
        a32.intoArray(acc, ao + 11 * L);
    }

    /** chunk4x4 with 2 activation rows (8 accumulators): acc layout [token 0..1][row 0..3][L lanes]. */
    static void chunk4x2(float[] w, int wo, int n, float[] x, int xo, int K, float[] acc, int ao, boolean first) {
        int L = F.length(), w0 = wo, w1 = wo + ROW_STRIDE, w2 = wo + 2 * ROW_STRIDE, w3 = wo + 3 * ROW_STRIDE;
        int x0 = xo, x1 = x0 + K;
        FloatVector a00, a10, a20, a30, a01, a11, a21, a31;
        if (first) {
            FloatVector z = FloatVector.zero(F);
            a00 = z; a10 = z; a20 = z; a30 = z; a01 = z; a11 = z; a21 = z; a31 = z;
        } else {
            a00 = FloatVector.fromArray(F, acc, ao + 0 * L);
            a10 = FloatVector.fromArray(F, acc, ao + 1 * L);
            a20 = FloatVector.fromArray(F, acc, ao + 2 * L);
            a30 = FloatVector.fromArray(F, acc, ao + 3 * L);
            a01 = FloatVector.fromArray(F, acc, ao + 4 * L);
            a11 = FloatVector.fromArray(F, acc, ao + 5 * L);
            a21 = FloatVector.fromArray(F, acc, ao + 6 * L);
            a31 = FloatVector.fromArray(F, acc, ao + 7 * L);
        }
        int k = 0, n2 = n & -(2 * L);
        // two steps a trip: C2 unrolls a one-step loop 4 times and spills its hoisted loads to the stack (one core,
        // TileBenchmark.tile4x2: 47-53 against 60-67 GFLOP/s)
        for (; k < n2; k += 2 * L) {
            FloatVector r0 = FloatVector.fromArray(F, w, w0 + k), r1 = FloatVector.fromArray(F, w, w1 + k);
            FloatVector r2 = FloatVector.fromArray(F, w, w2 + k), r3 = FloatVector.fromArray(F, w, w3 + k);
            FloatVector v;
            v = FloatVector.fromArray(F, x, x0 + k);
            a00 = r0.fma(v, a00); a10 = r1.fma(v, a10); a20 = r2.fma(v, a20); a30 = r3.fma(v, a30);
            v = FloatVector.fromArray(F, x, x1 + k);
            a01 = r0.fma(v, a01); a11 = r1.fma(v, a11); a21 = r2.fma(v, a21); a31 = r3.fma(v, a31);
            r0 = FloatVector.fromArray(F, w, w0 + k + L); r1 = FloatVector.fromArray(F, w, w1 + k + L);
            r2 = FloatVector.fromArray(F, w, w2 + k + L); r3 = FloatVector.fromArray(F, w, w3 + k + L);
            v = FloatVector.fromArray(F, x, x0 + k + L);
            a00 = r0.fma(v, a00); a10 = r1.fma(v, a10); a20 = r2.fma(v, a20); a30 = r3.fma(v, a30);
            v = FloatVector.fromArray(F, x, x1 + k + L);
            a01 = r0.fma(v, a01); a11 = r1.fma(v, a11); a21 = r2.fma(v, a21); a31 = r3.fma(v, a31);
        }
        a00.intoArray(acc, ao + 0 * L);
        a10.intoArray(acc, ao + 1 * L);
        a20.intoArray(acc, ao + 2 * L);
        a30.intoArray(acc, ao + 3 * L);
        a01.intoArray(acc, ao + 4 * L);
        a11.intoArray(acc, ao + 5 * L);
        a21.intoArray(acc, ao + 6 * L);
        a31.intoArray(acc, ao + 7 * L);
        // an odd last vector (n / L odd: only bf16 rows whose length is not a multiple of 2L): each token's
        // accumulators go on from memory in the one-row tile, k still in order
        if (k < n) {
            chunk4x1(w, wo + k, n - k, x, x0 + k, acc, ao, false);
            chunk4x1(w, wo + k, n - k, x, x1 + k, acc, ao + 4 * L, false);
        }
    }

    /** chunk4x4 for one activation row: acc layout [row 0..3][L lanes]. */
    static void chunk4x1(float[] w, int wo, int n, float[] x, int xo, float[] acc, int ao, boolean first) {
        int L = F.length(), w0 = wo, w1 = wo + ROW_STRIDE, w2 = wo + 2 * ROW_STRIDE, w3 = wo + 3 * ROW_STRIDE;
        FloatVector a0, a1, a2, a3;
        if (first) {
            a0 = FloatVector.zero(F); a1 = a0; a2 = a0; a3 = a0;
        } else {
            a0 = FloatVector.fromArray(F, acc, ao); a1 = FloatVector.fromArray(F, acc, ao + L);
            a2 = FloatVector.fromArray(F, acc, ao + 2 * L); a3 = FloatVector.fromArray(F, acc, ao + 3 * L);
        }
        for (int k = 0; k < n; k += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + k);
            a0 = FloatVector.fromArray(F, w, w0 + k).fma(v, a0);
            a1 = FloatVector.fromArray(F, w, w1 + k).fma(v, a1);
            a2 = FloatVector.fromArray(F, w, w2 + k).fma(v, a2);
            a3 = FloatVector.fromArray(F, w, w3 + k).fma(v, a3);
        }
        a0.intoArray(acc, ao); a1.intoArray(acc, ao + L); a2.intoArray(acc, ao + 2 * L); a3.intoArray(acc, ao + 3 * L);
    }
}
