package glmspark.cpu;

/** Cache blocking shared by the matmul kernels. */
final class Tiling {

    /** Activation bytes a token block may hold: about half of a 1 MiB L2, leaving room for weight rows. */
    static final int ACTIVATION_BLOCK_BYTES = Integer.getInteger("glm.tokenBlockBytes", 512 * 1024);

    /** k-chunk of the bf16 wide path: 4 widened rows (16 KiB) plus a 4-token tile's activations (16 KiB) fit L1. */
    static final int K_CHUNK = Integer.getInteger("glm.kChunk", 1024);

    private Tiling() {
    }

    /** Tokens per block for rows of {@code cols} floats: a multiple of 4 (the f32/f16 register tile), at least 4. */
    static int tokenBlock(int cols, int T) {
        int tb = Math.max(4, ACTIVATION_BLOCK_BYTES / (cols * Float.BYTES) / 4 * 4);
        return Math.min(tb, Math.max(4, T));
    }

    /**
     * Tokens per block of the bf16 wide path for rows of {@code cols} floats: the multiple of 6 (the widest register tile) nearest to
     * the activation budget, at least 6 (K = 4096: 30 tokens; K = 13696: 12, where rounding down to 6 would
     * widen every weight row twice as often).
     */
    static int wideTokenBlock(int cols, int T) {
        int tb = Math.max(6, (int) Math.round(ACTIVATION_BLOCK_BYTES / (cols * (double) Float.BYTES) / 6) * 6);
        return Math.min(tb, Math.max(4, T));
    }
}
