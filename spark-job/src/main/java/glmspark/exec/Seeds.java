package glmspark.exec;

import java.nio.charset.StandardCharsets;

/**
 * Deterministic seeds, stable across JVMs, partitionings, retries and Java versions (no String.hashCode,
 * no Random).
 *
 * <pre>
 *   rowSeed(run, dataset, id)        = mix64(run + GOLDEN * fnv1a64(utf8(dataset) 0x00 utf8(id)))
 *   sampleSeed(run, dataset, id, i)  = mix64(rowSeed(run, dataset, id) + GOLDEN * (i + 1))
 * </pre>
 * fnv1a64 is 64-bit FNV-1a (offset 0xcbf29ce484222325, prime 0x100000001b3), mix64 is SplitMix64's
 * finalizer, GOLDEN = 0x9e3779b97f4a7c15.
 *
 * <p>What the job uses: one engine request per prompt with {@code seed = rowSeed(pass seed, dataset, id)} and
 * {@code n} samples; the engine derives sample i's random stream from (seed, i) itself, so the n samples share
 * the prompt's prefill and sample i is the same whatever the batch or partition. {@link #sampleSeed} is what
 * the results' {@code seed} column records for each sample, so a row names its own stream uniquely.
 */
public final class Seeds {

    static final long GOLDEN = 0x9e3779b97f4a7c15L;

    private Seeds() {
    }

    public static long rowSeed(long runSeed, String dataset, String id) {
        long h = 0xcbf29ce484222325L;
        h = fnv(h, dataset.getBytes(StandardCharsets.UTF_8));
        h = (h ^ 0) * 0x100000001b3L;
        h = fnv(h, id.getBytes(StandardCharsets.UTF_8));
        return mix64(runSeed + GOLDEN * h);
    }

    public static long sampleSeed(long runSeed, String dataset, String id, int sampleIndex) {
        return fromRow(rowSeed(runSeed, dataset, id), sampleIndex);
    }

    /** Sample i's seed given the row seed. */
    public static long fromRow(long rowSeed, int sampleIndex) {
        return mix64(rowSeed + GOLDEN * (sampleIndex + 1L));
    }

    private static long fnv(long h, byte[] bytes) {
        for (byte b : bytes) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** SplitMix64's output function. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
