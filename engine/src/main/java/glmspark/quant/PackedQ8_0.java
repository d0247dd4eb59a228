package glmspark.quant;

import glmspark.cpu.Lanes;
import glmspark.tensor.NativeMemory;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * A Q8_0 matrix repacked once at load for the AVX-512 kernels: rows in groups of 4, and per group and block of
 * 32 columns one 144-byte record: the 4 rows' scales widened to float32 (16 bytes), then their int8 quants
 * (4 x 32 bytes). The last group is padded with zero rows.
 *
 * <p>Why: in ggml's layout every 32 weights carry a 2-byte half-float scale, so the 4-row decode kernel read
 * 34-byte blocks from 4 rows with a scalar half-float load and conversion per row and block, and its C2
 * compilation was fragile: after other Vector API segment loads had run in the same JVM (./glm bench's bandwidth
 * probe) one of its conversions stayed boxed, and decode ran 2x slower. Here a 4-row decode product reads one
 * sequential stream with float scales; it runs faster than the clean ggml-layout kernel and compiles the same way
 * either way (docs/cpu-performance.md). Values are unchanged: weight = (float) q * d, as {@link Quants#dequantize}.
 * Memory: 36 bytes per 32 weights instead of 34, in anonymous memory instead of the file's pages.
 */
final class PackedQ8_0 {

    private static final VectorSpecies<Float> F = QuantMatrix.F;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final ValueLayout.OfFloat SCALE = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Bytes of one group's record for one block: 4 float scales, 4 x 32 quants. */
    private static final int RECORD = 16 + 4 * 32;

    private final MemorySegment packed;
    private final int cols;
    private final int blocks;

    private PackedQ8_0(MemorySegment packed, int cols) {
        this.packed = packed;
        this.cols = cols;
        this.blocks = cols / 32;
    }

    /** Repacks {@code rows} Q8_0 rows of {@code cols} weights (groups of rows in parallel). */
    static PackedQ8_0 pack(MemorySegment src, int rows, int cols) {
        int blocks = cols / 32, groups = (rows + 3) / 4;
        MemorySegment p = NativeMemory.allocateLarge((long) groups * blocks * RECORD); // zeroed: padding rows are 0
        IntStream.range(0, (groups + 63) / 64).parallel().forEach(part -> {
            for (int j = part * 256; j < Math.min(rows, part * 256 + 256); j++) {
                long in = (long) j * blocks * 34, out = (long) (j / 4) * blocks * RECORD;
                int lane = j % 4;
                // an int induction variable: C2 leaves loops counted in longs unoptimised
                for (int b = 0; b < blocks; b++) {
                    long i = in + 34L * b, o = out + (long) RECORD * b;
                    p.set(SCALE, o + 4 * lane, Float.float16ToFloat(src.get(QuantRows.F16, i)));
                    ByteVector.fromMemorySegment(B32, src, i + 2, ByteOrder.LITTLE_ENDIAN)
                            .intoMemorySegment(p, o + 16 + 32 * lane, ByteOrder.LITTLE_ENDIAN);
                }
            }
        });
        return new PackedQ8_0(p, cols);
    }

    long bytes() {
        return packed.byteSize();
    }

    private static FloatVector floats(MemorySegment q, long o) {
        return (FloatVector) ByteVector.fromMemorySegment(B, q, o, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0);
    }

    /** Weights [k0, k0 + n) of row {@code r} (whole blocks) into {@code w[wo ...]}. */
    void dequantize(int r, int k0, int n, float[] w, int wo) {
        long rec = ((long) (r / 4) * blocks + k0 / 32) * RECORD;
        int lane = r % 4;
        // an int induction variable: C2 leaves loops counted in longs unoptimised
        for (int i = 0, o = 0; i < n; i += 32, o += RECORD) {
            float d = packed.get(SCALE, rec + o + 4 * lane);
            long q = rec + o + 16 + 32 * lane;
            floats(packed, q).mul(d).intoArray(w, wo + i);
            floats(packed, q + 16).mul(d).intoArray(w, wo + i + 16);
        }
    }

    /** Weights [k0, k0 + n) of the 4 rows of the group starting at row {@code j} into {@code w[r * stride ...]}. */
    void dequantize4(int j, int k0, int n, float[] w, int stride) {
        long rec = ((long) (j / 4) * blocks + k0 / 32) * RECORD;
        for (int i = 0, o = 0; i < n; i += 32, o += RECORD) {
            long p = rec + o;
            for (int r = 0; r < 4; r++) {
                float d = packed.get(SCALE, p + 4 * r);
                floats(packed, p + 16 + 32 * r).mul(d).intoArray(w, r * stride + i);
                floats(packed, p + 32 + 32 * r).mul(d).intoArray(w, r * stride + i + 16);
            }
        }
    }

    /**
     * y[j + r] = row (j + r) . x for the 4 rows of the group starting at row {@code j} (a multiple of 4, all 4
     * rows real): each weight vector is dequantised in registers exactly as {@link #dequantize} writes it, then
     * fma'd into its row's accumulator (lane i: k = i mod 16), so the result has the tile path's bits.
     */
    void dot4(int j, float[] x, float[] y) {
        long base = (long) (j / 4) * blocks * RECORD;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0, o = 0; k < cols; k += 32, o += RECORD) {
            FloatVector x0 = FloatVector.fromArray(F, x, k), x1 = FloatVector.fromArray(F, x, k + 16);
            long p = base + o;
            float d0 = packed.get(SCALE, p), d1 = packed.get(SCALE, p + 4);
            float d2 = packed.get(SCALE, p + 8), d3 = packed.get(SCALE, p + 12);
            a0 = floats(packed, p + 16).mul(d0).fma(x0, a0);
            a0 = floats(packed, p + 32).mul(d0).fma(x1, a0);
            a1 = floats(packed, p + 48).mul(d1).fma(x0, a1);
            a1 = floats(packed, p + 64).mul(d1).fma(x1, a1);
            a2 = floats(packed, p + 80).mul(d2).fma(x0, a2);
            a2 = floats(packed, p + 96).mul(d2).fma(x1, a2);
            a3 = floats(packed, p + 112).mul(d3).fma(x0, a3);
            a3 = floats(packed, p + 128).mul(d3).fma(x1, a3);
        }
        y[j] = Lanes.sum(a0);
        y[j + 1] = Lanes.sum(a1);
        y[j + 2] = Lanes.sum(a2);
        y[j + 3] = Lanes.sum(a3);
    }
}
