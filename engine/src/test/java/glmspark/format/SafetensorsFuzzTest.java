package glmspark.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.Fixtures;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutated copies of a real checkpoint (glm4-tiny/model.safetensors): flipped bytes in the length and header,
 * truncations, absurd length fields, huge or negative numbers in shape and data_offsets, duplicate names,
 * overlapping offsets, non-object and deeply nested JSON. Every outcome is a map of tensors whose slices agree
 * with their shapes, or a ModelFormatException that names the file; never a hang, an OutOfMemoryError or
 * another exception.
 */
class SafetensorsFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static byte[] original;
    private static int headerLen;
    private static ObjectNode header;
    private static List<String> names;
    private static Path dir;

    @BeforeContainer
    static void load() throws IOException {
        original = Files.readAllBytes(Fixtures.path("glm4-tiny/model.safetensors"));
        headerLen = (int) ByteBuffer.wrap(original, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        header = (ObjectNode) JSON.readTree(new String(original, 8, headerLen, StandardCharsets.UTF_8));
        names = new ArrayList<>();
        header.fieldNames().forEachRemaining(n -> {
            if (!n.equals("__metadata__")) names.add(n);
        });
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "st-fuzz")
                : Files.createTempDirectory("st-fuzz");
    }

    @AfterContainer
    static void clean() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Property(tries = 10_000, shrinking = ShrinkingMode.OFF)
    void mutatedFileGivesTensorsOrNamedError(@ForAll long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] bytes = mutate(r);
        Path file = dir.resolve("model.safetensors");
        Files.write(file, bytes);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (Arena arena = Arena.ofConfined()) {
                Map<String, TensorData> tensors = Safetensors.read(file, arena);
                checkConsistent(tensors, bytes.length);
            } catch (ModelFormatException e) {
                assertNamesFile(e, file);
            } catch (Throwable t) {
                fail("seed " + seed + ": unexpected " + t, t);
            }
        });
    }

    @Example
    void unmodifiedFileReadsEveryTensor() throws Exception {
        Path file = dir.resolve("model.safetensors");
        Files.write(file, original);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, TensorData> tensors = Safetensors.read(file, arena);
            assertEquals(names, new ArrayList<>(tensors.keySet()));
            checkConsistent(tensors, original.length);
        }
    }

    static void assertNamesFile(Exception e, Path file) {
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "empty message");
        assertTrue(e.getMessage().contains(file.getFileName().toString()), "message does not name the file: " + e.getMessage());
    }

    /** What a successful read promises: each slice has exactly its shape's bytes, and no two slices overlap. */
    private static void checkConsistent(Map<String, TensorData> tensors, long fileSize) {
        List<TensorData> byStart = new ArrayList<>(tensors.values());
        for (TensorData t : byStart) {
            long elements = 1;
            for (long d : t.shape()) elements = Math.multiplyExact(elements, d);
            assertEquals(elements * t.dtype().bytes, t.data().byteSize(), t.name());
            assertTrue(t.data().byteSize() <= fileSize);
        }
        byStart.removeIf(t -> t.data().byteSize() == 0);
        byStart.sort(Comparator.comparingLong(t -> t.data().address()));
        for (int i = 1; i < byStart.size(); i++) {
            TensorData a = byStart.get(i - 1);
            assertFalse(byStart.get(i).data().address() < a.data().address() + a.data().byteSize(), "overlap after " + a.name());
        }
    }

    // ---- mutations

    private static byte[] mutate(SplittableRandom r) throws IOException {
        return switch (r.nextInt(9)) {
            case 0 -> flipBytes(r);
            case 1 -> Arrays.copyOf(original, truncationPoint(r));
            case 2 -> withLength(r, absurdLength(r));
            case 3 -> withHeader(editTensor(r, header.deepCopy()).toString());
            case 4 -> withHeader(duplicateName(r));
            case 5 -> withHeader(overlap(r).toString());
            case 6 -> withHeader(nonObjectOrNested(r));
            case 7 -> randomBytes(r);
            default -> withHeader(editTensor(r, editTensor(r, header.deepCopy())).toString());
        };
    }

    private static byte[] flipBytes(SplittableRandom r) {
        byte[] b = original.clone();
        int flips = 1 + r.nextInt(4);
        for (int i = 0; i < flips; i++) {
            int at = r.nextInt(8 + headerLen + 16);
            b[at] = r.nextBoolean() ? (byte) (b[at] ^ (1 << r.nextInt(8))) : (byte) r.nextInt(256);
        }
        return b;
    }

    private static int truncationPoint(SplittableRandom r) {
        return switch (r.nextInt(3)) {
            case 0 -> r.nextInt(9);
            case 1 -> r.nextInt(8 + headerLen + 1);
            default -> original.length - 1 - r.nextInt(original.length - 8 - headerLen);
        };
    }

    private static long absurdLength(SplittableRandom r) {
        long[] picks = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE, 1L << 32, headerLen + 1, headerLen - 1,
                original.length - 8, original.length, Safetensors.MAX_HEADER_BYTES, Safetensors.MAX_HEADER_BYTES + 1, 1, 2};
        return r.nextBoolean() ? picks[r.nextInt(picks.length)] : r.nextLong();
    }

    private static byte[] withLength(SplittableRandom r, long len) {
        byte[] b = original.clone();
        ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(len);
        return b;
    }

    /** A new header (any length) in front of the original data. */
    private static byte[] withHeader(String json) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[8 + h.length + original.length - 8 - headerLen];
        ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
        System.arraycopy(h, 0, b, 8, h.length);
        System.arraycopy(original, 8 + headerLen, b, 8 + h.length, original.length - 8 - headerLen);
        return b;
    }

    private static JsonNode oddValue(SplittableRandom r) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (r.nextInt(12)) {
            case 0 -> f.numberNode(Long.MAX_VALUE);
            case 1 -> f.numberNode(-1L - r.nextInt(1000));
            case 2 -> f.numberNode(1L << (31 + r.nextInt(32)));
            case 3 -> f.numberNode(new java.math.BigInteger("1" + "0".repeat(30 + r.nextInt(40))));
            case 4 -> f.numberNode(r.nextDouble() * 1e6);
            case 5 -> f.textNode("12");
            case 6 -> f.nullNode();
            case 7 -> f.arrayNode().add(3);
            case 8 -> f.objectNode();
            case 9 -> f.numberNode(0);
            case 10 -> f.numberNode(r.nextInt(2_000_000));
            default -> f.booleanNode(true);
        };
    }

    private static ObjectNode editTensor(SplittableRandom r, ObjectNode h) {
        String name = names.get(r.nextInt(names.size()));
        // An earlier edit may have broken this entry already: then just break it further.
        if (!(h.get(name) instanceof ObjectNode t) || !(t.get("shape") instanceof ArrayNode)
                || !(t.get("data_offsets") instanceof ArrayNode off0) || off0.size() != 2) {
            h.set(name, oddValue(r));
            return h;
        }
        switch (r.nextInt(9)) {
            case 0 -> {
                ArrayNode shape = (ArrayNode) t.get("shape");
                if (shape.isEmpty()) shape.add(oddValue(r));
                else shape.set(r.nextInt(shape.size()), oddValue(r));
            }
            case 1 -> ((ArrayNode) t.get("data_offsets")).set(r.nextInt(2), oddValue(r));
            case 2 -> t.set("data_offsets", r.nextBoolean() ? oddValue(r) : JsonNodeFactory.instance.arrayNode().add(0).add(1).add(2));
            case 3 -> t.put("dtype", new String[] {"F64", "I8", "bf16", "", "BF16 ", "F8_E4M3", "BOOL"}[r.nextInt(7)]);
            case 4 -> t.remove(new String[] {"dtype", "shape", "data_offsets"}[r.nextInt(3)]);
            case 5 -> h.set(name, oddValue(r));
            case 6 -> t.set("shape", JsonNodeFactory.instance.arrayNode().add(1L << 40).add(1L << 40));
            case 7 -> {
                // Shape and offsets consistent with each other, beyond the data.
                ArrayNode off = (ArrayNode) t.get("data_offsets");
                long begin = off.get(0).asLong() + (long) r.nextInt(1 << 20) * 2;
                long n = 1 + r.nextInt(1 << 16);
                t.set("shape", JsonNodeFactory.instance.arrayNode().add(n));
                off.removeAll().add(begin).add(begin + n * bytesOf(t.path("dtype").asText()));
            }
            default -> {
                ArrayNode off = (ArrayNode) t.get("data_offsets");
                long a = off.get(0).asLong(), b = off.get(1).asLong();
                off.removeAll().add(b).add(a); // swapped
            }
        }
        return h;
    }

    private static long bytesOf(String dtype) {
        return dtype.equals("F32") ? 4 : 2;
    }

    /** The header text with one tensor's entry written twice (same name). */
    private static String duplicateName(SplittableRandom r) {
        String name = names.get(r.nextInt(names.size()));
        String text = header.toString();
        String entry = JSON.createObjectNode().set(name, header.get(name)).toString();
        String inner = entry.substring(1, entry.length() - 1);
        return "{" + inner + "," + text.substring(1);
    }

    /** Two tensors of the same byte size made to share (or partly share) their bytes. */
    private static ObjectNode overlap(SplittableRandom r) {
        ObjectNode h = header.deepCopy();
        String a = names.get(r.nextInt(names.size()));
        ArrayNode offA = (ArrayNode) h.get(a).get("data_offsets");
        for (int tries = 0; tries < 50; tries++) {
            String b = names.get(r.nextInt(names.size()));
            if (b.equals(a)) continue;
            ArrayNode offB = (ArrayNode) h.get(b).get("data_offsets");
            long sizeB = offB.get(1).asLong() - offB.get(0).asLong();
            long sizeA = offA.get(1).asLong() - offA.get(0).asLong();
            if (sizeA < sizeB) continue;
            long shift = r.nextBoolean() ? 0 : 2L * r.nextInt((int) Math.max(1, (sizeA - sizeB) / 2 + 1));
            long begin = offA.get(0).asLong() + shift;
            offB.removeAll().add(begin).add(begin + sizeB);
            return h;
        }
        return h;
    }

    private static String nonObjectOrNested(SplittableRandom r) {
        int depth = 500 + r.nextInt(20_000);
        return switch (r.nextInt(6)) {
            case 0 -> "[" + header + "]";
            case 1 -> "\"" + "x".repeat(r.nextInt(100)) + "\"";
            case 2 -> String.valueOf(r.nextLong());
            case 3 -> "null";
            case 4 -> "{\"__metadata__\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
            default -> "{\"t\":" + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}";
        };
    }

    private static byte[] randomBytes(SplittableRandom r) {
        byte[] b = new byte[r.nextInt(64)];
        for (int i = 0; i < b.length; i++) b[i] = (byte) r.nextInt(256);
        if (b.length >= 8 && r.nextBoolean()) ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(b.length - 8);
        return b;
    }
}
