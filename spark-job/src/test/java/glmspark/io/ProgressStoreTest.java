package glmspark.io;

import glmspark.exec.SampleResult;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressStoreTest {

    @TempDir
    java.nio.file.Path tmp;

    @Test
    void writesAtomicallyAndReadsBackEveryField() throws Exception {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        Path dir = new Path(tmp.toString());
        SampleResult ok = new SampleResult("greedy", "aime", "x-1", 2, -7L, "<|user|>\nhé 😀", new int[]{1, 2, 300000},
                "think", "\\boxed{3}", true, "stop", 3, 10, 4, 1234L, null);
        SampleResult bad = new SampleResult("greedy", "aime", "x-2", 0, 5L, null, null, null, null, false, null,
                0, 0, 0, 0L, "IllegalArgumentException: too long");
        Path p = ProgressStore.write(fs, dir, "s1", 3, 1, 0, List.of(ok, bad));

        ProgressStore.FileInfo fi = ProgressStore.parse(p);
        assertEquals(2, fi.rows());
        assertEquals(14, fi.tokens());
        assertEquals(3, fi.partition());
        assertEquals(1, fi.attempt());
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temp file left");
        }

        List<SampleResult> back = ProgressStore.read(fs, p);
        assertEquals(2, back.size());
        SampleResult r = back.get(0);
        assertEquals(ok.renderedPrompt(), r.renderedPrompt());
        assertArrayEquals(ok.promptTokenIds(), r.promptTokenIds());
        assertEquals(ok.seed(), r.seed());
        assertEquals(ok.answer(), r.answer());
        assertEquals(ok.latencyMs(), r.latencyMs());
        assertTrue(r.reasoningClosed());
        assertNull(back.get(1).promptTokenIds());
        assertEquals(bad.error(), back.get(1).error());
        // Only error-free samples count as finished.
        assertEquals(Set.of(ok.key()), ProgressStore.finishedKeys(fs, dir));
    }

    @Test
    void hiddenTempFilesAreNotProgress() throws Exception {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        Files.writeString(tmp.resolve(".s1-p00000-a0-00000-r1-t1.arrow.abc.tmp"), "partial");
        assertTrue(ProgressStore.list(fs, new Path(tmp.toString())).isEmpty());
    }
}
