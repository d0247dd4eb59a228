package glmspark.cli;

import glmspark.format.DType;
import glmspark.format.RandomCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./glm make-bench-model}: random weights in GLM-Z1-9B-0414 shapes, few layers, full vocabulary. */
@Command(name = "make-bench-model", mixinStandardHelpOptions = true,
        description = "Writes a random GLM-Z1-9B-shaped checkpoint (config.json, generation_config.json, model.safetensors).")
public final class MakeBenchModelCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, description = "output folder")
    Path out;

    @Option(names = "--layers", description = "layers (default: ${DEFAULT-VALUE}; the real model has 40)")
    int layers = 4;

    @Option(names = "--dtype", description = "F32, BF16 or F16 (default: ${DEFAULT-VALUE})")
    DType dtype = DType.BF16;

    @Option(names = "--seed", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        RandomCheckpoint.write(out, RandomCheckpoint.glmZ1_9bConfig(layers), dtype, seed);
        System.err.printf("wrote %s (%d layers, %s) in %.1f s%n", out, layers, dtype, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
