package glmspark.job;

import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Runs the job on Spark's local-cluster mode with GPU resource scheduling and a fake GPU: the worker's discovery
 * script reports one GPU at address {@code 3}, each executor asks for one GPU and each task for half of it (two
 * tasks per executor share it), the way a real one-GPU-per-executor cluster is configured (docs/gpu.md).
 * Local mode cannot show this: its scheduler offers tasks no resources. Needs a JVM of its own (one SparkContext
 * per JVM), so {@link GpuAssignmentTest} starts it as a child process:
 * {@code GpuLocalCluster WORKDIR MODEL DATA OUTPUT}.
 */
public final class GpuLocalCluster {

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        Path script = work.resolve("fake-gpu-discovery.sh");
        Files.writeString(script, "#!/bin/sh\necho '{\"name\":\"gpu\",\"addresses\":[\"3\"]}'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));

        JobConfig cfg = ConfigLoader.fromArgs("--model", args[1], "--dataset", args[2], "--output", args[3],
                "--conf", "backend=cpu", "--conf", "partitions=4", "--conf", "n=2",
                "--conf", "generator=glmspark.exec.DeviceEchoGenerator$Factory");
        SparkSession spark = SparkSession.builder().master("local-cluster[1,2,1024]").appName("glm-spark-gpu-test")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.worker.resource.gpu.amount", "1")
                .config("spark.worker.resource.gpu.discoveryScript", script.toString())
                .config("spark.executor.resource.gpu.amount", "1")
                .config("spark.task.resource.gpu.amount", "0.5")
                .config("spark.executor.cores", "2")
                .config("spark.executor.memory", "768m")
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executor.extraJavaOptions", System.getProperty("glmspark.jvm.args", ""))
                .getOrCreate();
        try {
            GlmSparkJob.run(spark, cfg);
        } finally {
            spark.stop();
        }
    }
}
