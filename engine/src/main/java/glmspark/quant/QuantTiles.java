package glmspark.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register tiles over one k-chunk of 4 dequantised weight rows (a float scratch, row stride KC) and activation
 * rows. Each output's vector accumulator is carried between chunks in {@code acc} (zero when {@code first}):
 * storing a vector and loading it back leaves every lane's running sum exactly as in one long loop.
 */
final class QuantTiles {

    private static final VectorSpecies<Float> F = QuantMatrix.F;

    private QuantTiles() {
    }

    /** 4 rows x activation rows xo, xo+K, xo+2K, xo+3K over k in [0, n); acc layout [token 0..3][row 0..3][L]. */
    static void chunk4x4(float[] w, int KC, int n, float[] x, int xo, int K, float[] acc, int ao, boolean first) {
        int L = F.length(), w1 = KC, w2 = 2 * KC, w3 = 3 * KC;
        int x0 = xo, x1 = x0 + K, x2 = x1 + K, x3 = x2 + K;
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = first ? z : FloatVector.fromArray(F, acc, ao), a10 = first ? z : FloatVector.fromArray(F, acc, ao + L);
        FloatVector a20 = first ? z : FloatVector.fromArray(F, acc, ao + 2 * L), a30 = first ? z : FloatVector.fromArray(F, acc, ao + 3 * L);
        FloatVector a01 = first ? z : FloatVector.fromArray(F, acc, ao + 4 * L), a11 = first ? z : FloatVector.fromArray(F, acc, ao + 5 * L);
        FloatVector a21 = first ? z : FloatVector.fromArray(F, acc, ao + 6 * L), a31 = first ? z : FloatVector.fromArray(F, acc, ao + 7 * L);
        FloatVector a02 = first ? z : FloatVector.fromArray(F, acc, ao + 8 * L), a12 = first ? z : FloatVector.fromArray(F, acc, ao + 9 * L);
        FloatVector a22 = first ? z : FloatVector.fromArray(F, acc, ao + 10 * L), a32 = first ? z : FloatVector.fromArray(F, acc, ao + 11 * L);
        FloatVector a03 = first ? z : FloatVector.fromArray(F, acc, ao + 12 * L), a13 = first ? z : FloatVector.fromArray(F, acc, ao + 13 * L);
        FloatVector a23 = first ? z : FloatVector.fromArray(F, acc, ao + 14 * L), a33 = first ? z : FloatVector.fromArray(F, acc, ao + 15 * L);
        for (int k = 0; k < n; k += L) {
            FloatVector r0 = FloatVector.fromArray(F, w, k), r1 = FloatVector.fromArray(F, w, w1 + k);
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

    /** 4 rows x one activation row; acc layout [row 0..3][L]. */
    static void chunk4x1(float[] w, int KC, int n, float[] x, int xo, float[] acc, int ao, boolean first) {
        int L = F.length(), w1 = KC, w2 = 2 * KC, w3 = 3 * KC;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = first ? z : FloatVector.fromArray(F, acc, ao), a1 = first ? z : FloatVector.fromArray(F, acc, ao + L);
        FloatVector a2 = first ? z : FloatVector.fromArray(F, acc, ao + 2 * L), a3 = first ? z : FloatVector.fromArray(F, acc, ao + 3 * L);
        for (int k = 0; k < n; k += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + k);
            a0 = FloatVector.fromArray(F, w, k).fma(v, a0);
            a1 = FloatVector.fromArray(F, w, w1 + k).fma(v, a1);
            a2 = FloatVector.fromArray(F, w, w2 + k).fma(v, a2);
            a3 = FloatVector.fromArray(F, w, w3 + k).fma(v, a3);
        }
        a0.intoArray(acc, ao); a1.intoArray(acc, ao + L); a2.intoArray(acc, ao + 2 * L); a3.intoArray(acc, ao + 3 * L);
    }
}
