package glmspark.cpu;

import glmspark.format.DType;
import glmspark.quant.QuantMatrix;
import glmspark.quant.QuantMatrixTest;
import glmspark.quant.Quants;
import glmspark.tensor.WeightMatrix;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The 64-row forms (PackedBF16, PackedQ8, PackedQ6K, PackedQ4, PackedWithMins on AVX-512): whole blocks written straight into y and blocks a row
 * range cuts (computed into a scratch, then copied) give the same bits, for every token count that mixes the
 * 12-token, 4-token and zero-padded panels, and agree with a double-precision sum over the weights as read back.
 */
class RowPanelsTest {

    private static final int ROWS = 150; // two whole 64-row blocks and a partial one

    /** The run with -Dglm.vector.bits=512 (engine/pom.xml) reaches these forms on a machine without AVX-512. */
    @Test
    void kernelsRunAtTheWidthAskedFor() {
        String bits = System.getProperty("glm.vector.bits");
        assertEquals(bits == null ? FloatVector.SPECIES_PREFERRED.vectorBitSize() : Integer.parseInt(bits), Lanes.F.vectorBitSize());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bf16", "Q8_0", "Q5_0", "Q6_K", "Q4_K", "Q4_0", "Q5_K"})
    void wholeAndCutBlocksAndEveryPanelMixGiveTheSameBits(String dtype) {
        int K = dtype.endsWith("_K") ? 512 : 320; // whole 256-column super-blocks
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom r = new SplittableRandom(5);
            WeightMatrix w = matrix(dtype, K, arena, r);
            w.prepareForCpu();
            float[] wf = new float[ROWS * K];
            for (int j = 0; j < ROWS; j++) w.row(j, wf, j * K);
            int maxT = 30;
            float[] x = new float[maxT * K];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();

            // one token at a time over all rows: the reference bits
            float[] single = new float[maxT * ROWS];
            for (int t = 0; t < maxT; t++) {
                float[] yt = new float[ROWS];
                w.matmul(java.util.Arrays.copyOfRange(x, t * K, (t + 1) * K), 1, yt, ROWS, 0, ROWS);
                System.arraycopy(yt, 0, single, t * ROWS, ROWS);
                for (int j = 0; j < ROWS; j++) {
                    double ref = 0, mag = 0;
                    for (int k = 0; k < K; k++) {
                        ref += (double) wf[j * K + k] * x[t * K + k];
                        mag += Math.abs((double) wf[j * K + k] * x[t * K + k]);
                    }
                    assertEquals(ref, yt[j], 1e-5 * mag, dtype + " row " + j + " token " + t);
                }
            }
            int[][] splits = {{0, ROWS}, {0, 64, 128, ROWS}, {0, 70, 100, ROWS}, {0, 1, 63, 65, ROWS}};
            for (int T : new int[]{1, 2, 3, 4, 5, 11, 12, 13, 16, 17, 24, 29, 30})
                for (int[] cut : splits) {
                    float[] y = new float[T * ROWS];
                    for (int i = 0; i + 1 < cut.length; i++) w.matmul(x, T, y, ROWS, cut[i], cut[i + 1]);
                    for (int t = 0; t < T; t++)
                        for (int j = 0; j < ROWS; j++)
                            assertEquals(Float.floatToIntBits(single[t * ROWS + j]), Float.floatToIntBits(y[t * ROWS + j]),
                                    dtype + " T=" + T + " cuts " + java.util.Arrays.toString(cut) + " row " + j + " token " + t);
                }
        }
    }

    private static WeightMatrix matrix(String dtype, int K, Arena arena, SplittableRandom r) {
        if (dtype.equals("bf16")) {
            MemorySegment s = arena.allocate(2L * ROWS * K);
            for (long i = 0; i < (long) ROWS * K; i++)
                s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i, (short) (Float.floatToIntBits((float) r.nextGaussian()) >>> 16));
            return new BF16Matrix(s, ROWS, K);
        }
        DType type = DType.valueOf(dtype);
        int rb = (int) type.rowBytes(K);
        MemorySegment s = arena.allocate((long) ROWS * rb);
        float[] row = new float[K];
        byte[] q = new byte[rb];
        for (int j = 0; j < ROWS; j++) {
            if (type == DType.Q4_0 || type == DType.Q5_K) {
                // no quantiser here for these: random quants under sane f16 scales
                q = QuantMatrixTest.randomBlocks(type, 1, K, r.nextLong());
            } else {
                for (int k = 0; k < K; k++) row[k] = (float) r.nextGaussian();
                Quants.quantize(type, row, 0, K, q, 0);
            }
            MemorySegment.copy(q, 0, s, ValueLayout.JAVA_BYTE, (long) j * rb, rb);
        }
        return new QuantMatrix(type, s, ROWS, K);
    }
}
