package glmspark.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streamed tensors: made while writing, checked against their declared size, no partial file on failure. */
class GgufWriterTest {

    @TempDir
    Path dir;

    @Test
    void streamedTensorOfTheWrongSizeFailsAndLeavesNoFile() {
        Path out = dir.resolve("a.gguf");
        GgufWriter w = new GgufWriter().putString("general.architecture", "glm4")
                .addTensor("t", new long[]{32, 2}, DType.Q8_0, arena -> arena.allocate(34)); // needs 68 bytes
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.write(out));
        assertTrue(e.getMessage().contains("tensor 't': 34 bytes for Q8_0 dims [32, 2] (expected 68)"), e.getMessage());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("a.gguf.tmp")));
    }

    @Test
    void streamedTensorsAreWrittenInOrderAtAlignedOffsets() throws Exception {
        Path out = dir.resolve("b.gguf");
        new GgufWriter().putString("general.architecture", "glm4")
                .addTensor("a", new long[]{3}, DType.F32, arena -> arena.allocate(12).fill((byte) 1))
                .addTensor("b", new long[]{32}, DType.Q8_0, arena -> arena.allocate(34).fill((byte) 2))
                .write(out);
        try (Arena arena = Arena.ofConfined()) {
            Gguf g = Gguf.read(out, arena);
            assertEquals(0, g.tensors().get(0).offset());
            assertEquals(32, g.tensors().get(1).offset());
            assertEquals(2, g.data(g.tensors().get(1)).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 33));
            assertEquals(1, g.data(g.tensors().get(0)).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 11));
        }
    }
}
