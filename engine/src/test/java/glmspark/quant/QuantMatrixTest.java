package glmspark.quant;

import glmspark.cpu.F32Matrix;
import glmspark.format.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fused kernels against a scalar dequantise-then-dot reference, and batch / split invariance. */
public class QuantMatrixTest {

    /**
     * Random blocks: random bytes with the f16 scales replaced by small sane values; Q8_0, Q5_0 and Q4_0 scales of
     * either sign (ggml's Q4_0 and Q5_0 make negative ones) and every seventh one an f16 subnormal.
     */
    public static byte[] randomBlocks(DType type, int rows, int cols, long seed) {
        Random r = new Random(seed);
        int blocks = rows * cols / type.blockSize;
        byte[] b = new byte[blocks * type.blockBytes];
        r.nextBytes(b);
        for (int i = 0; i < blocks; i++) {
            int o = i * type.blockBytes;
            switch (type) {
                case Q6_K -> Quants.putF16(b, o + 208, 0.001f + r.nextFloat() * 0.01f);
                case Q4_K, Q5_K -> {
                    Quants.putF16(b, o, 0.001f + r.nextFloat() * 0.01f);
                    Quants.putF16(b, o + 2, r.nextFloat() * 0.01f);
                }
                default -> Quants.putF16(b, o, (r.nextBoolean() ? -1 : 1) * (i % 7 == 3 ? r.nextFloat() * 6e-5f : 0.001f + r.nextFloat() * 0.05f));
            }
        }
        return b;
    }

    @ParameterizedTest(name = "{0} x {1}, prepared for the CPU: {2}")
    @org.junit.jupiter.params.provider.CsvSource({"Q8_0,512,false", "Q8_0,512,true", "Q4_0,512,false", "Q4_0,512,true",
            "Q5_0,512,false", "Q5_0,512,true", "Q4_K,512,false", "Q4_K,512,true", "Q5_K,512,false", "Q5_K,512,true",
            "Q6_K,512,false", "Q6_K,512,true",
            // longer than one 1024-column chunk, the last chunk partial; prepared: the last column group padded
            "Q8_0,1312,false", "Q8_0,1312,true", "Q5_0,1312,false", "Q5_0,1312,true", "Q4_K,1280,false",
            "Q4_K,1280,true", "Q5_K,1280,true", "Q6_K,1280,false", "Q6_K,1280,true"})
    void kernelMatchesScalarReferenceAndIsBatchInvariant(DType type, int cols, boolean prepared) {
        int rows = 11, T = 17; // 12- and 4-token tiles, a padded last one, single tokens; row groups the last one padded
        byte[] raw = randomBlocks(type, rows, cols, type.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(raw.length);
            MemorySegment.copy(raw, 0, seg, ValueLayout.JAVA_BYTE, 0, raw.length);
            QuantMatrix m = new QuantMatrix(type, seg, rows, cols);
            if (prepared) m.prepareForCpu(); // on AVX-512: the repacked copy and its kernels
            float[] w = new float[rows * cols];
            Quants.dequantize(type, raw, 0, w, 0, rows * cols);
            Random r = new Random(42);
            float[] x = new float[T * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();

            float[] y = new float[T * rows];
            m.matmul(x, T, y, rows, 0, rows);
            for (int t = 0; t < T; t++)
                for (int j = 0; j < rows; j++) {
                    double ref = 0, mag = 0;
                    for (int k = 0; k < cols; k++) {
                        ref += (double) w[j * cols + k] * x[t * cols + k];
                        mag += Math.abs((double) w[j * cols + k] * x[t * cols + k]);
                    }
                    assertTrue(Math.abs(y[t * rows + j] - ref) <= 1e-5 * mag + 1e-30, type + " y[" + t + "][" + j + "] = " + y[t * rows + j] + " vs " + ref);
                }
            // one activation row at a time and odd row splits give the same bits
            for (int t = 0; t < T; t++) {
                float[] y1 = new float[rows];
                m.matmul(java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, y1, rows, 0, 3);
                m.matmul(java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, y1, rows, 3, rows);
                for (int j = 0; j < rows; j++) assertEquals(Float.floatToIntBits(y[t * rows + j]), Float.floatToIntBits(y1[j]), type + " batch/split invariance");
            }
            // unprepared: the same arithmetic as F32Matrix on the dequantised weights (the repacked kernels
            // factor the scales out, so they differ from it by rounding, bounded above)
            MemorySegment f = arena.allocate(4L * w.length);
            for (int i = 0; i < w.length; i++) f.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, w[i]);
            float[] yf = new float[T * rows];
            new F32Matrix(f, rows, cols).matmul(x, T, yf, rows, 0, rows);
            if (!prepared)
                for (int i = 0; i < yf.length; i++) assertEquals(yf[i], y[i], Math.abs(yf[i]) * 1e-6f, type + " vs F32Matrix");
            float[] row = new float[cols];
            m.row(5, row, 0);
            assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOfRange(w, 5 * cols, 6 * cols)), java.util.Arrays.toString(row));
        }
    }

    /**
     * More rows than a row group (128) and more tokens than a token block (64), split inside a group: every
     * element has the bits of the same row and token computed one token at a time.
     */
    @ParameterizedTest(name = "{0}, prepared for the CPU: {1}")
    @org.junit.jupiter.params.provider.CsvSource({"Q8_0,false", "Q6_K,true", "Q4_K,false"})
    void rowGroupsAndTokenBlocksKeepEveryElementsBits(DType type, boolean prepared) {
        int rows = 133, cols = 1280, T = 70;
        byte[] raw = randomBlocks(type, rows, cols, 7);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(raw.length);
            MemorySegment.copy(raw, 0, seg, ValueLayout.JAVA_BYTE, 0, raw.length);
            QuantMatrix m = new QuantMatrix(type, seg, rows, cols);
            if (prepared) m.prepareForCpu();
            Random r = new Random(3);
            float[] x = new float[T * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            float[] y = new float[T * rows];
            m.matmul(x, T, y, rows, 0, 61);
            m.matmul(x, T, y, rows, 61, rows);
            for (int t = 0; t < T; t++) {
                float[] y1 = new float[rows];
                m.matmul(java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, y1, rows, 0, rows);
                for (int j = 0; j < rows; j++)
                    assertEquals(Float.floatToIntBits(y1[j]), Float.floatToIntBits(y[t * rows + j]), type + " y[" + t + "][" + j + "]");
            }
        }
    }
}
