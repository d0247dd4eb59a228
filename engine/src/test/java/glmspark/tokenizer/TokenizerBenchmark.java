package glmspark.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Encoding and decoding speed on the MATH-500 problems (../shared/datasets/math500.jsonl beside the repository).
 * Prints one table row per tokenizer: load time, the first pass (cold word cache, JIT warming up), then the best
 * of several warm passes. Single thread. Run from the repository root:
 * <pre>
 * mvn -B -q -ntp -pl engine test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java --add-modules=jdk.incubator.vector -cp engine/target/classes:engine/target/test-classes:$(cat engine/target/cp.txt) \
 *     glmspark.tokenizer.TokenizerBenchmark
 * </pre>
 */
public final class TokenizerBenchmark {
    public static void main(String[] args) throws IOException {
        Path dataset = findDataset();
        if (dataset == null) {
            System.out.println("skipped: ../shared/datasets/math500.jsonl not found beside the repository root");
            return;
        }
        ObjectMapper json = new ObjectMapper();
        List<String> problems = new ArrayList<>();
        for (String line : Files.readAllLines(dataset, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) problems.add(json.readTree(line).get("problem").asText());
        }
        long chars = problems.stream().mapToLong(String::length).sum();
        System.out.printf("MATH-500: %d problems, %d chars (%s)%n", problems.size(), chars, dataset);
        System.out.printf("%-12s %8s %8s %14s %14s %14s%n", "tokenizer", "load ms", "tokens",
                "cold tok/s", "warm tok/s", "decode tok/s");
        for (String name : Fixtures.NAMES) {
            long t0 = System.nanoTime();
            Tokenizer tok = Tokenizer.load(Fixtures.tokenizerPath(name));
            long loadMs = (System.nanoTime() - t0) / 1_000_000;

            long start = System.nanoTime();
            long tokens = encodeAll(tok, problems);
            double cold = tokens / ((System.nanoTime() - start) / 1e9);

            double warm = 0;
            for (int pass = 0; pass < 10; pass++) {
                start = System.nanoTime();
                encodeAll(tok, problems);
                warm = Math.max(warm, tokens / ((System.nanoTime() - start) / 1e9));
            }
            List<int[]> encoded = problems.stream().map(tok::encode).toList();
            double dec = 0;
            for (int pass = 0; pass < 10; pass++) {
                start = System.nanoTime();
                long len = 0;
                for (int[] ids : encoded) len += tok.decode(ids).length();
                if (len < chars / 2) throw new IllegalStateException("decode lost text");
                dec = Math.max(dec, tokens / ((System.nanoTime() - start) / 1e9));
            }
            System.out.printf("%-12s %8d %8d %14.0f %14.0f %14.0f%n", name, loadMs, tokens, cold, warm, dec);
        }
    }

    private static long encodeAll(Tokenizer tok, List<String> texts) {
        long n = 0;
        for (String t : texts) n += tok.encode(t).length;
        return n;
    }

    /**
     * ../shared/datasets/math500.jsonl relative to the repository root (found upward from the working folder);
     * for a worktree nested deeper, the first shared/datasets above the root. -Dglmspark.datasets=DIR overrides.
     */
    private static Path findDataset() {
        String override = System.getProperty("glmspark.datasets");
        if (override != null) return Files.exists(Path.of(override, "math500.jsonl")) ? Path.of(override, "math500.jsonl") : null;
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("engine")) && Files.exists(dir.resolve("pom.xml"))) {
                for (Path up = dir.getParent(); up != null; up = up.getParent()) {
                    Path p = up.resolve("shared/datasets/math500.jsonl");
                    if (Files.exists(p)) return p;
                }
                return null;
            }
        }
        return null;
    }
}
