package glmspark.cuda;

/** A CUDA library or device is missing, or a CUDA call failed; the message says which and why. */
public final class CudaException extends RuntimeException {

    public CudaException(String message) {
        super(message);
    }

    public CudaException(String message, Throwable cause) {
        super(message, cause);
    }
}
