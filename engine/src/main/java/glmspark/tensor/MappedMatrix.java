package glmspark.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The shape and memory-mapped bytes every stored weight matrix has; subclasses add the element type's
 * kernels. The size check makes a matrix whose bytes do not match its shape impossible to build.
 */
public abstract class MappedMatrix implements WeightMatrix {

    protected final MemorySegment data;
    protected final int rows;
    protected final int cols;

    protected MappedMatrix(MemorySegment data, int rows, int cols, long rowBytes, String type) {
        if (data.byteSize() != rowBytes * rows)
            throw new IllegalArgumentException("expected " + rowBytes * rows + " bytes for " + type + " [" + rows + ", " + cols
                    + "], got " + data.byteSize());
        this.data = data;
        this.rows = rows;
        this.cols = cols;
    }

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    /** The stored bytes (row-major, the element type's layout), for copying the matrix elsewhere as is. */
    public final MemorySegment data() {
        return data;
    }

    @Override
    public long bytes() {
        return data.byteSize();
    }
}
