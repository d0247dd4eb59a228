package glmspark.job;

import glmspark.io.ProgressStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver process is killed (SIGKILL) mid-run and the same command is started again: the samples finished
 * before the kill are not generated again, and the final results equal an uninterrupted run's, row for row.
 * The driver runs in its own JVM (local[2]), so the test is tagged with the cluster tests.
 */
@Tag("cluster")
class DriverKillResumeTest {

    @TempDir
    Path tmp;

    private Process driver(Path out, Path data, Path log) throws Exception {
        String model = Path.of(getClass().getResource("/glm4-tiny/config.json").toURI()).getParent().toString();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-cp", System.getProperty("java.class.path"), "-Dglmspark.fake.delayMillis=100"));
        cmd.addAll(List.of(System.getProperty("glmspark.jvm.args", "").split(" ")).stream().filter(x -> !x.isBlank()).toList());
        cmd.addAll(List.of(GlmSparkJob.class.getName(), "--model", model, "--dataset", data.toString(), "--output", out.toString(),
                "--master", "local[2]", "--conf", "passes.0.name=greedy", "--conf", "passes.0.do_sample=false",
                "--conf", "passes.1.name=sampled", "--conf", "passes.1.n=2", "--conf", "passes.1.do_sample=true",
                "--conf", "partitions=4", "--conf", "progress_rows=2", "--conf", "generator=glmspark.exec.FakeRowGenerator$Factory"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }

    private static int writtenRows(Path out) throws Exception {
        FileSystem fs = ProgressStore.fs(out.toString(), new Configuration());
        return ProgressStore.list(fs, ProgressStore.dir(out.toString())).stream().mapToInt(ProgressStore.FileInfo::rows).sum();
    }

    private static Map<String, String> rows(SparkSession spark, Path out) {
        Map<String, String> m = new TreeMap<>();
        for (Row r : spark.read().parquet(out.resolve("results").toString()).drop("run_id", "latency_ms").collectAsList()) {
            String key = r.getAs("pass") + "/" + r.getAs("id") + "/" + r.getAs("sample_index");
            assertEquals(null, m.put(key, r.toString()), "duplicate row " + key);
        }
        return m;
    }

    @Test
    void aKilledDriverResumesWithoutRegeneratingFinishedSamples() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 24; i++) lines.add("{\"id\":\"q" + i + "\",\"question\":\"question " + i + "\",\"answer\":\"" + (9 + String.valueOf(i).length()) + "\"}");
        Path data = tmp.resolve("q.jsonl");
        Files.write(data, lines);
        int total = 24 * 3;

        Path out = tmp.resolve("resumed");
        Process first = driver(out, data, tmp.resolve("first.log"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (writtenRows(out) < 8) {
            assertTrue(first.isAlive(), "the first driver ended before it could be killed; see " + tmp.resolve("first.log"));
            assertTrue(System.nanoTime() < deadline, "no progress within 240 s; see " + tmp.resolve("first.log"));
            Thread.sleep(100);
        }
        first.descendants().forEach(ProcessHandle::destroyForcibly);
        first.destroyForcibly();
        first.waitFor(30, TimeUnit.SECONDS);
        int beforeKill = writtenRows(out);
        assertTrue(beforeKill > 0 && beforeKill < total, "killed midway: " + beforeKill + " of " + total);

        Process second = driver(out, data, tmp.resolve("second.log"));
        assertTrue(second.waitFor(300, TimeUnit.SECONDS), "the resumed driver did not finish");
        assertEquals(0, second.exitValue(), "resumed driver failed; see " + tmp.resolve("second.log"));
        String log = Files.readString(tmp.resolve("second.log"));
        assertTrue(log.contains(beforeKill + " already finished"), "the resumed run counts the finished samples: " + beforeKill);
        assertEquals(total, writtenRows(out), "no finished sample was generated twice");

        Path clean = tmp.resolve("uninterrupted");
        Process third = driver(clean, data, tmp.resolve("third.log"));
        assertTrue(third.waitFor(300, TimeUnit.SECONDS), "the uninterrupted driver did not finish");
        assertEquals(0, third.exitValue(), "uninterrupted driver failed; see " + tmp.resolve("third.log"));

        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            Map<String, String> resumed = rows(spark, out), uninterrupted = rows(spark, clean);
            assertEquals(total, resumed.size());
            assertEquals(uninterrupted, resumed);
        } finally {
            spark.stop();
        }
    }
}
