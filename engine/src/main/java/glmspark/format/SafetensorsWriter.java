package glmspark.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a {@code .safetensors} file (used to make benchmark and test models). Tensors are declared first,
 * then streamed in the same order through {@link Source}s, so multi-gigabyte files never sit in memory.
 */
public final class SafetensorsWriter {

    /** Produces a tensor's bytes, little-endian, in row-major order. */
    @FunctionalInterface
    public interface Source {
        void write(OutputStream out) throws IOException;
    }

    private record Entry(String name, DType dtype, long[] shape, Source source) {
        long bytes() {
            long n = dtype.bytes;
            for (long d : shape) n *= d;
            return n;
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    public SafetensorsWriter add(String name, DType dtype, long[] shape, Source source) {
        entries.add(new Entry(name, dtype, shape.clone(), source));
        return this;
    }

    /** Adds float32 values stored as {@code dtype} (bf16 rounds to nearest even). */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, float[] values) {
        return add(name, dtype, shape, out -> writeFloats(out, dtype, values, 0, values.length));
    }

    public static void writeFloats(OutputStream out, DType dtype, float[] v, int off, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            float f = v[off + i];
            switch (dtype) {
                case F32 -> b.putFloat(f);
                case BF16 -> b.putShort(toBf16(f));
                case F16 -> b.putShort(Float.floatToFloat16(f));
            }
        }
        out.write(b.array());
    }

    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    public void write(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name);
            t.put("dtype", e.dtype.name());
            var shape = t.putArray("shape");
            for (long d : e.shape) shape.add(d);
            t.putArray("data_offsets").add(offset).add(offset + e.bytes());
            offset += e.bytes();
        }
        byte[] h = json.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8;
        byte[] hp = new byte[padded];
        System.arraycopy(h, 0, hp, 0, h.length);
        for (int i = h.length; i < padded; i++) hp[i] = ' ';
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(hp);
            for (Entry e : entries) {
                CountingStream c = new CountingStream(out);
                e.source.write(c);
                if (c.count != e.bytes())
                    throw new IOException("tensor '" + e.name + "' wrote " + c.count + " bytes, declared " + e.bytes());
            }
        }
    }

    private static final class CountingStream extends OutputStream {
        final OutputStream out;
        long count;

        CountingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
