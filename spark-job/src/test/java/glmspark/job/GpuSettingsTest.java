package glmspark.job;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The driver's warnings about GPU settings that do not fit one engine on one GPU per executor. */
class GpuSettingsTest {

    private static SparkConf conf(String master, String... kv) {
        SparkConf c = new SparkConf(false).set("spark.master", master);
        for (int i = 0; i < kv.length; i += 2) c.set(kv[i], kv[i + 1]);
        return c;
    }

    @Test
    void oneGpuPerExecutorSharedByItsTasksIsFine() {
        SparkConf c = conf("yarn", GpuSettings.EXECUTOR_AMOUNT, "1", GpuSettings.TASK_AMOUNT, "0.125");
        assertEquals(List.of(), GpuSettings.warnings(c, "cuda"));
        assertEquals(List.of(), GpuSettings.warnings(c, "auto"));
        assertEquals(List.of(), GpuSettings.warnings(conf("local[4]"), "cuda"), "local mode: the first GPU, nothing to schedule");
        assertEquals(List.of(), GpuSettings.warnings(conf("yarn"), "cpu"));
    }

    @Test
    void mismatchesAreNamed() {
        List<String> cpu = GpuSettings.warnings(conf("yarn", GpuSettings.EXECUTOR_AMOUNT, "1", GpuSettings.TASK_AMOUNT, "1"), "cpu");
        assertEquals(1, cpu.size());
        assertTrue(cpu.getFirst().startsWith("backend is cpu"), cpu.toString());

        List<String> four = GpuSettings.warnings(conf("spark://m:7077", GpuSettings.EXECUTOR_AMOUNT, "4", GpuSettings.TASK_AMOUNT, "1"), "auto");
        assertEquals(1, four.size());
        assertTrue(four.getFirst().contains("3 of its GPUs stay idle"), four.toString());

        List<String> noTask = GpuSettings.warnings(conf("yarn", GpuSettings.EXECUTOR_AMOUNT, "1"), "cuda");
        assertEquals(1, noTask.size());
        assertTrue(noTask.getFirst().contains(GpuSettings.TASK_AMOUNT + " is not"), noTask.toString());

        List<String> none = GpuSettings.warnings(conf("k8s://https://api:6443"), "cuda");
        assertEquals(1, none.size());
        assertTrue(none.getFirst().contains("share its GPU 0"), none.toString());
    }

    @Test
    void theShippedGpuConfigurationDrawsNoWarning() throws Exception {
        JobConfig cfg = ConfigLoader.fromArgs(Path.of("..", "conf", "glm-z1-9b-gpu.yaml").toAbsolutePath().normalize().toString());
        SparkConf c = conf("yarn");
        cfg.spark.forEach(c::set);
        assertEquals(List.of(), GpuSettings.warnings(c, cfg.backend));
        double perTask = Double.parseDouble(cfg.spark.get(GpuSettings.TASK_AMOUNT));
        assertEquals(Integer.parseInt(cfg.spark.get("spark.executor.cores")), (int) Math.round(1 / perTask),
                "one task per executor core shares the GPU");
    }

    @Test
    void aNonNumericAmountIsAnErrorNamingTheKey() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> GpuSettings.warnings(conf("yarn", GpuSettings.EXECUTOR_AMOUNT, "one"), "cuda"));
        assertTrue(e.getMessage().contains(GpuSettings.EXECUTOR_AMOUNT), e.getMessage());
    }
}
