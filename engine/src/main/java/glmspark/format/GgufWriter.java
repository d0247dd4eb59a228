package glmspark.format;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a GGUF version 3 file: metadata with explicit GGUF value types, then tensor infos and the tensor data,
 * each tensor at a multiple of the alignment (32). Tensor bytes are already in their ggml layout.
 */
public final class GgufWriter {

    private record Kv(String key, int type, Object value, int elemType) {
    }

    /** Tensor bytes, made when the writer reaches the tensor (allocated in the arena given, closed after writing). */
    @FunctionalInterface
    public interface TensorBytes {
        MemorySegment make(Arena arena);
    }

    private record Tensor(String name, long[] ne, DType type, long byteSize, TensorBytes data) {
    }

    private final List<Kv> kvs = new ArrayList<>();
    private final List<Tensor> tensors = new ArrayList<>();

    public GgufWriter putString(String key, String v) {
        kvs.add(new Kv(key, Gguf.STRING, v, -1));
        return this;
    }

    public GgufWriter putU32(String key, long v) {
        kvs.add(new Kv(key, Gguf.UINT32, v, -1));
        return this;
    }

    public GgufWriter putI32(String key, int v) {
        kvs.add(new Kv(key, Gguf.INT32, (long) v, -1));
        return this;
    }

    public GgufWriter putF32(String key, float v) {
        kvs.add(new Kv(key, Gguf.FLOAT32, v, -1));
        return this;
    }

    public GgufWriter putBool(String key, boolean v) {
        kvs.add(new Kv(key, Gguf.BOOL, v, -1));
        return this;
    }

    public GgufWriter putStrings(String key, List<String> v) {
        kvs.add(new Kv(key, Gguf.ARRAY, List.copyOf(v), Gguf.STRING));
        return this;
    }

    public GgufWriter putI32s(String key, int[] v) {
        kvs.add(new Kv(key, Gguf.ARRAY, v.clone(), Gguf.INT32));
        return this;
    }

    /** A tensor with ggml dims (ne[0] = row length) and its bytes in {@code type}'s layout. */
    public GgufWriter addTensor(String name, long[] ne, DType type, MemorySegment data) {
        checkSize(name, ne, type, data.byteSize());
        return addTensor(name, ne, type, arena -> data);
    }

    /**
     * A tensor whose bytes are made only while {@link #write} streams it, so a whole model never has to be in memory
     * at once: each tensor's arena is closed once its bytes are written.
     */
    public GgufWriter addTensor(String name, long[] ne, DType type, TensorBytes data) {
        long rowBytes = type.rowBytes(ne[0]);
        if (rowBytes < 0) throw new IllegalArgumentException("tensor '" + name + "': row length " + ne[0] + " is not a whole number of " + type + " blocks");
        long rows = 1;
        for (int i = 1; i < ne.length; i++) rows *= ne[i];
        tensors.add(new Tensor(name, ne.clone(), type, rowBytes * rows, data));
        return this;
    }

    private static void checkSize(String name, long[] ne, DType type, long bytes) {
        long rows = 1;
        for (int i = 1; i < ne.length; i++) rows *= ne[i];
        long expected = type.rowBytes(ne[0]) * rows;
        if (type.rowBytes(ne[0]) < 0 || bytes != expected)
            throw new IllegalArgumentException("tensor '" + name + "': " + bytes + " bytes for " + type + " dims "
                    + java.util.Arrays.toString(ne) + " (expected " + expected + ")");
    }

    public void write(Path out) throws IOException {
        int align = Gguf.DEFAULT_ALIGNMENT;
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        try {
            try (OutputStream os = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                Out o = new Out(os);
                o.i32(Gguf.MAGIC);
                o.i32(3);
                o.i64(tensors.size());
                o.i64(kvs.size());
                for (Kv kv : kvs) {
                    o.str(kv.key);
                    o.i32(kv.type);
                    switch (kv.type) {
                        case Gguf.STRING -> o.str((String) kv.value);
                        case Gguf.UINT32, Gguf.INT32 -> o.i32((int) (long) (Long) kv.value);
                        case Gguf.FLOAT32 -> o.i32(Float.floatToRawIntBits((Float) kv.value));
                        case Gguf.BOOL -> o.u8((Boolean) kv.value ? 1 : 0);
                        case Gguf.ARRAY -> {
                            o.i32(kv.elemType);
                            if (kv.elemType == Gguf.STRING) {
                                @SuppressWarnings("unchecked") List<String> l = (List<String>) kv.value;
                                o.i64(l.size());
                                for (String s : l) o.str(s);
                            } else {
                                int[] a = (int[]) kv.value;
                                o.i64(a.length);
                                for (int x : a) o.i32(x);
                            }
                        }
                        default -> throw new IllegalStateException("type " + kv.type);
                    }
                }
                long offset = 0;
                for (Tensor t : tensors) {
                    o.str(t.name);
                    o.i32(t.ne.length);
                    for (long d : t.ne) o.i64(d);
                    o.i32(t.type.ggmlId);
                    o.i64(offset);
                    offset = pad(offset + t.byteSize, align);
                }
                o.zeros(pad(o.count, align) - o.count);
                byte[] buf = new byte[1 << 16];
                for (Tensor t : tensors) {
                    try (Arena arena = Arena.ofShared()) {
                        MemorySegment data = t.data.make(arena);
                        checkSize(t.name, t.ne, t.type, data.byteSize());
                        for (long p = 0; p < data.byteSize(); p += buf.length) {
                            int n = (int) Math.min(buf.length, data.byteSize() - p);
                            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, p, buf, 0, n);
                            o.bytes(buf, n);
                        }
                    }
                    o.zeros(pad(o.count, align) - o.count);
                }
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp); // no half-written file left behind
            throw e;
        }
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static long pad(long n, int align) {
        return (n + align - 1) / align * align;
    }

    private static final class Out {
        final OutputStream os;
        final ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        long count;

        Out(OutputStream os) {
            this.os = os;
        }

        void u8(int v) throws IOException {
            os.write(v);
            count++;
        }

        void i32(int v) throws IOException {
            b.clear();
            b.putInt(v);
            os.write(b.array(), 0, 4);
            count += 4;
        }

        void i64(long v) throws IOException {
            b.clear();
            b.putLong(v);
            os.write(b.array(), 0, 8);
            count += 8;
        }

        void str(String s) throws IOException {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            i64(u.length);
            bytes(u, u.length);
        }

        void bytes(byte[] a, int n) throws IOException {
            os.write(a, 0, n);
            count += n;
        }

        void zeros(long n) throws IOException {
            for (long i = 0; i < n; i++) os.write(0);
            count += n;
        }
    }
}
