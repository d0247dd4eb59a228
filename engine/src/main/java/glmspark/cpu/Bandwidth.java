package glmspark.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Measures this machine's memory read bandwidth the way decoding reads weights: a STREAM-style sum over an
 * off-heap buffer much larger than the caches, split across the same threads the kernels use.
 */
public final class Bandwidth {

    private static final VectorSpecies<Float> F = Lanes.F;

    private Bandwidth() {
    }

    /** Best of {@code repeats} passes over {@code bytes}, in GB/s (1e9 bytes per second). */
    public static double readGBps(Parallel parallel, long bytes, int repeats) {
        try (Arena arena = Arena.ofShared()) {
            long floats = bytes / 4 / F.length() * F.length();
            MemorySegment seg = arena.allocate(floats * 4, 64);
            for (long i = 0; i < floats; i += 1024) seg.set(ValueLayout.JAVA_FLOAT, i * 4, (float) (i % 7));
            int chunks = 4096;
            long perChunk = floats / chunks / F.length() * F.length();
            double[] sink = new double[parallel.threads()];
            double best = 0;
            // warm-up on a cache-sized slice until C2 has compiled the loop (interpreted vector code is ~1000x slower)
            for (int r = -200; r < repeats; r++) {
                long pc = r < 0 ? Math.min(perChunk, F.length() * 4L) : perChunk;
                long t0 = System.nanoTime();
                parallel.run(chunks, (from, to) -> {
                    FloatVector acc = FloatVector.zero(F), acc2 = acc;
                    for (int c = from; c < to; c++) {
                        long base = c * perChunk * 4;
                        for (long i = 0; i < pc; i += 2L * F.length()) {
                            acc = acc.add(FloatVector.fromMemorySegment(F, seg, base + i * 4, ByteOrder.nativeOrder()));
                            acc2 = acc2.add(FloatVector.fromMemorySegment(F, seg, base + (i + F.length()) * 4, ByteOrder.nativeOrder()));
                        }
                    }
                    sink[from * sink.length / chunks] += acc.add(acc2).reduceLanes(VectorOperators.ADD);
                });
                double s = (System.nanoTime() - t0) / 1e9;
                if (r < 0) continue;
                best = Math.max(best, perChunk * chunks * 4 / s / 1e9);
            }
            if (Double.isNaN(sink[0])) System.out.print("");
            return best;
        }
    }
}
