package glmspark.cpu;

import jdk.incubator.vector.FloatVector;

/**
 * Lane sums with one fixed order. {@code reduceLanes(ADD)} is not bit-reproducible across JIT tiers: its
 * Java fallback (interpreter, C1) adds lanes in sequence while C2's intrinsic adds them as a tree, so the
 * same dot product gave different bits before and after compilation (MatmulInvarianceTest caught it).
 * Scalar float adds in lane order give the same bits at every tier.
 */
public final class Lanes {

    private static final ThreadLocal<float[]> TMP =
            ThreadLocal.withInitial(() -> new float[FloatVector.SPECIES_PREFERRED.length()]);

    private Lanes() {
    }

    /** ((v[0] + v[1]) + v[2]) + ... in float arithmetic. */
    public static float sum(FloatVector v) {
        float[] t = TMP.get();
        v.intoArray(t, 0);
        return sum(t, 0, t.length);
    }

    /** ((a[o] + a[o+1]) + ...) over n floats. */
    public static float sum(float[] a, int o, int n) {
        float s = a[o];
        for (int i = 1; i < n; i++) s += a[o + i];
        return s;
    }
}
