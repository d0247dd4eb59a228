package glmspark.quant;

import glmspark.format.DType;
import glmspark.tensor.MappedMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A weight matrix in a ggml block-quantised layout (Q8_0, Q4_0, Q5_0, Q4_K, Q5_K, Q6_K), memory-mapped.
 *
 * <p>Fused dequantise-and-dot: four weight rows at a time are copied out of the mapping and dequantised into a
 * small float buffer (L1-resident, never the whole matrix), then each of the T activation rows is dotted with them
 * using one vector accumulator per output element (fma over k in order, one lane reduction, scalar tail). The
 * dequantised values do not depend on T or the row split, and neither does the dot's order, so every output
 * element is computed the same way whatever the batch: exactly what {@code F32Matrix} computes on the dequantised
 * weights.
 */
public final class QuantMatrix extends MappedMatrix {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int GROUP = 4;

    private final DType type;
    private final int rowBytes;

    public QuantMatrix(DType type, MemorySegment data, int rows, int cols) {
        long rb = type.rowBytes(cols);
        if (!type.quantized()) throw new IllegalArgumentException(type + " is not a block type");
        if (rb < 0) throw new IllegalArgumentException("row length " + cols + " is not a multiple of the " + type + " block size " + type.blockSize);
        super(data, rows, cols, rb, type.toString());
        this.type = type;
        this.rowBytes = (int) rb;
    }

    public DType type() {
        return type;
    }

    @Override
    public void row(int r, float[] dst, int off) {
        byte[] raw = new byte[rowBytes];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, (long) r * rowBytes, raw, 0, rowBytes);
        Quants.dequantize(type, raw, 0, dst, off, cols);
    }

    @Override
    public void matmul(float[] x, int T, float[] y, int yStride, int rowFrom, int rowTo) {
        int K = cols;
        byte[] raw = new byte[GROUP * rowBytes];
        float[] w = new float[GROUP * K];
        for (int j = rowFrom; j < rowTo; j += GROUP) {
            int g = Math.min(GROUP, rowTo - j);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, (long) j * rowBytes, raw, 0, g * rowBytes);
            for (int r = 0; r < g; r++) Quants.dequantize(type, raw, r * rowBytes, w, r * K, K);
            if (g == GROUP) {
                for (int t = 0; t < T; t++) dot4(w, x, t * K, y, t * yStride + j);
            } else {
                for (int t = 0; t < T; t++)
                    for (int r = 0; r < g; r++) y[t * yStride + j + r] = dot(w, r * K, x, t * K);
            }
        }
    }

    private float dot(float[] w, int wo, float[] x, int xo) {
        int bound = F.loopBound(cols);
        FloatVector a = FloatVector.zero(F);
        for (int k = 0; k < bound; k += F.length())
            a = FloatVector.fromArray(F, w, wo + k).fma(FloatVector.fromArray(F, x, xo + k), a);
        float s = glmspark.cpu.Lanes.sum(a);
        for (int k = bound; k < cols; k++) s += w[wo + k] * x[xo + k];
        return s;
    }

    private void dot4(float[] w, float[] x, int xo, float[] y, int yo) {
        int K = cols, bound = F.loopBound(K);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < bound; k += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + k);
            a0 = FloatVector.fromArray(F, w, k).fma(v, a0);
            a1 = FloatVector.fromArray(F, w, K + k).fma(v, a1);
            a2 = FloatVector.fromArray(F, w, 2 * K + k).fma(v, a2);
            a3 = FloatVector.fromArray(F, w, 3 * K + k).fma(v, a3);
        }
        float s0 = glmspark.cpu.Lanes.sum(a0), s1 = glmspark.cpu.Lanes.sum(a1);
        float s2 = glmspark.cpu.Lanes.sum(a2), s3 = glmspark.cpu.Lanes.sum(a3);
        for (int k = bound; k < K; k++) {
            s0 += w[k] * x[xo + k];
            s1 += w[K + k] * x[xo + k];
            s2 += w[2 * K + k] * x[xo + k];
            s3 += w[3 * K + k] * x[xo + k];
        }
        y[yo] = s0;
        y[yo + 1] = s1;
        y[yo + 2] = s2;
        y[yo + 3] = s3;
    }
}
