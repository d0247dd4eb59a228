package glmspark.format;

/**
 * Element types of weight tensors: the safetensors float types and the ggml block-quantised types a GGUF file may
 * hold. A quantised type stores {@link #blockSize} elements in {@link #blockBytes} bytes; a float type is a block
 * of one. {@link #ggmlId} is the type number in GGUF tensor infos (-1: not a GGUF type).
 */
public enum DType {
    F32(4, 1, 4, 0), F16(2, 1, 2, 1), BF16(2, 1, 2, 30),
    Q4_0(0, 32, 18, 2), Q5_0(0, 32, 22, 6), Q8_0(0, 32, 34, 8),
    Q4_K(0, 256, 144, 12), Q5_K(0, 256, 176, 13), Q6_K(0, 256, 210, 14);

    /** Bytes per element of a float type; 0 for block types. */
    public final int bytes;
    public final int blockSize;
    public final int blockBytes;
    public final int ggmlId;

    DType(int bytes, int blockSize, int blockBytes, int ggmlId) {
        this.bytes = bytes;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.ggmlId = ggmlId;
    }

    public boolean quantized() {
        return blockSize > 1;
    }

    /** Bytes of a row of {@code n} elements; -1 when n is not a whole number of blocks. */
    public long rowBytes(long n) {
        if (n % blockSize != 0) return -1;
        return n / blockSize * blockBytes;
    }

    /** The safetensors dtype string, or null when we do not support it. */
    public static DType fromSafetensors(String s) {
        return switch (s) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            default -> null;
        };
    }

    /** The type with GGUF number {@code id}, or null when we do not support it. */
    public static DType fromGgml(int id) {
        for (DType t : values()) if (t.ggmlId == id) return t;
        return null;
    }

    /** ggml's name for a type number, for error messages about types we do not support. */
    public static String ggmlName(int id) {
        String[] names = {"F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K",
                "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S",
                "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M", "BF16"};
        return id >= 0 && id < names.length ? names[id] : "type " + id;
    }
}
