package glmspark.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs llama.cpp's own benchmarks on the same weights as a GGUF file, one test per call, so `./glm bench`
 * can interleave them with ours (ours, theirs, ours, theirs, ...): llama-bench for prefill (pp) and
 * single-sequence decode (tg128), llama-batched-bench for aggregate decode of several parallel sequences.
 */
final class LlamaCppBench {

    private final Path dir;
    private final Path gguf;
    private final int threads;

    LlamaCppBench(Path dir, Path gguf, int threads) {
        this.dir = dir;
        this.gguf = gguf;
        this.threads = threads;
    }

    /** The binary {@code name} under a llama.cpp build folder ({@code DIR/build/bin}, {@code DIR/bin} or {@code DIR}). */
    static Path binary(Path dir, String name) throws IOException {
        for (Path p : List.of(dir.resolve("build/bin").resolve(name), dir.resolve("bin").resolve(name), dir.resolve(name)))
            if (Files.isExecutable(p)) return p;
        throw new IOException("LLAMA_CPP_DIR=" + dir + ": no executable " + name + " in build/bin, bin or the folder itself");
    }

    /** llama-bench pp{@code tokens}, one repetition (after llama-bench's own warm-up run). */
    double prefill(int tokens) throws IOException, InterruptedException {
        return llamaBench(tokens, 0);
    }

    /** llama-bench tg{@code steps}: one sequence, one repetition. */
    double decode1(int steps) throws IOException, InterruptedException {
        return llamaBench(0, steps);
    }

    private double llamaBench(int prompt, int gen) throws IOException, InterruptedException {
        JsonNode bench = JsonLines.JSON.readTree(exec(List.of(binary(dir, "llama-bench").toString(), "-m", gguf.toString(),
                "-t", Integer.toString(threads), "-p", Integer.toString(prompt), "-n", Integer.toString(gen), "-r", "1", "-o", "json")));
        for (JsonNode t : bench)
            if (t.path("n_prompt").asInt() == prompt && t.path("n_gen").asInt() == gen) return t.path("avg_ts").asDouble();
        throw new IOException("llama-bench printed no result for pp" + prompt + " tg" + gen + ": " + bench);
    }

    /** llama-batched-bench: aggregate decode tokens/s of {@code sequences} sequences, 128-token prompts, 128 steps. */
    double batched(int sequences) throws IOException, InterruptedException {
        String out = exec(List.of(binary(dir, "llama-batched-bench").toString(), "-m", gguf.toString(),
                "-t", Integer.toString(threads), "-c", Integer.toString(sequences * 256 + 256), "-b", "2048", "-ub", "512",
                "-npp", "128", "-ntg", "128", "-npl", Integer.toString(sequences), "--output-format", "jsonl"));
        for (String line : out.split("\n")) {
            if (!line.startsWith("{")) continue;
            JsonNode j = JsonLines.JSON.readTree(line);
            if (j.path("pl").asInt() == sequences) return j.path("speed_tg").asDouble();
        }
        throw new IOException("llama-batched-bench printed no result for " + sequences + " sequences:\n" + out);
    }

    /** CPU share of the last llama.cpp process: its CPU time / (wall time x threads), model loading included. */
    double lastCpuShare = Double.NaN;

    private String exec(List<String> cmd) throws IOException, InterruptedException {
        Path log = Files.createTempFile("llama-cpp", ".log");
        try {
            long cpu0 = childrenCpuTicks(), t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0)
                throw new IOException(String.join(" ", cmd) + " failed:\n" + Files.readString(log));
            long cpu1 = childrenCpuTicks();
            lastCpuShare = cpu0 < 0 || cpu1 < 0 ? Double.NaN
                    : (cpu1 - cpu0) / (double) TICKS_PER_SECOND / ((System.nanoTime() - t0) / 1e9 * threads);
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** USER_HZ of Linux's /proc (100 on every mainstream kernel configuration). */
    private static final int TICKS_PER_SECOND = 100;

    /** CPU time of this process's waited-for children (/proc/self/stat cutime + cstime), in ticks; -1 if unknown. */
    private static long childrenCpuTicks() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // fields after the parenthesised command name; cutime and cstime are fields 16 and 17 (1-based)
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[13]) + Long.parseLong(f[14]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
