package glmspark.cpu;

import glmspark.tensor.WeightMatrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Each kernel computes an output element with the same arithmetic whatever the number of activation rows
 * (register tiles, token blocks, k-chunks), the row range it is called with, and a double-precision sum
 * agrees with it. Shapes cross every boundary: K spans several k-chunks plus a scalar tail, rows are not a
 * multiple of the 4-row tile, T exceeds a token block.
 */
class MatmulInvarianceTest {

    private static final int ROWS = 23;

    /** bf16-packed: K even and prepared for the CPU, so PackedBF16 runs (on AVX-512); rows 23: one partial 64-row block. */
    @ParameterizedTest
    @ValueSource(strings = {"bf16", "f32", "bf16-packed"})
    void everyBatchSizeAndRowSplitGivesTheSameBits(String dtype) {
        int K = dtype.equals("bf16-packed") ? 2 * 1024 + 64 : 2 * 1024 + 48 + 5;
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom r = new SplittableRandom(11);
            WeightMatrix w = matrix(dtype, K, arena, r);
            float[] wf = new float[ROWS * K];
            for (int j = 0; j < ROWS; j++) w.row(j, wf, j * K);
            w.prepareForCpu(); // the reference above read the stored layout
            float[] again = new float[ROWS * K];
            for (int j = 0; j < ROWS; j++) w.row(j, again, j * K);
            assertArrayEquals(wf, again, dtype + ": rows read back after preparing");
            int T = 70; // more than one token block at K = 2101 (512 KiB / 8404 B = 62 tokens)
            float[] x = new float[T * K];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();

            float[] single = new float[T * ROWS];
            for (int t = 0; t < T; t++) {
                float[] xt = new float[K];
                System.arraycopy(x, t * K, xt, 0, K);
                float[] yt = new float[ROWS];
                w.matmul(xt, 1, yt, ROWS, 0, ROWS);
                System.arraycopy(yt, 0, single, t * ROWS, ROWS);
            }
            for (int j = 0; j < ROWS; j++)
                for (int t = 0; t < T; t++) {
                    double ref = 0;
                    for (int k = 0; k < K; k++) ref += (double) wf[j * K + k] * x[t * K + k];
                    assertEquals(ref, single[t * ROWS + j], 1e-3 * Math.sqrt(K), dtype + " row " + j + " token " + t);
                }
            for (int n : new int[]{2, 3, 4, 5, 8, 17, 70}) {
                float[] y = new float[n * ROWS];
                // uneven row ranges, as a thread split would give (6 cuts a group of 4)
                w.matmul(x, n, y, ROWS, 0, 6);
                w.matmul(x, n, y, ROWS, 6, 8);
                w.matmul(x, n, y, ROWS, 8, ROWS);
                for (int t = 0; t < n; t++)
                    for (int j = 0; j < ROWS; j++)
                        assertEquals(Float.floatToIntBits(single[t * ROWS + j]), Float.floatToIntBits(y[t * ROWS + j]),
                                dtype + " T=" + n + " row " + j + " token " + t);
            }
        }
    }

    private static WeightMatrix matrix(String dtype, int K, Arena arena, SplittableRandom r) {
        long n = (long) ROWS * K;
        return switch (dtype) {
            case "bf16", "bf16-packed" -> {
                MemorySegment s = arena.allocate(2 * n);
                for (long i = 0; i < n; i++)
                    s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i, (short) (Float.floatToIntBits((float) r.nextGaussian()) >>> 16));
                yield new BF16Matrix(s, ROWS, K);
            }
            default -> {
                MemorySegment s = arena.allocate(4 * n);
                for (long i = 0; i < n; i++) s.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4 * i, (float) r.nextGaussian());
                yield new F32Matrix(s, ROWS, K);
            }
        };
    }
}
