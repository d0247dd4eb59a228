package glmspark.cpu;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The bf16 wide path's 4x6 register tile alone over one k-chunk, everything in L1 (w: 4 rows of kc floats at WideTiles.ROW_STRIDE, x: 6 x
 * kc floats): the tile's own ceiling, without cache misses or widening. GFLOP/s = 2 * 4 * 6 * kc / time;
 * compare with FmaPeakBenchmark in the same run. {@code shift} moves x by 0/4/8/12 floats: a heap float[]'s
 * data starts 16 bytes past an 8-byte boundary, so one of them puts every 512-bit x load on one cache line
 * (the others straddle two), which shows what alignment is worth.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class TileBenchmark {

    @Param({"256", "1024"})
    public int kc;

    @Param({"0", "4", "8", "12"})
    public int shift;

    private float[] w, x, acc;

    @Setup
    public void setup() {
        w = new float[4 * WideTiles.ROW_STRIDE];
        x = new float[shift + 6 * kc];
        acc = new float[24 * WideTiles.F.length()];
        for (int i = 0; i < w.length; i++) w[i] = 1e-3f * (i % 13);
        for (int i = 0; i < x.length; i++) x[i] = 1e-3f * (i % 7);
    }

    @Benchmark
    public float tile4x6() {
        WideTiles.chunk4x6(w, 0, kc, x, shift, kc, acc, 0, false);
        return acc[0];
    }

    /** The tile 16-register hosts (AVX2, NEON) use: GFLOP/s = 2 * 4 * 2 * kc / time. */
    @Benchmark
    public float tile4x2() {
        WideTiles.chunk4x2(w, 0, kc, x, shift, kc, acc, 0, false);
        return acc[0];
    }
}
