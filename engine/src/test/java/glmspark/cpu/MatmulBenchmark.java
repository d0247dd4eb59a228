package glmspark.cpu;

import glmspark.format.DType;
import glmspark.quant.QuantMatrix;
import glmspark.quant.Quants;
import glmspark.tensor.WeightMatrix;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One thread's matmul kernel: y[T, rows] = x[T, K] . W[rows, K]^T. GFLOP/s = 2 * rows * K * T / time;
 * GB/s of weights = rows * K * bytes / time. {@code rows} 64 keeps the weights in L2 (compute-bound:
 * shows the FMA rate and whether bf16 widening costs anything against f32); 16384 streams them from memory.
 * Run with {@code bin/jmh MatmulBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatmulBenchmark {

    @Param({"bf16", "f32", "q8_0", "q4_k", "q6_k", "q5_0"})
    public String dtype;

    @Param({"64", "2048", "16384"})
    public int rows;

    @Param({"4096"})
    public int cols;

    @Param({"1", "4", "16", "64", "128"})
    public int tokens;

    private Arena arena;
    private WeightMatrix w;
    private float[] x, y;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        SplittableRandom r = new SplittableRandom(7);
        long n = (long) rows * cols;
        if (dtype.equals("bf16")) {
            MemorySegment seg = arena.allocate(n * 2, 64);
            for (long i = 0; i < n; i++)
                seg.set(ValueLayout.JAVA_SHORT, 2 * i, (short) (Float.floatToIntBits((float) r.nextGaussian() * 0.02f) >>> 16));
            w = new BF16Matrix(seg, rows, cols);
        } else if (dtype.startsWith("q")) {
            DType type = DType.valueOf(dtype.toUpperCase(java.util.Locale.ROOT));
            int rb = (int) type.rowBytes(cols);
            MemorySegment seg = arena.allocate((long) rows * rb, 64);
            float[] row = new float[cols];
            byte[] q = new byte[rb];
            for (int j = 0; j < rows; j++) {
                for (int k = 0; k < cols; k++) row[k] = (float) r.nextGaussian() * 0.02f;
                Quants.quantize(type, row, 0, cols, q, 0);
                MemorySegment.copy(q, 0, seg, ValueLayout.JAVA_BYTE, (long) j * rb, rb);
            }
            w = new QuantMatrix(type, seg, rows, cols);
        } else {
            MemorySegment seg = arena.allocate(n * 4, 64);
            for (long i = 0; i < n; i++) seg.set(ValueLayout.JAVA_FLOAT, 4 * i, (float) r.nextGaussian() * 0.02f);
            w = new F32Matrix(seg, rows, cols);
        }
        w.prepareForCpu();
        x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        y = new float[tokens * rows];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float matmul() {
        w.matmul(x, tokens, y, rows, 0, rows);
        return y[0];
    }
}
