package glmspark.format;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A tensor as stored in a file: memory-mapped bytes, never copied onto the heap.
 *
 * @param name  the tensor's name in the file
 * @param dtype element type
 * @param shape dimensions, outermost first (PyTorch order: a Linear weight is [out, in])
 * @param data  the mapped bytes (little-endian)
 * @param file  where it lives, for error messages
 */
public record TensorData(String name, DType dtype, long[] shape, MemorySegment data, Path file) {

    public long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
