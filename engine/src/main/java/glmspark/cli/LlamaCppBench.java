package glmspark.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs llama.cpp's own benchmarks on the same weights as a GGUF file, so `./glm bench` can print our numbers
 * next to theirs from one run: llama-bench for prefill (pp) and single-sequence decode (tg128),
 * llama-batched-bench for aggregate decode of several parallel sequences.
 */
final class LlamaCppBench {

    record Result(double prefillTps, Map<Integer, Double> decodeTps) {
    }

    private LlamaCppBench() {
    }

    /** The binary {@code name} under a llama.cpp build folder ({@code DIR/build/bin}, {@code DIR/bin} or {@code DIR}). */
    static Path binary(Path dir, String name) throws IOException {
        for (Path p : List.of(dir.resolve("build/bin").resolve(name), dir.resolve("bin").resolve(name), dir.resolve(name)))
            if (Files.isExecutable(p)) return p;
        throw new IOException("LLAMA_CPP_DIR=" + dir + ": no executable " + name + " in build/bin, bin or the folder itself");
    }

    static Result run(Path dir, Path gguf, int threads, int prefill, List<Integer> batches) throws IOException, InterruptedException {
        Map<Integer, Double> decode = new LinkedHashMap<>();
        JsonNode bench = JsonLines.JSON.readTree(exec(List.of(binary(dir, "llama-bench").toString(), "-m", gguf.toString(),
                "-t", Integer.toString(threads), "-p", Integer.toString(prefill), "-n", "128", "-r", "2", "-o", "json")));
        double pp = Double.NaN;
        for (JsonNode t : bench) {
            if (t.path("n_gen").asInt() == 0) pp = t.path("avg_ts").asDouble();
            else if (t.path("n_prompt").asInt() == 0) decode.put(1, t.path("avg_ts").asDouble());
        }
        List<String> multi = batches.stream().filter(b -> b > 1).map(String::valueOf).toList();
        if (!multi.isEmpty()) {
            int maxPl = batches.stream().mapToInt(Integer::intValue).max().orElse(1);
            String out = exec(List.of(binary(dir, "llama-batched-bench").toString(), "-m", gguf.toString(),
                    "-t", Integer.toString(threads), "-c", Integer.toString(maxPl * 256 + 256), "-b", "2048", "-ub", "512",
                    "-npp", "128", "-ntg", "128", "-npl", String.join(",", multi), "--output-format", "jsonl"));
            for (String line : out.split("\n")) {
                if (!line.startsWith("{")) continue;
                JsonNode j = JsonLines.JSON.readTree(line);
                decode.put(j.path("pl").asInt(), j.path("speed_tg").asDouble());
            }
        }
        return new Result(pp, decode);
    }

    private static String exec(List<String> cmd) throws IOException, InterruptedException {
        Path log = Files.createTempFile("llama-cpp", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0)
                throw new IOException(String.join(" ", cmd) + " failed:\n" + Files.readString(log));
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
