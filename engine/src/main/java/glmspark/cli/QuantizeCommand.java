package glmspark.cli;

import glmspark.format.DType;
import glmspark.format.GgufExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code ./glm quantize}: a Hugging Face safetensors folder written as one GGUF file (llama.cpp's glm4 layout). */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Writes a GGUF v3 file (architecture glm4, llama.cpp tensor names, embedded tokenizer and chat template).")
public final class QuantizeCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model folder (safetensors)")
    Path model;

    @Option(names = "--out", required = true, description = "the .gguf file to write")
    Path out;

    @Option(names = "--type", required = true, description = "q8_0, q4_k, q4_k_m, bf16 or f32. q4_k_m mixes Q4_K/Q6_K (Q5_0/Q8_0 fallbacks) as llama-quantize's Q4_K_M; "
            + "otherwise norms, biases and matrices whose rows are not whole blocks stay f32")
    String type;

    @Override
    public Integer call() throws Exception {
        GgufExport.FileType t = switch (type.toLowerCase(Locale.ROOT)) {
            case "q8_0" -> GgufExport.FileType.Q8_0;
            case "q4_k" -> GgufExport.FileType.Q4_K;
            case "q4_k_m" -> GgufExport.FileType.Q4_K_M;
            case "bf16" -> GgufExport.FileType.BF16;
            case "f32" -> GgufExport.FileType.F32;
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--type '" + type + "' is not one of q8_0, q4_k, q4_k_m, bf16, f32");
        };
        if (out.toAbsolutePath().getParent() != null) java.nio.file.Files.createDirectories(out.toAbsolutePath().getParent());
        long start = System.nanoTime();
        GgufExport.Result r = GgufExport.export(model, out, t);
        double secs = (System.nanoTime() - start) / 1e9;
        Map<DType, Integer> counts = new TreeMap<>();
        r.types().values().forEach(d -> counts.merge(d, 1, Integer::sum));
        System.out.printf(Locale.ROOT, "wrote %s: %d tensors %s, %.1f MiB in %.1f s%n", out, r.types().size(), counts,
                r.bytes() / 1048576.0, secs);
        return 0;
    }
}
