package glmspark.job;

import glmspark.io.ProgressStore;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Driver-side progress at a steady cadence, read from the progress folder: each file's name carries its row and
 * token counts, so one listing gives completed samples, generated tokens/s and an ETA, whatever the cluster
 * (accumulators only reach the driver when a task ends, which for long generation tasks is too late).
 */
public final class ProgressReporter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "glm-progress");
        t.setDaemon(true);
        return t;
    });

    public ProgressReporter(FileSystem fs, Path dir, String segment, long alreadyDone, long total, int everySeconds) {
        long start = System.nanoTime();
        timer.scheduleAtFixedRate(() -> {
            try {
                long rows = 0, tokens = 0;
                for (ProgressStore.FileInfo f : ProgressStore.list(fs, dir)) {
                    if (!f.segment().equals(segment)) continue;
                    rows += f.rows();
                    tokens += f.tokens();
                }
                double secs = (System.nanoTime() - start) / 1e9;
                long done = alreadyDone + rows;
                long left = Math.max(0, total - done);
                String eta = rows == 0 ? "?" : formatSeconds(left * secs / rows);
                LOG.info(String.format("progress: %d/%d samples (%.1f%%), %d generated tokens, %.1f tok/s, elapsed %s, ETA %s",
                        done, total, total == 0 ? 100.0 : 100.0 * done / total, tokens, tokens / Math.max(secs, 1e-9),
                        formatSeconds(secs), eta));
            } catch (Exception e) {
                LOG.debug("progress listing failed: {}", e.toString());
            }
        }, everySeconds, everySeconds, TimeUnit.SECONDS);
    }

    static String formatSeconds(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%dh%02dm", t / 3600, (t % 3600) / 60) : String.format("%dm%02ds", t / 60, t % 60);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
