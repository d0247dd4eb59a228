package glmspark.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector width the kernels use, and lane sums with one fixed order. {@code reduceLanes(ADD)} is not
 * bit-reproducible across JIT tiers: its Java fallback (interpreter, C1) adds lanes in sequence while C2's
 * intrinsic adds them as a tree, so the same dot product gave different bits before and after compilation
 * (MatmulInvarianceTest caught it). Scalar float adds in lane order give the same bits at every tier.
 */
public final class Lanes {

    /**
     * The float vectors every kernel uses: the machine's widest ({@code SPECIES_PREFERRED}, which
     * {@code -XX:MaxVectorSize} can narrow), or the width in bits the system property {@code glm.vector.bits}
     * names (128, 256 or 512). Wider than the machine, the Vector API runs its Java fallback: slow, the same
     * bits, so an AVX2 host tests the AVX-512 kernels (engine/pom.xml). Kept in a static final field, which C2
     * treats as a constant (a species passed as a parameter made the kernels ~25x slower).
     */
    public static final VectorSpecies<Float> F = floats();
    /** Int vectors of F's shape. */
    public static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    private static final ThreadLocal<float[]> TMP = ThreadLocal.withInitial(() -> new float[F.length()]);

    private static VectorSpecies<Float> floats() {
        String bits = System.getProperty("glm.vector.bits");
        if (bits == null || bits.isBlank()) return FloatVector.SPECIES_PREFERRED;
        return switch (bits.strip()) {
            case "128" -> FloatVector.SPECIES_128;
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException("glm.vector.bits must be 128, 256 or 512, not " + bits);
        };
    }

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
