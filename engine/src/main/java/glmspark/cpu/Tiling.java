package glmspark.cpu;

/** Cache blocking shared by the matmul kernels. */
final class Tiling {

    /** Activation bytes a token block may hold: about half of a 1 MiB L2, leaving room for weight rows. */
    static final int ACTIVATION_BLOCK_BYTES = Integer.getInteger("glm.tokenBlockBytes", 512 * 1024);

    /** k-chunk of the bf16 wide path: 4 widened rows (16 KiB) plus a 4-token tile's activations (16 KiB) fit L1. */
    static final int K_CHUNK = Integer.getInteger("glm.kChunk", 1024);

    private Tiling() {
    }

    /** Tokens per block for rows of {@code cols} floats: a multiple of 4 (the register tile), at least 4. */
    static int tokenBlock(int cols, int T) {
        int tb = Math.max(4, ACTIVATION_BLOCK_BYTES / (cols * Float.BYTES) / 4 * 4);
        return Math.min(tb, Math.max(4, T));
    }
}
