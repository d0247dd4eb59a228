package glmspark.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a {@code .safetensors} file: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the data. The whole file is memory-mapped; tensors are slices.
 */
public final class Safetensors {

    /** Headers are small (kilobytes); a larger claim is a corrupt or hostile file. */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    // Duplicate tensor names are refused (Jackson would keep the last silently): which one is meant is unknown.
    private static final ObjectMapper JSON = StrictJson.MAPPER;

    private Safetensors() {
    }

    /** Maps {@code file} in {@code arena} and returns its tensors by name, in header order. */
    public static Map<String, TensorData> read(Path file, Arena arena) throws IOException {
        if (!Files.isRegularFile(file)) throw new ModelFormatException(file, "no such file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new ModelFormatException(file, "truncated: " + size + " bytes, no header length");
            MemorySegment all = FileMapping.readOnly(ch, size, arena);
            long headerLen = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES)
                throw new ModelFormatException(file, "header length " + headerLen + " is not plausible (limit " + MAX_HEADER_BYTES + ")");
            if (8 + headerLen > size)
                throw new ModelFormatException(file, "truncated: header claims " + headerLen + " bytes but the file has " + (size - 8) + " after the length");
            byte[] headerBytes = all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            JsonNode header;
            try {
                header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new ModelFormatException(file, "header is not valid JSON: " + e.getMessage());
            }
            if (header == null || !header.isObject()) throw new ModelFormatException(file, "header is not a JSON object");
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                if (name.equals("__metadata__")) continue;
                tensors.put(name, parseTensor(file, name, e.getValue(), all, dataStart, dataSize));
            }
            checkNoOverlap(file, tensors.values());
            return tensors;
        }
    }

    /**
     * Tensors must not share bytes (as the safetensors library requires): an overlap means a corrupt header, and
     * aliased weights would compute garbage instead of failing.
     */
    private static void checkNoOverlap(Path file, java.util.Collection<TensorData> tensors)
            throws ModelFormatException {
        List<TensorData> byStart = new ArrayList<>();
        for (TensorData t : tensors) if (t.data().byteSize() > 0) byStart.add(t);
        byStart.sort(Comparator.comparingLong(t -> t.data().address()));
        for (int i = 1; i < byStart.size(); i++) {
            TensorData a = byStart.get(i - 1), b = byStart.get(i);
            if (b.data().address() < a.data().address() + a.data().byteSize())
                throw new ModelFormatException(file, "tensors '" + a.name() + "' and '" + b.name() + "' overlap in data_offsets");
        }
    }

    private static TensorData parseTensor(Path file, String name, JsonNode t, MemorySegment all, long dataStart,
                                          long dataSize) throws ModelFormatException {
        String where = "tensor '" + name + "'";
        if (!t.isObject()) throw new ModelFormatException(file, where + ": entry is not an object");
        String dt = t.path("dtype").asText(null);
        if (dt == null) throw new ModelFormatException(file, where + ": missing dtype");
        DType dtype = DType.fromSafetensors(dt);
        if (dtype == null) throw new ModelFormatException(file, where + ": unsupported dtype " + dt + " (supported: F32, F16, BF16)");
        JsonNode shapeNode = t.path("shape");
        if (!shapeNode.isArray()) throw new ModelFormatException(file, where + ": missing shape");
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || d.asLong() < 0) throw new ModelFormatException(file, where + ": bad dimension " + d);
            shape[i] = d.asLong();
            elements = Math.multiplyHigh(elements, shape[i]) != 0 ? -1 : elements * shape[i];
            if (elements < 0) throw new ModelFormatException(file, where + ": shape " + shapeNode + " overflows");
        }
        JsonNode off = t.path("data_offsets");
        if (!off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong())
            throw new ModelFormatException(file, where + ": data_offsets must be [begin, end]");
        long begin = off.get(0).asLong(), end = off.get(1).asLong();
        if (begin < 0 || end < begin)
            throw new ModelFormatException(file, where + ": bad data_offsets [" + begin + ", " + end + "]");
        if (end > dataSize)
            throw new ModelFormatException(file, where + ": data runs past the end of the file (ends at " + end
                    + ", file has " + dataSize + " data bytes; truncated?)");
        long expected = elements * dtype.bytes;
        if (end - begin != expected)
            throw new ModelFormatException(file, where + ": " + (end - begin) + " bytes for shape " + shapeNode + " of " + dt + " (expected " + expected + ")");
        return new TensorData(name, dtype, shape, all.asSlice(dataStart + begin, end - begin), file);
    }
}
