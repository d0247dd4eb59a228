package glmspark.cpu;

import glmspark.tensor.MappedMatrix;
import jdk.incubator.vector.FloatVector;

import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A float32 weight matrix, memory-mapped.
 *
 * <p>Register tiling: 4 weight rows x 4 activation rows share each vector load; every output element keeps
 * one vector accumulator over k (then one lane reduction and a scalar tail), the same in every tile shape,
 * so results do not depend on batch size or thread split.
 */
public final class F32Matrix extends MappedMatrix {

    private static final VectorSpecies<Float> F = Lanes.F;

    private static final ValueLayout.OfFloat ELEM = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int BYTES = 4;

    public F32Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, (long) cols * BYTES, "F32");
    }

    private static FloatVector load(MemorySegment seg, long byteOffset) {
        return FloatVector.fromMemorySegment(F, seg, byteOffset, ByteOrder.LITTLE_ENDIAN);
    }

    private static float scalar(MemorySegment seg, long byteOffset) {
        return seg.get(ELEM, byteOffset);
    }

    @Override
    public void row(int r, float[] dst, int off) {
        long base = (long) r * cols * BYTES;
        for (int k = 0; k < cols; k++) dst[off + k] = scalar(data, base + (long) k * BYTES);
    }

    @Override
    public void matmul(float[] x, int T, float[] y, int yStride, int rowFrom, int rowTo) {
        // Token blocks whose activations stay in L2 while the range's weight rows stream past them once;
        // 4 weight rows stay in L1 while the block's 4-token tiles pass.
        int tb = Tiling.tokenBlock(cols, T);
        for (int t0 = 0; t0 < T; t0 += tb) {
            int t1 = Math.min(T, t0 + tb);
            int j = rowFrom;
            for (; j + 4 <= rowTo; j += 4) {
                int t = t0;
                for (; t + 4 <= t1; t += 4) tile4x4(x, t, y, yStride, j);
                for (; t < t1; t++) tile4x1(x, t, y, yStride, j);
            }
            for (; j < rowTo; j++)
                for (int t = t0; t < t1; t++) y[t * yStride + j] = dot(j, x, t * cols);
        }
    }

    private float tail(int j, float[] x, int xOff, int from, float sum) {
        long base = (long) j * cols * BYTES;
        for (int k = from; k < cols; k++) sum += scalar(data, base + (long) k * BYTES) * x[xOff + k];
        return sum;
    }

    private float dot(int j, float[] x, int xOff) {
        int bound = F.loopBound(cols);
        long b = (long) j * cols * BYTES;
        FloatVector a = FloatVector.zero(F);
        for (int k = 0; k < bound; k += F.length())
            a = load(data, b + (long) k * BYTES).fma(FloatVector.fromArray(F, x, xOff + k), a);
        return tail(j, x, xOff, bound, Lanes.sum(a));
    }

    private void tile4x1(float[] x, int t, float[] y, int ys, int j) {
        int K = cols, bound = F.loopBound(K), xo = t * K;
        long rb = (long) K * BYTES, b0 = j * rb, b1 = b0 + rb, b2 = b1 + rb, b3 = b2 + rb;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < bound; k += F.length()) {
            long o = (long) k * BYTES;
            FloatVector v = FloatVector.fromArray(F, x, xo + k);
            a0 = load(data, b0 + o).fma(v, a0);
            a1 = load(data, b1 + o).fma(v, a1);
            a2 = load(data, b2 + o).fma(v, a2);
            a3 = load(data, b3 + o).fma(v, a3);
        }
        int yo = t * ys + j;
        y[yo] = tail(j, x, xo, bound, Lanes.sum(a0));
        y[yo + 1] = tail(j + 1, x, xo, bound, Lanes.sum(a1));
        y[yo + 2] = tail(j + 2, x, xo, bound, Lanes.sum(a2));
        y[yo + 3] = tail(j + 3, x, xo, bound, Lanes.sum(a3));
    }

    private void tile4x4(float[] x, int t, float[] y, int ys, int j) {
        int K = cols, bound = F.loopBound(K);
        int x0 = t * K, x1 = x0 + K, x2 = x1 + K, x3 = x2 + K;
        long rb = (long) K * BYTES, b0 = j * rb, b1 = b0 + rb, b2 = b1 + rb, b3 = b2 + rb;
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        for (int k = 0; k < bound; k += F.length()) {
            long o = (long) k * BYTES;
            FloatVector w0 = load(data, b0 + o), w1 = load(data, b1 + o), w2 = load(data, b2 + o), w3 = load(data, b3 + o);
            FloatVector v = FloatVector.fromArray(F, x, x0 + k);
            a00 = w0.fma(v, a00); a10 = w1.fma(v, a10); a20 = w2.fma(v, a20); a30 = w3.fma(v, a30);
            v = FloatVector.fromArray(F, x, x1 + k);
            a01 = w0.fma(v, a01); a11 = w1.fma(v, a11); a21 = w2.fma(v, a21); a31 = w3.fma(v, a31);
            v = FloatVector.fromArray(F, x, x2 + k);
            a02 = w0.fma(v, a02); a12 = w1.fma(v, a12); a22 = w2.fma(v, a22); a32 = w3.fma(v, a32);
            v = FloatVector.fromArray(F, x, x3 + k);
            a03 = w0.fma(v, a03); a13 = w1.fma(v, a13); a23 = w2.fma(v, a23); a33 = w3.fma(v, a33);
        }
        store(y, t * ys + j, ys, x, x0, bound, j, a00, a10, a20, a30);
        store(y, (t + 1) * ys + j, ys, x, x1, bound, j, a01, a11, a21, a31);
        store(y, (t + 2) * ys + j, ys, x, x2, bound, j, a02, a12, a22, a32);
        store(y, (t + 3) * ys + j, ys, x, x3, bound, j, a03, a13, a23, a33);
    }

    private void store(float[] y, int yo, int ys, float[] x, int xo, int bound, int j,
                       FloatVector r0, FloatVector r1, FloatVector r2, FloatVector r3) {
        y[yo] = tail(j, x, xo, bound, Lanes.sum(r0));
        y[yo + 1] = tail(j + 1, x, xo, bound, Lanes.sum(r1));
        y[yo + 2] = tail(j + 2, x, xo, bound, Lanes.sum(r2));
        y[yo + 3] = tail(j + 3, x, xo, bound, Lanes.sum(r3));
    }
}
