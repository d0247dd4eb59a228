package glmspark.quant;

import glmspark.cpu.Lanes;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * A Q8_0 matrix repacked once at load for the AVX-512 kernels: the int8 quants of each row contiguous
 * ({@code rows x cols} bytes, 64-byte aligned) and the block scales widened to float32 ({@code rows x cols / 32}).
 *
 * <p>Why: in ggml's layout every 32 weights carry a 2-byte half-float scale, so the 4-row decode kernel read
 * 34-byte blocks with a scalar half-float load and conversion per row and block, and its C2 compilation was
 * fragile: after other Vector API segment loads had run in the same JVM (./glm bench's bandwidth probe) one of
 * its conversions stayed boxed, and decode ran 2x slower. On the packed form one thread's decode product runs
 * ~1.45x faster than the clean ggml-layout kernel and compiles the same way either way (JMH
 * {@code Q8LayoutBenchmark}). Values are unchanged: weight = (float) q * d, as {@link Quants#dequantize}.
 * Memory: 36 bytes per 32 weights instead of 34, in anonymous memory instead of the file's pages.
 */
final class PackedQ8_0 {

    private static final VectorSpecies<Float> F = QuantMatrix.F;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final ValueLayout.OfFloat SCALE = ValueLayout.JAVA_FLOAT_UNALIGNED;

    final MemorySegment quants;
    final MemorySegment scales;
    private final int cols;

    private PackedQ8_0(MemorySegment quants, MemorySegment scales, int cols) {
        this.quants = quants;
        this.scales = scales;
        this.cols = cols;
    }

    /** Repacks {@code rows} Q8_0 rows of {@code cols} weights (rows in parallel). */
    static PackedQ8_0 pack(MemorySegment src, int rows, int cols) {
        int blocks = cols / 32;
        Arena arena = Arena.ofAuto();
        MemorySegment q = arena.allocate((long) rows * cols, 64);
        MemorySegment s = arena.allocate((long) rows * blocks * 4, 64);
        IntStream.range(0, (rows + 255) / 256).parallel().forEach(part -> {
            for (int j = part * 256; j < Math.min(rows, part * 256 + 256); j++) {
                long in = (long) j * blocks * 34, out = (long) j * cols;
                for (int b = 0; b < blocks; b++, in += 34, out += 32) {
                    s.set(SCALE, ((long) j * blocks + b) * 4, Float.float16ToFloat(src.get(QuantRows.F16, in)));
                    MemorySegment.copy(src, in + 2, q, out, 32);
                }
            }
        });
        return new PackedQ8_0(q, s, cols);
    }

    long bytes() {
        return quants.byteSize() + scales.byteSize();
    }

    private static FloatVector floats(MemorySegment q, long o) {
        return (FloatVector) ByteVector.fromMemorySegment(B, q, o, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0);
    }

    /** Weights [k0, k0 + n) of row {@code r} (whole blocks) into {@code w[wo ...]}. */
    void dequantize(int r, int k0, int n, float[] w, int wo) {
        long q = (long) r * cols + k0, s = q / 8;
        // an int induction variable: C2 leaves loops counted in longs unoptimised
        for (int i = 0; i < n; i += 32) {
            float d = scales.get(SCALE, s + i / 8);
            floats(quants, q + i).mul(d).intoArray(w, wo + i);
            floats(quants, q + i + 16).mul(d).intoArray(w, wo + i + 16);
        }
    }

    /**
     * y[j + r] = row (j + r) . x for rows j .. j + 3: each weight vector is dequantised in registers exactly as
     * {@link #dequantize} writes it, then fma'd into its row's accumulator (lane i: k = i mod 16), so the result
     * has the same bits as the tile path's.
     */
    void dot4(int j, float[] x, float[] y) {
        int K = cols;
        long q0 = (long) j * K, q1 = q0 + K, q2 = q1 + K, q3 = q2 + K;
        long s0 = q0 / 8, s1 = q1 / 8, s2 = q2 / 8, s3 = q3 / 8;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        // int induction variables keep this a counted loop whose segment bounds checks C2 hoists
        for (int k = 0, s = 0; k < K; k += 32, s += 4) {
            FloatVector x0 = FloatVector.fromArray(F, x, k), x1 = FloatVector.fromArray(F, x, k + 16);
            float d0 = scales.get(SCALE, s0 + s), d1 = scales.get(SCALE, s1 + s);
            float d2 = scales.get(SCALE, s2 + s), d3 = scales.get(SCALE, s3 + s);
            a0 = floats(quants, q0 + k).mul(d0).fma(x0, a0);
            a0 = floats(quants, q0 + k + 16).mul(d0).fma(x1, a0);
            a1 = floats(quants, q1 + k).mul(d1).fma(x0, a1);
            a1 = floats(quants, q1 + k + 16).mul(d1).fma(x1, a1);
            a2 = floats(quants, q2 + k).mul(d2).fma(x0, a2);
            a2 = floats(quants, q2 + k + 16).mul(d2).fma(x1, a2);
            a3 = floats(quants, q3 + k).mul(d3).fma(x0, a3);
            a3 = floats(quants, q3 + k + 16).mul(d3).fma(x1, a3);
        }
        y[j] = Lanes.sum(a0);
        y[j + 1] = Lanes.sum(a1);
        y[j + 2] = Lanes.sum(a2);
        y[j + 3] = Lanes.sum(a3);
    }
}
