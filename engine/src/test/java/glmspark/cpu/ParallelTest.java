package glmspark.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {

    @Test
    void everyIndexRunsExactlyOnceInGrainAlignedChunks() {
        for (int threads : new int[]{1, 2, 3, 4})
            try (Parallel p = new Parallel(threads)) {
                for (int grain : new int[]{1, 7, 64})
                    for (int n : new int[]{1, 63, 64, 65, 1000, 4096, 151552}) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(n);
                        p.run(n, grain, (from, to) -> {
                            assertTrue(from % grain == 0 && from < to && to <= n && (to % grain == 0 || to == n), from + ".." + to);
                            for (int i = from; i < to; i++) hits.incrementAndGet(i);
                        });
                        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n + ", grain " + grain + ", " + threads + " threads");
                    }
            }
    }

    @Test
    void chunksShrinkAsTheRangeRunsOutSoThreadsFinishWithinAGrain() {
        try (Parallel p = new Parallel(2)) {
            List<int[]> chunks = Collections.synchronizedList(new ArrayList<>());
            p.run(151552, 64, (from, to) -> chunks.add(new int[]{from, to}));
            chunks.sort(Comparator.comparingInt(c -> c[0]));
            int units = (151552 + 63) / 64;
            assertEquals(units / 8 * 64, chunks.get(0)[1] - chunks.get(0)[0], "the first chunk: an eighth of the range");
            for (int i = 1; i < chunks.size(); i++)
                assertTrue(chunks.get(i)[1] - chunks.get(i)[0] <= chunks.get(i - 1)[1] - chunks.get(i - 1)[0], "chunk " + i + " is not smaller");
            int[] last = chunks.get(chunks.size() - 1);
            assertEquals(64, last[1] - last[0], "the last chunk: one grain");
            assertTrue(chunks.size() < 100, chunks.size() + " chunks");
        }
    }

    @Test
    void aFailureInAWorkerReachesTheCaller() {
        try (Parallel p = new Parallel(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.run(1000, 1, (from, to) -> {
                if (from <= 500 && 500 < to) throw new IllegalStateException("row 500");
            }));
            assertEquals("row 500", e.getMessage());
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            p.run(10, (from, to) -> { for (int i = from; i < to; i++) hits.incrementAndGet(i); });
            for (int i = 0; i < 10; i++) assertEquals(1, hits.get(i)); // the team still works after a failure
        }
    }
}
