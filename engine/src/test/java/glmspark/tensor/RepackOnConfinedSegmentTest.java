package glmspark.tensor;

import glmspark.cpu.BF16Matrix;
import glmspark.format.DType;
import glmspark.quant.QuantMatrix;
import glmspark.quant.Quants;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Repacking for the CPU runs in parallel, but a segment of a confined arena may only be read by its owner thread:
 * matrices of more than one parallel part (64 rows for BF16) in a confined arena used to throw
 * WrongThreadException. They now repack on the caller's thread and give the unprepared matrix's products up
 * to rounding (the repacked kernels sum in another order).
 */
class RepackOnConfinedSegmentTest {

    private static final int ROWS = 600, COLS = 256;

    @Test
    void bf16MatrixOfManyRowsRepacksInAConfinedArena() {
        Random r = new Random(1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate((long) ROWS * COLS * 2);
            for (long i = 0; i < (long) ROWS * COLS; i++) seg.set(ValueLayout.JAVA_SHORT, 2 * i, (short) (Float.floatToIntBits((float) r.nextGaussian()) >>> 16));
            float[] x = activations(r);
            float[] a = products(new BF16Matrix(seg, ROWS, COLS), x, true);
            float[] b = products(new BF16Matrix(seg, ROWS, COLS), x, false);
            // the packed form sums each row in k order in one lane, the mapped one in 16 lanes: equal up to rounding
            for (int j = 0; j < ROWS; j++) assertEquals(b[j], a[j], 1e-5 * (1 + Math.abs(b[j])), "row " + j);
        }
    }

    @Test
    void quantMatrixOfManyRowsRepacksInAConfinedArena() {
        Random r = new Random(2);
        int rb = (int) DType.Q8_0.rowBytes(COLS);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate((long) ROWS * rb);
            float[] row = new float[COLS];
            byte[] q = new byte[rb];
            for (int j = 0; j < ROWS; j++) {
                for (int k = 0; k < COLS; k++) row[k] = (float) r.nextGaussian();
                Quants.quantize(DType.Q8_0, row, 0, COLS, q, 0);
                MemorySegment.copy(q, 0, seg, ValueLayout.JAVA_BYTE, (long) j * rb, rb);
            }
            float[] x = activations(r);
            float[] a = products(new QuantMatrix(DType.Q8_0, seg, ROWS, COLS), x, true);
            float[] b = products(new QuantMatrix(DType.Q8_0, seg, ROWS, COLS), x, false);
            // the repacked kernel factors the scales out: equal up to rounding
            for (int j = 0; j < ROWS; j++) assertEquals(b[j], a[j], 1e-4 * (1 + Math.abs(b[j])), "row " + j);
        }
    }

    private static float[] activations(Random r) {
        float[] x = new float[COLS];
        for (int k = 0; k < COLS; k++) x[k] = (float) r.nextGaussian();
        return x;
    }

    private static float[] products(WeightMatrix m, float[] x, boolean prepared) {
        if (prepared) m.prepareForCpu();
        float[] y = new float[ROWS];
        m.matmul(x, 1, y, ROWS, 0, ROWS);
        return y;
    }
}
