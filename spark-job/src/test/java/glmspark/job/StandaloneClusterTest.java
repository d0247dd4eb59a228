package glmspark.job;

import glmspark.io.ProgressStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A standalone cluster from the Spark jars on 127.0.0.1 (a master and two workers, each a separate JVM) runs the
 * job with the fake generator; one executor is killed mid-run. The job must still finish with every row exactly
 * once, the lost executor's finished samples not generated again, and the rows equal a local-mode run's. Needs its own JVM (no local session):
 * {@code mvn -pl spark-job test -Dgroups=cluster -Dglmspark.excludedGroups=none}.
 */
@Tag("cluster")
class StandaloneClusterTest {

    static final List<Process> DAEMONS = new ArrayList<>();
    static String masterUrl;
    static Path sparkHome;

    @TempDir
    Path tmp;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Process daemon(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path")));
        cmd.addAll(List.of(System.getProperty("glmspark.jvm.args", "").split(" ")).stream().filter(x -> !x.isBlank()).toList());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(sparkHome.resolve("daemon-" + DAEMONS.size() + ".log").toFile());
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_TESTING", "1");            // no SPARK_HOME/jars needed to build executor commands
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        DAEMONS.add(p);
        return p;
    }

    @BeforeAll
    static void startCluster() throws Exception {
        sparkHome = Files.createTempDirectory("glm-spark-home");
        int port = freePort();
        masterUrl = "spark://127.0.0.1:" + port;
        daemon("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", Integer.toString(port), "--webui-port", "0");
        Thread.sleep(3000);
        for (int i = 0; i < 2; i++) {
            daemon("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
                    "--webui-port", "0", "--work-dir", sparkHome.resolve("work" + i).toString(), masterUrl);
        }
        Thread.sleep(3000);
    }

    @AfterAll
    static void stopCluster() {
        for (Process p : DAEMONS) p.descendants().forEach(ProcessHandle::destroyForcibly);
        for (Process p : DAEMONS) p.destroyForcibly();
    }

    @Test
    void aKilledExecutorLosesNoFinishedSamplesAndNoRow() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 24; i++) lines.add("{\"id\":\"q" + i + "\",\"question\":\"question " + i + "\",\"answer\":\"" + (9 + String.valueOf(i).length()) + "\"}");
        Path data = tmp.resolve("q.jsonl");
        Files.write(data, lines);
        String model = Path.of(getClass().getResource("/glm4-tiny/config.json").toURI()).getParent().toString();
        JobConfig cfg = ConfigLoader.fromArgs("--model", model, "--dataset", data.toString(), "--output", tmp.resolve("out").toString(),
                "--conf", "passes.0.name=greedy", "--conf", "passes.0.do_sample=false",
                "--conf", "passes.1.name=sampled", "--conf", "passes.1.n=2", "--conf", "passes.1.do_sample=true",
                "--conf", "partitions=4", "--conf", "progress_rows=2", "--conf", "generator=glmspark.exec.FakeRowGenerator$Factory");
        int total = 24 * 3;

        SparkSession spark = SparkSession.builder().master(masterUrl).appName("glm-spark-cluster-test")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.executor.memory", "768m")
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executor.extraJavaOptions", System.getProperty("glmspark.jvm.args", "") + " -Dglmspark.fake.delayMillis=150")
                .config("spark.task.maxFailures", "4")
                .getOrCreate();
        try {
            CompletableFuture<GlmSparkJob.Summary> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return GlmSparkJob.run(spark, cfg);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            FileSystem fs = ProgressStore.fs(tmp.resolve("out").toString(), new Configuration());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (ProgressStore.list(fs, ProgressStore.dir(tmp.resolve("out").toString())).stream().mapToInt(ProgressStore.FileInfo::rows).sum() < 6) {
                assertTrue(System.nanoTime() < deadline, "no progress within 180 s; see " + sparkHome + "/daemon-*.log");
                Thread.sleep(100);
            }
            // A worker's only child processes are its executors.
            Optional<ProcessHandle> executor = DAEMONS.get(1).children().findFirst().or(() -> DAEMONS.get(2).children().findFirst());
            assertTrue(executor.isPresent(), "a worker runs an executor");
            executor.get().destroyForcibly();

            GlmSparkJob.Summary s = run.get(300, TimeUnit.SECONDS);
            List<Row> rows = spark.read().parquet(tmp.resolve("out/results").toString()).collectAsList();
            assertEquals(total, rows.size());
            Set<String> keys = new HashSet<>();
            for (Row r : rows) {
                assertTrue(keys.add(r.getAs("pass") + "/" + r.getAs("id") + "/" + r.getAs("sample_index")));
                assertEquals((Object) null, r.getAs("error"));
            }
            assertEquals(0, s.scores().get("errors").asLong());
            // A retried attempt (attempt number > 0) wrote files, and the rows saved before the kill were kept.
            List<ProgressStore.FileInfo> files = ProgressStore.list(fs, ProgressStore.dir(tmp.resolve("out").toString()));
            assertTrue(files.stream().anyMatch(f -> f.attempt() > 0), "some task was retried");
            int written = files.stream().mapToInt(ProgressStore.FileInfo::rows).sum();
            assertEquals(total, written, "no sample was written twice: finished samples were not regenerated");
        } finally {
            spark.stop();
        }

        // The same job in local mode gives the same rows.
        SparkSession local = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            JobConfig localCfg = ConfigLoader.fromArgs("--model", model, "--dataset", data.toString(), "--output", tmp.resolve("local").toString(),
                    "--conf", "passes.0.name=greedy", "--conf", "passes.0.do_sample=false",
                    "--conf", "passes.1.name=sampled", "--conf", "passes.1.n=2", "--conf", "passes.1.do_sample=true",
                    "--conf", "partitions=4", "--conf", "progress_rows=2", "--conf", "generator=glmspark.exec.FakeRowGenerator$Factory");
            GlmSparkJob.run(local, localCfg);
            assertEquals(rowsWithoutRunInfo(local, tmp.resolve("local/results")), rowsWithoutRunInfo(local, tmp.resolve("out/results")));
        } finally {
            local.stop();
        }
    }

    private static List<String> rowsWithoutRunInfo(SparkSession spark, Path results) {
        List<String> rows = new ArrayList<>();
        for (Row r : spark.read().parquet(results.toString()).drop("run_id", "latency_ms")
                .orderBy("pass", "dataset", "id", "sample_index").collectAsList()) rows.add(r.toString());
        return rows;
    }
}
