package glmspark.exec;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The GPU Spark's resource scheduler assigned to the running task ({@code spark.task.resource.gpu.amount}), as a
 * CUDA device ordinal. The addresses come from the discovery script (conf/gpu-discovery.sh prints CUDA ordinals).
 */
public final class TaskGpu {

    /** Spark's resource name for GPUs. */
    public static final String RESOURCE = "gpu";

    private TaskGpu() {
    }

    /** The first GPU address assigned to this task, or -1 outside a task or when the task was given no GPU. */
    public static int device(TaskContext tc) {
        if (tc == null) return -1;
        ResourceInformation gpu = tc.resourcesJMap().get(RESOURCE);
        return gpu == null ? -1 : device(gpu.addresses());
    }

    /** The first address as a device ordinal; -1 for none. A non-numeric address is an error naming it. */
    public static int device(String[] addresses) {
        if (addresses == null || addresses.length == 0) return -1;
        String a = addresses[0].trim();
        try {
            int d = Integer.parseInt(a);
            if (d < 0) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("GPU address '" + addresses[0] + "' assigned by Spark is not a CUDA device "
                    + "ordinal (0, 1, ...): the GPU discovery script must print device indices, as conf/gpu-discovery.sh does");
        }
    }
}
