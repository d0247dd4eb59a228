package glmspark.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * cuBLAS through FFM: the one product the model needs, Y[T][N] = X[T][K] W[N][K]^T with bf16 X and W, float32
 * Y and float32 accumulation. cuBLAS is column-major, so a row-major [N][K] weight is a K x N column-major matrix
 * used transposed: gemm(OP_T, OP_N, m = N, n = T, k = K, W, lda = K, X, ldb = K, Y, ldc = N).
 */
final class Cublas implements AutoCloseable {

    private static final int OP_N = 0, OP_T = 1;
    private static final int R_32F = 0, R_16BF = 14;
    private static final int COMPUTE_32F = 68;
    private static final int GEMM_DEFAULT = -1;

    private final MethodHandle create, destroy, gemmEx, setStream, setWorkspace;
    private final MemorySegment handle;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment one = arena.allocate(JAVA_FLOAT), zero = arena.allocate(JAVA_FLOAT);

    /** A handle whose work goes to {@code dev}'s stream, with a fixed workspace so that calls can be graph-captured. */
    Cublas(CudaDevice dev) {
        NativeLibrary.open("libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"); // cuBLAS loads it by soname
        NativeLibrary lib = NativeLibrary.open("libcublas.so.13", "libcublas.so.12", "libcublas.so");
        if (lib == null)
            throw new CudaException("cuBLAS (libcublas.so) not found: install the CUDA toolkit or set CUDA_HOME (looked in "
                    + NativeLibrary.toolkitDirs() + " and the loader's path)");
        create = lib.fn("cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = lib.fn("cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        gemmEx = lib.fn("cublasGemmEx", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT));
        setStream = lib.fn("cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        setWorkspace = lib.fn("cublasSetWorkspace_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, java.lang.foreign.ValueLayout.JAVA_LONG));
        one.set(JAVA_FLOAT, 0, 1f);
        zero.set(JAVA_FLOAT, 0, 0f);
        MemorySegment h = arena.allocate(ADDRESS);
        check(CudaDriver.call(create, h), "cublasCreate");
        handle = h.get(ADDRESS, 0);
        check(CudaDriver.call(setStream, handle, dev.stream()), "cublasSetStream");
        long workspaceBytes = 32L << 20;
        check(CudaDriver.call(setWorkspace, handle, MemorySegment.ofAddress(dev.alloc(workspaceBytes)), workspaceBytes), "cublasSetWorkspace");
    }

    /** y[t*N + j] = sum_k w[j*K + k] * x[t*K + k] for t in [0, T), j in [0, N). */
    void matmul(long w, long x, long y, int N, int T, int K) {
        try {
            int rc = (int) gemmEx.invokeExact(handle, OP_T, OP_N, N, T, K, one, MemorySegment.ofAddress(w), R_16BF, K,
                    MemorySegment.ofAddress(x), R_16BF, K, zero, MemorySegment.ofAddress(y), R_32F, N, COMPUTE_32F, GEMM_DEFAULT);
            check(rc, "cublasGemmEx [" + T + " x " + K + "] x [" + N + " x " + K + "]^T");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new CudaException("cublasGemmEx failed", t);
        }
    }

    private static void check(int rc, String what) {
        if (rc != 0) throw new CudaException(what + " failed: cuBLAS status " + rc);
    }

    @Override
    public void close() {
        CudaDriver.call(destroy, handle);
        arena.close();
    }
}
