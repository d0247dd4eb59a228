package glmspark.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GGUF reader's round trip with our writer, and its errors on broken files (each naming file and field). */
class GgufErrorsTest {

    @TempDir
    Path dir;

    Path valid() throws IOException {
        Path p = dir.resolve("ok.gguf");
        MemorySegment data = MemorySegment.ofArray(new byte[34 * 2 * 3]);
        new GgufWriter().putString("general.architecture", "glm4").putU32("glm4.block_count", 1)
                .putF32("f", 0.5f).putStrings("tokenizer.ggml.tokens", List.of("a", "b", "é"))
                .putI32s("tokenizer.ggml.token_type", new int[]{1, 1, 3})
                .addTensor("blk.0.ffn_down.weight", new long[]{64, 3}, DType.Q8_0, data).write(p);
        return p;
    }

    ModelFormatException fails(byte[] b) throws IOException {
        Path p = dir.resolve("bad.gguf");
        Files.write(p, b);
        try (Arena a = Arena.ofConfined()) {
            return assertThrows(ModelFormatException.class, () -> Gguf.read(p, a));
        }
    }

    @Test
    void writerOutputReadsBack() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            Gguf g = Gguf.read(valid(), a);
            assertEquals(3, g.version());
            assertEquals("glm4", g.metadata().get("general.architecture"));
            assertEquals(1L, g.metadata().get("glm4.block_count"));
            assertEquals(0.5f, g.metadata().get("f"));
            assertEquals(List.of("a", "b", "é"), g.metadata().get("tokenizer.ggml.tokens"));
            assertEquals(List.of(1, 1, 3), g.metadata().get("tokenizer.ggml.token_type"));
            Gguf.TensorInfo t = g.tensors().getFirst();
            assertEquals(DType.Q8_0, t.type());
            assertEquals(List.of(3L, 64L), java.util.Arrays.stream(t.shape()).boxed().toList());
            assertEquals(0, g.dataOffset() % 32);
            assertEquals(204, g.data(t).byteSize());
        }
    }

    @Test
    void badMagicVersionAndTruncation() throws IOException {
        byte[] ok = Files.readAllBytes(valid());
        byte[] b = ok.clone();
        b[0] = 'X';
        assertTrue(fails(b).getMessage().contains("not a GGUF file"));
        b = ok.clone();
        b[4] = 1;
        assertTrue(fails(b).getMessage().contains("unsupported GGUF version 1"));
        assertTrue(fails(java.util.Arrays.copyOf(ok, ok.length - 30)).getMessage().contains("runs past the end of the file"));
        assertTrue(fails(java.util.Arrays.copyOf(ok, 60)).getMessage().contains("truncated"));
    }

    @Test
    void hugeCountsAndLengthsAreErrorsNotAllocations() throws IOException {
        byte[] ok = Files.readAllBytes(valid());
        byte[] b = ok.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(16, Long.MAX_VALUE / 2);
        assertTrue(fails(b).getMessage().contains("metadata count"));
        b = ok.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(8, 1L << 40);
        assertTrue(fails(b).getMessage().contains("tensor count"));
        b = ok.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(24, 1L << 50); // first key's length
        assertTrue(fails(b).getMessage().contains("string length"));
    }

    @Test
    void unknownTensorTypeNamesTheTensor() throws IOException {
        byte[] ok = Files.readAllBytes(valid());
        String s = new String(ok, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = s.indexOf("blk.0.ffn_down.weight") + "blk.0.ffn_down.weight".length() + 4 + 16; // after n_dims and ne
        ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN).putInt(at, 10); // Q2_K
        String msg = fails(ok).getMessage();
        assertTrue(msg.contains("blk.0.ffn_down.weight") && msg.contains("Q2_K"), msg);
    }

    @Test
    void unknownArchitectureIsRefused() throws IOException {
        Path p = dir.resolve("llama.gguf");
        new GgufWriter().putString("general.architecture", "llama").write(p);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFolder.open(p));
        assertTrue(e.getMessage().contains("unsupported architecture 'llama'") && e.getMessage().contains(p.toString()), e.getMessage());
    }
}
