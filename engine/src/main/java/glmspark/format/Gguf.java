package glmspark.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3), memory-mapped: header ("GGUF", version, tensor count, metadata count), metadata
 * key/value pairs, tensor infos (name, dims with ne[0] the row length, ggml type, offset), then the tensor data at
 * the first multiple of {@code general.alignment} (default 32). Every count and length is checked against the bytes
 * left in the file before anything is allocated, so a corrupt size field gives an error, never an OutOfMemoryError.
 *
 * <p>Metadata values become Java values by GGUF type: u8/i8/u16/i16/i32 as Integer, u32/u64/i64 as Long, f32 as
 * Float, f64 as Double, bool as Boolean, string as String, array as an unmodifiable List of those.
 */
public final class Gguf {

    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;

    // metadata value types
    public static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
            STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;

    private static final int MAX_DIMS = 4;
    private static final int MAX_ARRAY_NESTING = 4;

    /** One tensor as the file describes it: dims in ggml order (ne[0] = elements per row). */
    public record TensorInfo(String name, long[] ne, DType type, long offset, long byteSize) {
        public long elements() {
            long n = 1;
            for (long d : ne) n *= d;
            return n;
        }

        /** The PyTorch-order shape: ne reversed. */
        public long[] shape() {
            long[] s = new long[ne.length];
            for (int i = 0; i < ne.length; i++) s[i] = ne[ne.length - 1 - i];
            return s;
        }
    }

    private final Path path;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, Integer> metadataTypes;
    private final List<TensorInfo> tensors;
    private final int alignment;
    private final long dataOffset;
    private final MemorySegment file;

