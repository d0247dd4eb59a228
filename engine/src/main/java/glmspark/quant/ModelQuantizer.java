package glmspark.quant;

import glmspark.format.DType;
import glmspark.format.TensorData;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * Quantises a checkpoint's matrices once at load (rows in parallel). Only 2-D tensors whose row length is a whole
 * number of blocks are quantised; norms, biases and any matrix that does not fit the block size stay as they are
 * (llama.cpp likewise keeps 1-D tensors in float).
 */
public final class ModelQuantizer {

    private ModelQuantizer() {
    }

    /** Quantised copies (allocated in {@code arena}) of the fitting matrices of {@code tensors}; others unchanged. */
    public static Map<String, TensorData> quantize(Map<String, TensorData> tensors, DType type, Arena arena) {
        if (type == DType.Q4_0 || type == DType.Q5_K)
            throw new IllegalArgumentException("quantisation to " + type + " is not supported (supported: Q8_0, Q6_K, Q5_0, Q4_K, BF16, F16, F32)");
        Map<String, TensorData> out = new ConcurrentHashMap<>();
        tensors.values().parallelStream().forEach(t -> out.put(t.name(), convert(t, type, arena)));
        Map<String, TensorData> ordered = new LinkedHashMap<>();
        for (String k : tensors.keySet()) ordered.put(k, out.get(k));
        return ordered;
    }

    /** Whether a tensor of this shape is stored as {@code type} (else it is kept as it is). */
    public static boolean fits(long[] shape, DType type) {
        return shape.length == 2 && shape[1] % type.blockSize == 0;
    }

    static TensorData convert(TensorData t, DType type, Arena arena) {
        if (!fits(t.shape(), type) || t.dtype() == type || t.dtype().quantized()) return t;
        int rows = (int) t.shape()[0], cols = (int) t.shape()[1];
        int rowBytes = (int) type.rowBytes(cols);
        MemorySegment dst = arena.allocate((long) rows * rowBytes, 64);
        int srcRow = (int) t.dtype().rowBytes(cols);
        IntStream.range(0, rows).parallel().forEach(r -> {
            byte[] raw = new byte[srcRow];
            MemorySegment.copy(t.data(), ValueLayout.JAVA_BYTE, (long) r * srcRow, raw, 0, srcRow);
            float[] x = new float[cols];
            Quants.dequantize(t.dtype(), raw, 0, x, 0, cols);
            byte[] q = new byte[rowBytes];
            Quants.quantize(type, x, 0, cols, q, 0);
            MemorySegment.copy(q, 0, dst, ValueLayout.JAVA_BYTE, (long) r * rowBytes, rowBytes);
        });
        return new TensorData(t.name(), type, t.shape(), dst, t.file());
    }
}
