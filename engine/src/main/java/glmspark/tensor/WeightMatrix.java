package glmspark.tensor;

/**
 * A weight matrix W of shape [rows, cols] (a PyTorch Linear weight: rows = out features) in its stored
 * element type. The one operation the model needs: y[t][j] = sum_k W[j][k] * x[t][k] for a batch of T
 * activation rows, over a range of output rows so callers can split the work across threads.
 *
 * <p>Every implementation computes each output element with the same arithmetic whatever T, the range split
 * or the tiling: a sequence's numbers do not depend on what else shares its batch.
 */
public interface WeightMatrix {

    int rows();

    int cols();

    /** Bytes read when the whole matrix is streamed once. */
    long bytes();

    /**
     * For output rows j in [rowFrom, rowTo) and t in [0, T): {@code y[t*yStride + j] = W[j] . x[t*cols ...]}.
     */
    void matmul(float[] x, int T, float[] y, int yStride, int rowFrom, int rowTo);

    /** Writes row r as float32 into {@code dst[off ...]} (embedding lookup). */
    void row(int r, float[] dst, int off);

    /**
     * Called by the CPU backend, once, for every matrix it will multiply (not for an embedding it only looks rows
     * up in), before the first product: a matrix may build a faster layout for the CPU kernels here.
     */
    default void prepareForCpu() {
    }
}
