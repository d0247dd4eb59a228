package glmspark.sampling;

/**
 * Counter-based randomness: the uniform draw for step t of sample i of a request with seed s is a pure
 * function of (s, i, t), so results do not depend on batching, scheduling, threads or call order.
 *
 * <p>Generator: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11; the
 * generator of Random123, cuRAND and PyTorch's CUDA RNG). Key = the 64-bit seed; counter = (step, sampleIndex,
 * 0, 0). It passes BigCrush for any key/counter pattern, which a hash of consecutive counters needs. The first
 * two output words give a 53-bit double in [0, 1).
 */
public final class RandomStream {

    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

    private RandomStream() {
    }

    /** Uniform double in [0, 1) for (seed, sampleIndex, step). */
    public static double uniform(long seed, int sampleIndex, int step) {
        long words01 = philox4x32(step, sampleIndex, 0, 0, (int) seed, (int) (seed >>> 32), null);
        long hi27 = (words01 >>> 32) >>> 5;
        long lo26 = (words01 & 0xFFFFFFFFL) >>> 6;
        return ((hi27 << 26) | lo26) * 0x1.0p-53;
    }

    /**
     * Philox4x32 with 10 rounds: counter (c0..c3), key (k0, k1). Returns output words 0 and 1 as
     * (word0 << 32 | word1); all four words go to out when it is not null.
     */
    static long philox4x32(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int round = 0; round < 10; round++) {
            if (round > 0) {
                k0 += W0;
                k1 += W1;
            }
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32), lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
            int n0 = hi1 ^ c1 ^ k0;
            int n2 = hi0 ^ c3 ^ k1;
            c0 = n0;
            c1 = lo1;
            c2 = n2;
            c3 = lo0;
        }
        if (out != null) {
            out[0] = c0;
            out[1] = c1;
            out[2] = c2;
            out[3] = c3;
        }
        return ((long) c0 << 32) | (c1 & 0xFFFFFFFFL);
    }
}
