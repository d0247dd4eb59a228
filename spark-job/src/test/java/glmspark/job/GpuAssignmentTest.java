package glmspark.job;

import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GPU address Spark's resource scheduler assigns an executor reaches the engine options its JVM opens the
 * engine with: a local-cluster run (a child JVM, {@link GpuLocalCluster}) with a fake GPU at address 3, backend
 * cpu (no CUDA needed), and a generator that answers with the options the real factory would use. Tagged
 * "cluster" (a separate JVM with a local cluster takes a minute or more): .ci/run runs it.
 */
@Tag("cluster")
class GpuAssignmentTest {

    @TempDir
    Path tmp;

    @Test
    void theAssignedGpuAddressReachesTheEngineOptions() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 8; i++) lines.add("{\"id\":\"q" + i + "\",\"question\":\"question " + i + "\",\"answer\":\"1\"}");
        Path data = tmp.resolve("q.jsonl");
        Files.write(data, lines);
        String model = Path.of(getClass().getResource("/glm4-tiny/config.json").toURI()).getParent().toString();
        Path out = tmp.resolve("out");
        Path home = Files.createDirectories(tmp.resolve("spark-home"));

        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-cp", System.getProperty("java.class.path")));
        String jvmArgs = System.getProperty("glmspark.jvm.args", "");
        for (String a : jvmArgs.split(" ")) if (!a.isBlank()) cmd.add(a);
        // spark.testing: executors' launch command needs no SPARK_HOME/jars; spark.test.home: the workers' home.
        cmd.addAll(List.of("-Dglmspark.jvm.args=" + jvmArgs, "-Dspark.testing=1", "-Dspark.test.home=" + home,
                GpuLocalCluster.class.getName(), tmp.toString(), model, data.toString(), out.toString()));
        Path log = tmp.resolve("child.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        Process p = pb.start();
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String tail = tail(log);
        assertEquals(0, p.exitValue(), "local-cluster run failed:\n" + tail);

        List<Row> rows = SharedSpark.get().read().parquet(out.resolve("results").toString()).collectAsList();
        assertEquals(16, rows.size());
        Set<String> answers = new HashSet<>();
        for (Row r : rows) {
            assertEquals((Object) null, r.getAs("error"));
            answers.add(r.getAs("answer"));
        }
        // One executor, one engine, bound to the fake GPU's address; the backend stays what the job configured.
        assertEquals(Set.of("device=3 backend=cpu opens=1"), answers);
    }

    private static String tail(Path log) throws Exception {
        List<String> all = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return String.join("\n", all.subList(Math.max(0, all.size() - 60), all.size()));
    }
}
