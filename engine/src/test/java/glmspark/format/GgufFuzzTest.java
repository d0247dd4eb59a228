package glmspark.format;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutated copies of real GGUF files (one written by llama.cpp's gguf-py, one by ggml itself): flipped bytes,
 * truncations, absurd counts and lengths written over the header's integers, random bytes. Every outcome is a
 * file whose tensors lie inside it, or an IOException naming the file; never a hang, an OutOfMemoryError or
 * another exception, and opening it as a model ends the same way.
 */
class GgufFuzzTest {

    private static byte[][] originals;
    private static Path dir;

    @BeforeContainer
    static void load() throws Exception {
        originals = new byte[][]{
                Files.readAllBytes(Path.of(GgufFuzzTest.class.getResource("/gguf/glm4-tiny-bf16.gguf").toURI())),
                Files.readAllBytes(Path.of(GgufFuzzTest.class.getResource("/gguf/ggml-quants.gguf").toURI()))};
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "gguf-fuzz")
                : Files.createTempDirectory("gguf-fuzz");
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
        byte[] original = originals[r.nextInt(originals.length)];
        byte[] bytes = mutate(r, original);
        Path file = dir.resolve("model.gguf");
        Files.write(file, bytes);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (Arena arena = Arena.ofConfined()) {
                Gguf g = Gguf.read(file, arena);
                for (Gguf.TensorInfo t : g.tensors()) {
                    assertTrue(t.byteSize() >= 0 && g.dataOffset() + t.offset() + t.byteSize() <= bytes.length, t.name());
                    assertEquals(t.byteSize(), g.data(t).byteSize(), t.name());
                }
                if (original == originals[0] && r.nextInt(8) == 0) {
                    try (ModelFolder f = ModelFolder.open(file)) {
                        assertTrue(f.config().numLayers() > 0);
                    } catch (IOException | IllegalArgumentException e) {
                        assertNamesFile(e, file);
                    }
                }
            } catch (IOException e) {
                assertNamesFile(e, file);
            } catch (Throwable t) {
                fail("seed " + seed + ": unexpected " + t, t);
            }
        });
    }

    private static void assertNamesFile(Exception e, Path file) {
        assertTrue(e.getMessage() != null && e.getMessage().contains(file.getFileName().toString()),
                "message does not name the file: " + e.getMessage());
    }

    private static byte[] mutate(SplittableRandom r, byte[] original) {
        byte[] b = original.clone();
        switch (r.nextInt(5)) {
            case 0 -> {
                int n = 1 + r.nextInt(8);
                for (int i = 0; i < n; i++) b[r.nextInt(Math.min(b.length, 4096))] ^= (byte) (1 << r.nextInt(8));
            }
            case 1 -> b = Arrays.copyOf(original, r.nextInt(original.length));
            case 2 -> {
                // an absurd integer over one of the header's 8-byte fields (counts, string and array lengths)
                int at = r.nextInt(Math.min(b.length - 8, 4096));
                long v = switch (r.nextInt(4)) {
                    case 0 -> -1L;
                    case 1 -> Long.MAX_VALUE;
                    case 2 -> 1L << (20 + r.nextInt(40));
                    default -> r.nextLong();
                };
                ByteBuffer.wrap(b, at, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
            }
            case 3 -> {
                int at = r.nextInt(Math.min(b.length - 4, 4096));
                ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(r.nextInt());
            }
            default -> {
                b = new byte[r.nextInt(2048)];
                for (int i = 0; i < b.length; i++) b[i] = (byte) r.nextInt();
                if (b.length >= 8 && r.nextBoolean()) ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putInt(Gguf.MAGIC).putInt(3);
            }
        }
        return b;
    }
}
