package glmspark.io;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelCacheTest {

    @TempDir
    Path tmp;

    @Test
    void localPathsAreUsedInPlace() throws Exception {
        assertTrue(ModelCache.isLocal("/models/x"));
        assertTrue(ModelCache.isLocal("file:///models/x"));
        assertFalse(ModelCache.isLocal("hdfs://nn:8020/models/x"));
        assertEquals(Path.of("/models/x"), ModelCache.localize("/models/x", new Configuration(), null));
    }

    @Test
    void concurrentExecutorsShareOneVerifiedCopy() throws Exception {
        Path src = tmp.resolve("model");
        Files.createDirectories(src);
        byte[] weights = new byte[3_000_000];
        new java.util.Random(1).nextBytes(weights);
        Files.write(src.resolve("model.safetensors"), weights);
        Files.writeString(src.resolve("config.json"), "{\"a\":1}");
        Path cache = tmp.resolve("cache");

        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Path>> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Callable<Path> c = () -> ModelCache.localize("file://" + src, new Configuration(), cache.toString(), true);
            got.add(pool.submit(c));
        }
        Set<Path> dirs = new HashSet<>();
        for (Future<Path> f : got) dirs.add(f.get());
        pool.shutdown();
        assertEquals(1, dirs.size());
        Path dir = dirs.iterator().next();
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.safetensors")));
        assertTrue(Files.exists(dir.resolve(ModelCache.COMPLETE)));
        try (var s = Files.list(cache)) {
            assertEquals(1, s.count(), "temp folders are removed");
        }

        // A damaged copy (wrong size) is not trusted: the next call copies again.
        Files.write(dir.resolve("model.safetensors"), new byte[10]);
        Files.delete(dir.resolve(ModelCache.COMPLETE));
        Path again = ModelCache.localize("file://" + src, new Configuration(), cache.toString(), true);
        assertArrayEquals(weights, Files.readAllBytes(again.resolve("model.safetensors")));
    }
}
