package glmspark.exec;

import glmspark.io.ProgressStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The partition function outside Spark (no TaskContext: partition 0, attempt 0). */
class GeneratePartitionTest {

    @TempDir
    Path tmp;

    @AfterEach
    void close() {
        EngineHolder.clear();
    }

    private static List<GenTask> tasks(int count, int n) {
        List<GenTask> out = new ArrayList<>();
        List<Integer> samples = new ArrayList<>();
        for (int s = 0; s < n; s++) samples.add(s);
        for (int i = 0; i < count; i++) {
            out.add(new GenTask("p", "d", "r" + i, List.of(FakeRowGenerator.user("q" + i)), Seeds.rowSeed(1, "d", "r" + i), samples));
        }
        return out;
    }

    private GeneratePartition fn(String out, String segment) {
        PassSettings pass = new PassSettings("p", 3, 16, 1, true, 0.7, 0, 1.0, 0.0, 1.0, List.of());
        GeneratorSpec spec = new GeneratorSpec("unused", "cpu", 1, 0, 0, false, null, 0);
        return new GeneratePartition(FakeRowGenerator.Factory.class.getName(), spec, Map.of("p", pass), out, segment, 4, 30);
    }

    @Test
    void everySampleIsCheckpointedOnceInBatches() throws Exception {
        String out = tmp.toString();
        fn(out, "seg").call(tasks(5, 3).iterator());
        FileSystem fs = ProgressStore.fs(out, new Configuration());
        List<ProgressStore.FileInfo> files = ProgressStore.list(fs, ProgressStore.dir(out));
        assertEquals(15, files.stream().mapToInt(ProgressStore.FileInfo::rows).sum());
        assertTrue(files.stream().allMatch(f -> f.rows() <= 4), "batches of at most progress_rows");
        Set<String> keys = new HashSet<>();
        for (ProgressStore.FileInfo f : files) for (SampleResult r : ProgressStore.read(fs, f.path())) assertTrue(keys.add(r.key()));
        assertEquals(15, keys.size());
    }

    @Test
    void aRetriedAttemptSkipsWhatAnEarlierAttemptWrote() throws Exception {
        String out = tmp.toString();
        FileSystem fs = ProgressStore.fs(out, new Configuration());
        // An earlier attempt of partition 0 finished r0 (3 samples) and r1 sample 0, then died.
        List<SampleResult> earlier = new ArrayList<>();
        List<GenTask> all = tasks(4, 3);
        for (int s = 0; s < 3; s++) earlier.add(fake(all.get(0), s));
        earlier.add(fake(all.get(1), 0));
        ProgressStore.write(fs, ProgressStore.dir(out), "seg", 0, 7, 0, earlier);

        int before = FakeRowGenerator.SAMPLES.get();
        fn(out, "seg").call(all.iterator());
        assertEquals(12 - 4, FakeRowGenerator.SAMPLES.get() - before);
        assertEquals(12, ProgressStore.finishedKeys(fs, ProgressStore.dir(out)).size());

        // Another segment's files (an unrelated run) are not this partition's history.
        before = FakeRowGenerator.SAMPLES.get();
        fn(out, "other").call(tasks(1, 3).iterator());
        assertEquals(3, FakeRowGenerator.SAMPLES.get() - before);
    }

    private static SampleResult fake(GenTask t, int s) {
        return new SampleResult(t.pass(), t.dataset(), t.id(), s, Seeds.fromRow(t.seed(), s), "x", new int[]{1}, "r", "a",
                true, "stop", 1, 1, 1, 1, null);
    }
}
