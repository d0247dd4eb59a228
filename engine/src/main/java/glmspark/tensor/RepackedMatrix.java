package glmspark.tensor;

/** A weight matrix copied at load into a CPU kernel's layout: its products, and the bytes they read. */
public interface RepackedMatrix {

    /** y[t * yStride + j] = row j . x[t * cols ...] for rows [rowFrom, rowTo) and tokens [0, T). */
    void matmul(float[] x, int T, float[] y, int yStride, int rowFrom, int rowTo);

    long bytes();
}
