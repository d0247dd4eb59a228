package glmspark.cuda;

/**
 * The two ceilings of a device, measured rather than taken from a datasheet: memory bandwidth (a large
 * device-to-device copy, bytes read plus written) and bf16 matrix throughput (a large cuBLAS product with
 * float32 accumulation, the same call the model makes).
 */
public record Rooflines(double bandwidthGBps, double bf16Tflops) {

    public static Rooflines measure(CudaDevice dev) {
        dev.bind();
        long bytes = 2L << 30;
        long a = dev.alloc(bytes), b = dev.alloc(bytes);
        try {
            dev.fill32(a, 0x3f803f80, bytes / 4);
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < 8; rep++) {
                dev.synchronize();
                long t0 = System.nanoTime();
                dev.copyAsync(b, a, bytes);
                dev.synchronize();
                if (rep > 0) best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            double gbps = 2.0 * bytes / best / 1e9;
            int n = 8192;
            long x = a, w = a + (long) n * n * 2, y = b;
            double tflops;
            try (Cublas blas = new Cublas(dev)) {
                blas.matmul(w, x, y, n, n, n);
                dev.synchronize();
                int reps = 10;
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) blas.matmul(w, x, y, n, n, n);
                dev.synchronize();
                tflops = 2.0 * n * n * (double) n * reps / ((System.nanoTime() - t0) / 1e9) / 1e12;
            }
            return new Rooflines(gbps, tflops);
        } finally {
            dev.free(a);
            dev.free(b);
        }
    }
}
