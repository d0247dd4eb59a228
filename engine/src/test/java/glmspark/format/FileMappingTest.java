package glmspark.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Mapped model files: released pages read back from the file, other memory is never touched, closing unmaps. */
class FileMappingTest {

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + 7);
        return b;
    }

    @Test
    void releasedPagesOfAMappedFileReadBackFromTheFile(@TempDir Path dir) throws IOException {
        byte[] data = pattern(5 * 4096 + 123);
        Path f = Files.write(dir.resolve("w.bin"), data);
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            MemorySegment all = FileMapping.readOnly(ch, data.length, arena);
            assertArrayEquals(data, all.toArray(ValueLayout.JAVA_BYTE));
            FileMapping.releasePages(all.asSlice(100, 4 * 4096));
            FileMapping.releasePages(all);
            assertArrayEquals(data, all.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void memoryThatIsNotAFileMappingIsLeftAlone() {
        byte[] data = pattern(8 * 4096);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(data.length, 4096);
            MemorySegment.copy(data, 0, m, ValueLayout.JAVA_BYTE, 0, data.length);
            FileMapping.releasePages(m); // madvise DONTNEED here would zero these pages
            assertArrayEquals(data, m.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void aClosedMappingCannotBeRead(@TempDir Path dir) throws IOException {
        Path f = Files.write(dir.resolve("w.bin"), pattern(4096));
        MemorySegment all;
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            all = FileMapping.readOnly(ch, 4096, arena);
        }
        assertFalse(all.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> all.get(ValueLayout.JAVA_BYTE, 0));
        FileMapping.releasePages(all); // unregistered on close: a no-op, not a madvise on unmapped memory
    }
}