    private Gguf(Path path, int version, Map<String, Object> metadata, Map<String, Integer> types, List<TensorInfo> tensors,
                 int alignment, long dataOffset, MemorySegment file) {
        this.path = path;
        this.version = version;
        this.metadata = metadata;
        this.metadataTypes = types;
        this.tensors = tensors;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.file = file;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public Map<String, Object> metadata() {
        return metadata;
    }

    /** The GGUF value type of a key (for arrays: ARRAY), or null when absent. */
    public Integer metadataType(String key) {
        return metadataTypes.get(key);
    }

    public List<TensorInfo> tensors() {
        return tensors;
    }

    public int alignment() {
        return alignment;
    }

    public long dataOffset() {
        return dataOffset;
    }

    /** The mapped bytes of one tensor. */
    public MemorySegment data(TensorInfo t) {
        return file.asSlice(dataOffset + t.offset(), t.byteSize());
    }

    /** Maps {@code path} in {@code arena} (which must outlive every use of the tensor data) and parses it. */
    public static Gguf read(Path path, Arena arena) throws IOException {
        if (!Files.isRegularFile(path)) throw new ModelFormatException(path, "no such file");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 24) throw new ModelFormatException(path, "truncated: " + size + " bytes, too short for a GGUF header");
            MemorySegment all = FileMapping.readOnly(ch, size, arena);
            return parse(path, all);
        }
    }

    static Gguf parse(Path path, MemorySegment all) throws ModelFormatException {
        Cursor c = new Cursor(path, all);
        int magic = c.i32("magic");
        if (magic != MAGIC)
            throw new ModelFormatException(path, String.format("not a GGUF file: magic 0x%08x, expected 0x%08x (\"GGUF\")", magic, MAGIC));
        int version = c.i32("version");
        if (version != 2 && version != 3)
            throw new ModelFormatException(path, "unsupported GGUF version " + version + " (supported: 2, 3)");
        long nTensors = c.u64("tensor count");
        long nKv = c.u64("metadata count");
        // a metadata pair takes at least 8 (key length) + 4 (type) + 1 bytes, a tensor info at least 8 + 4 + 4 + 8
        if (nKv < 0 || nKv > c.remaining() / 13)
            throw new ModelFormatException(path, "metadata count " + Long.toUnsignedString(nKv) + " exceeds what the file can hold (truncated or corrupt)");
        if (nTensors < 0 || nTensors > c.remaining() / 24)
            throw new ModelFormatException(path, "tensor count " + Long.toUnsignedString(nTensors) + " exceeds what the file can hold (truncated or corrupt)");

        Map<String, Object> meta = new LinkedHashMap<>();
        Map<String, Integer> types = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            String key = c.string("key of metadata entry " + i);
            int type = c.i32("type of metadata '" + key + "'");
            if (meta.containsKey(key)) throw new ModelFormatException(path, "metadata key '" + key + "' appears twice");
            meta.put(key, c.value(type, "metadata '" + key + "'", 0));
            types.put(key, type);
        }

        int alignment = DEFAULT_ALIGNMENT;
        Object a = meta.get("general.alignment");
        if (a != null) {
            if (!(a instanceof Long l) || types.get("general.alignment") != UINT32 || l <= 0 || Long.bitCount(l) != 1 || l > (1 << 20))
                throw new ModelFormatException(path, "metadata 'general.alignment' must be a u32 power of two, got " + a);
            alignment = (int) (long) l;
        }

        List<TensorInfo> infos = new ArrayList<>();
        Map<String, Boolean> seen = new LinkedHashMap<>();
        for (long i = 0; i < nTensors; i++) {
            String name = c.string("name of tensor " + i);
            String where = "tensor '" + name + "'";
            if (seen.put(name, true) != null) throw new ModelFormatException(path, where + " appears twice");
            int nDims = c.i32(where + " dimension count");
            if (nDims < 1 || nDims > MAX_DIMS)
                throw new ModelFormatException(path, where + ": " + nDims + " dimensions (supported: 1 to " + MAX_DIMS + ")");
            long[] ne = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                ne[d] = c.u64(where + " dimension " + d);
                if (ne[d] <= 0) throw new ModelFormatException(path, where + ": dimension " + d + " is " + Long.toUnsignedString(ne[d]));
                if (Math.multiplyHigh(elements, ne[d]) != 0 || elements * ne[d] < 0)
                    throw new ModelFormatException(path, where + ": shape " + Arrays.toString(ne) + " overflows");
                elements *= ne[d];
            }
            int typeId = c.i32(where + " type");
            DType type = DType.fromGgml(typeId);
            if (type == null)
                throw new ModelFormatException(path, where + ": unsupported tensor type " + DType.ggmlName(typeId) + " (" + typeId
                        + "); supported: " + Arrays.toString(DType.values()));
            long offset = c.u64(where + " offset");
            long rowBytes = type.rowBytes(ne[0]);
            if (rowBytes < 0)
                throw new ModelFormatException(path, where + ": row length " + ne[0] + " is not a multiple of the " + type + " block size " + type.blockSize);
            long bytes = rowBytes;
            for (int d = 1; d < nDims; d++) {
                if (Math.multiplyHigh(bytes, ne[d]) != 0 || bytes * ne[d] < 0)
                    throw new ModelFormatException(path, where + ": byte size overflows");
                bytes *= ne[d];
            }
            if (offset < 0 || offset % alignment != 0)
                throw new ModelFormatException(path, where + ": data offset " + Long.toUnsignedString(offset) + " is not a multiple of the alignment " + alignment);
            infos.add(new TensorInfo(name, ne, type, offset, bytes));
        }
        long dataOffset = (c.pos + alignment - 1) / alignment * alignment;
        long size = all.byteSize();
        if (!infos.isEmpty() && dataOffset > size)
            throw new ModelFormatException(path, "truncated: tensor data would start at " + dataOffset + " but the file has " + size + " bytes");
        for (TensorInfo t : infos) {
            long end = dataOffset + t.offset() + t.byteSize();
            if (end > size || end < 0)
                throw new ModelFormatException(path, "tensor '" + t.name() + "': data [" + (dataOffset + t.offset()) + ", " + end
                        + ") runs past the end of the file (" + size + " bytes; truncated?)");
        }
        return new Gguf(path, version, Collections.unmodifiableMap(meta), Collections.unmodifiableMap(types),
                List.copyOf(infos), alignment, dataOffset, all);
    }

    /** Reads little-endian values, checking each against the end of the file. */
    private static final class Cursor {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        final Path path;
        final MemorySegment s;
        long pos;

        Cursor(Path path, MemorySegment s) {
            this.path = path;
            this.s = s;
        }

        long remaining() {
            return s.byteSize() - pos;
        }

        void need(long n, String what) throws ModelFormatException {
            if (n < 0 || n > remaining())
                throw new ModelFormatException(path, "truncated: " + what + " needs " + Long.toUnsignedString(n) + " bytes at offset " + pos
                        + " but only " + remaining() + " remain");
        }

        int i32(String what) throws ModelFormatException {
            need(4, what);
            int v = s.get(I32, pos);
            pos += 4;
            return v;
        }

        long u64(String what) throws ModelFormatException {
            need(8, what);
            long v = s.get(I64, pos);
            pos += 8;
            return v;
        }

        String string(String what) throws ModelFormatException {
            long len = u64(what + " length");
            if (len < 0 || len > remaining())
                throw new ModelFormatException(path, what + ": string length " + Long.toUnsignedString(len) + " exceeds the " + remaining()
                        + " bytes left in the file (truncated or corrupt)");
            if (len > Integer.MAX_VALUE - 16) throw new ModelFormatException(path, what + ": string of " + len + " bytes is too long");
            byte[] b = s.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                throw new ModelFormatException(path, what + ": string is not valid UTF-8");
            }
        }

        static int fixedSize(int type) {
            return switch (type) {
                case UINT8, INT8, BOOL -> 1;
                case UINT16, INT16 -> 2;
                case UINT32, INT32, FLOAT32 -> 4;
                case UINT64, INT64, FLOAT64 -> 8;
                default -> -1;
            };
        }

        Object value(int type, String what, int depth) throws ModelFormatException {
            int n = fixedSize(type);
            if (n > 0) need(n, what);
            Object v;
            switch (type) {
                case UINT8 -> v = s.get(ValueLayout.JAVA_BYTE, pos) & 0xFF;
                case INT8 -> v = (int) s.get(ValueLayout.JAVA_BYTE, pos);
                case UINT16 -> v = s.get(I16, pos) & 0xFFFF;
                case INT16 -> v = (int) s.get(I16, pos);
                case UINT32 -> v = s.get(I32, pos) & 0xFFFFFFFFL;
                case INT32 -> v = s.get(I32, pos);
                case FLOAT32 -> v = Float.intBitsToFloat(s.get(I32, pos));
                case BOOL -> {
                    byte b = s.get(ValueLayout.JAVA_BYTE, pos);
                    if (b != 0 && b != 1) throw new ModelFormatException(path, what + ": bool value " + b + " is neither 0 nor 1");
                    v = b == 1;
                }
                case UINT64, INT64 -> v = s.get(I64, pos);
                case FLOAT64 -> v = Double.longBitsToDouble(s.get(I64, pos));
                case STRING -> {
                    return string(what);
                }
                case ARRAY -> {
                    if (depth >= MAX_ARRAY_NESTING) throw new ModelFormatException(path, what + ": arrays nested too deeply");
                    int elemType = i32(what + " element type");
                    long count = u64(what + " element count");
                    int elemSize = elemType == STRING ? 8 : elemType == ARRAY ? 12 : fixedSize(elemType);
                    if (elemSize < 0) throw new ModelFormatException(path, what + ": unknown array element type " + elemType);
                    if (count < 0 || count > remaining() / elemSize)
                        throw new ModelFormatException(path, what + ": array of " + Long.toUnsignedString(count) + " elements exceeds the "
                                + remaining() + " bytes left in the file (truncated or corrupt)");
                    List<Object> list = new ArrayList<>((int) count);
                    for (long i = 0; i < count; i++) list.add(value(elemType, what + "[" + i + "]", depth + 1));
                    return Collections.unmodifiableList(list);
                }
                default -> throw new ModelFormatException(path, what + ": unknown value type " + type);
            }
            pos += n;
            return v;
        }
    }
}
