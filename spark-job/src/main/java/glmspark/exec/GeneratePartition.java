package glmspark.exec;

import glmspark.io.ModelCache;
import glmspark.io.ProgressStore;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.VoidFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The executor side: submits every prompt of the partition to the JVM's shared generator at once (so the
 * engine's scheduler batches them with other tasks' prompts), then writes finished samples to progress files as
 * they arrive. A prompt's failure becomes its samples' error rows; only a failure of the task itself (the
 * generator cannot open, the progress folder cannot be written) fails the task, and its retry skips every
 * sample an earlier attempt already wrote.
 */
public final class GeneratePartition implements VoidFunction<Iterator<GenTask>> {

    private static final Logger LOG = LoggerFactory.getLogger(GeneratePartition.class);

    private final String generatorClass;
    private final GeneratorSpec spec;
    private final Map<String, PassSettings> passes;
    private final String output;
    private final String segment;
    private final int flushRows;
    private final long flushNanos;

    public GeneratePartition(String generatorClass, GeneratorSpec spec, Map<String, PassSettings> passes,
                             String output, String segment, int flushRows, int flushSeconds) {
        this.generatorClass = generatorClass;
        this.spec = spec;
        this.passes = Map.copyOf(passes);
        this.output = output;
        this.segment = segment;
        this.flushRows = flushRows;
        this.flushNanos = TimeUnit.SECONDS.toNanos(flushSeconds);
    }

    @Override
    public void call(Iterator<GenTask> tasks) throws Exception {
        TaskContext tc = TaskContext.get();
        int partition = tc == null ? 0 : tc.partitionId();
        int attempt = tc == null ? 0 : tc.attemptNumber();
        FileSystem fs = ProgressStore.fs(output, ModelCache.hadoopConf());
        Path dir = ProgressStore.dir(output);
        fs.mkdirs(dir);

        // Samples an earlier attempt of this partition already wrote (retry after a failure or a lost executor).
        List<ProgressStore.FileInfo> earlier = new ArrayList<>();
        int seq = 0;
        for (ProgressStore.FileInfo f : ProgressStore.list(fs, dir)) {
            if (f.segment().equals(segment) && f.partition() == partition) {
                earlier.add(f);
                if (f.attempt() == attempt) seq = Math.max(seq, f.seq() + 1);
            }
        }
        Set<String> done = ProgressStore.finishedKeys(fs, earlier);

        List<GenTask> todo = new ArrayList<>();
        while (tasks.hasNext()) {
            GenTask t = tasks.next();
            List<Integer> left = new ArrayList<>();
            for (int s : t.samples()) if (!done.contains(SampleResult.key(t.pass(), t.dataset(), t.id(), s))) left.add(s);
            if (!left.isEmpty()) todo.add(new GenTask(t.pass(), t.dataset(), t.id(), t.messages(), t.seed(), left));
        }
        if (todo.isEmpty()) return;

        // The engine binds the GPU Spark assigned this task (spark.task.resource.gpu.amount); -1 when none.
        RowGenerator generator = EngineHolder.get(generatorClass, spec, TaskGpu.device(tc));
        LinkedBlockingQueue<SampleResult> finished = new LinkedBlockingQueue<>();
        int expected = 0;
        List<java.util.concurrent.CompletableFuture<?>> futures = new ArrayList<>();
        for (GenTask t : todo) {
            expected += t.samples().size();
            futures.add(submit(generator, t, finished));
        }

        List<SampleResult> buffer = new ArrayList<>();
        long lastFlush = System.nanoTime();
        int received = 0;
        while (received < expected) {
            SampleResult r = finished.poll(200, TimeUnit.MILLISECONDS);
            if (r != null) {
                buffer.add(r);
                received++;
            }
            if (tc != null && tc.isInterrupted()) {
                flush(fs, dir, partition, attempt, seq, buffer);
                // Tell the generator these requests are abandoned (an engine that checks its futures can drop them).
                for (var f : futures) f.cancel(false);
                throw new InterruptedException("task killed; " + received + " of " + expected + " samples saved");
            }
            if (buffer.size() >= flushRows || (!buffer.isEmpty() && System.nanoTime() - lastFlush > flushNanos)) {
                if (flush(fs, dir, partition, attempt, seq, buffer)) seq++;
                lastFlush = System.nanoTime();
            }
        }
        flush(fs, dir, partition, attempt, seq, buffer);
    }

    private java.util.concurrent.CompletableFuture<?> submit(RowGenerator generator, GenTask t, LinkedBlockingQueue<SampleResult> finished) {
        // Each sample is reported once: by onEach, or at completion if onEach missed it, or as an error.
        Set<Integer> reported = ConcurrentHashMap.newKeySet();
        PassSettings pass = passes.get(t.pass());
        try {
            var future = generator.submit(t, pass, r -> {
                if (t.samples().contains(r.sampleIndex()) && reported.add(r.sampleIndex())) finished.add(r);
            });
            future.whenComplete((list, ex) -> {
                if (ex == null) {
                    for (SampleResult r : list) {
                        if (t.samples().contains(r.sampleIndex()) && reported.add(r.sampleIndex())) finished.add(r);
                    }
                    ex = new IllegalStateException("generator returned no result for this sample");
                } else {
                    LOG.warn("row {}/{}/{} failed: {}", t.pass(), t.dataset(), t.id(), ex.toString());
                }
                for (int s : t.samples()) if (reported.add(s)) finished.add(SampleResult.failed(t, s, ex));
            });
            return future;
        } catch (RuntimeException e) {
            LOG.warn("row {}/{}/{} failed: {}", t.pass(), t.dataset(), t.id(), e.toString());
            for (int s : t.samples()) if (reported.add(s)) finished.add(SampleResult.failed(t, s, e));
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
    }

    private boolean flush(FileSystem fs, Path dir, int partition, int attempt, int seq, List<SampleResult> buffer) throws IOException {
        if (buffer.isEmpty()) return false;
        ProgressStore.write(fs, dir, segment, partition, attempt, seq, buffer);
        buffer.clear();
        return true;
    }
}
