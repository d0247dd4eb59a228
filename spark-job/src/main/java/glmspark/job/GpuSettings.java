package glmspark.job;

import org.apache.spark.SparkConf;

import java.util.ArrayList;
import java.util.List;

/**
 * Driver-side check of the Spark GPU settings against the job's backend (docs/gpu.md). Each executor JVM opens one
 * engine bound to one GPU, so the useful shape is one GPU per executor, its tasks sharing it. Mismatches are
 * warnings, not errors: the job still runs, just not on the GPUs the user meant.
 */
public final class GpuSettings {

    public static final String EXECUTOR_AMOUNT = "spark.executor.resource.gpu.amount";
    public static final String TASK_AMOUNT = "spark.task.resource.gpu.amount";

    private GpuSettings() {
    }

    /** What is wrong with these settings for this backend; empty when nothing is. */
    public static List<String> warnings(SparkConf conf, String backend) {
        List<String> out = new ArrayList<>();
        double executorGpus = amount(conf, EXECUTOR_AMOUNT);
        double taskGpus = amount(conf, TASK_AMOUNT);
        boolean local = conf.get("spark.master", "local").startsWith("local");
        if (backend.equals("cpu") && (executorGpus > 0 || taskGpus > 0)) {
            out.add("backend is cpu but Spark assigns GPUs (" + EXECUTOR_AMOUNT + "=" + fmt(executorGpus) + "): the engine "
                    + "will not use them; set backend: cuda (or auto)");
        }
        if (executorGpus > 1) {
            out.add(EXECUTOR_AMOUNT + "=" + fmt(executorGpus) + ": each executor JVM runs one engine on one GPU, so "
                    + fmt(executorGpus - 1) + " of its GPUs stay idle; give each executor 1 GPU and run more executors per node");
        }
        if (executorGpus > 0 && taskGpus <= 0) {
            out.add(EXECUTOR_AMOUNT + " is set but " + TASK_AMOUNT + " is not: tasks are not placed by GPU; set it to "
                    + "1/(tasks per executor), e.g. 1/spark.executor.cores");
        }
        if (backend.equals("cuda") && executorGpus <= 0 && !local) {
            out.add("backend is cuda but no " + EXECUTOR_AMOUNT + " is set: every executor opens the first visible GPU, so "
                    + "executors sharing a node share its GPU 0; set " + EXECUTOR_AMOUNT + "=1 and a discovery script (conf/gpu-discovery.sh)");
        }
        return out;
    }

    private static double amount(SparkConf conf, String key) {
        String v = conf.get(key, "0").trim();
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("spark conf " + key + " must be a number, got '" + v + "'");
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
