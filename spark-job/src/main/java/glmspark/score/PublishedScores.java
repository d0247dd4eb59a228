package glmspark.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The reference table datasets/published-scores.json: scores the model publishers report, for comparison in reports. */
public record PublishedScores(List<Entry> entries) {

    /** One published number: model, benchmark (as labelled by the publisher), score in percent, and where it is from. */
    public record Entry(String model, String benchmark, double score, String source) {}

    /** Repository-relative location of the table. */
    public static final String DEFAULT_PATH = "datasets/published-scores.json";

    public static PublishedScores load(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        JsonNode scores = root.get("scores");
        if (scores == null || !scores.isArray()) throw new IllegalArgumentException(file + ": missing array field 'scores'");
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < scores.size(); i++) {
            JsonNode e = scores.get(i);
            for (String f : new String[] {"model", "benchmark", "score", "source"}) {
                if (!e.hasNonNull(f)) throw new IllegalArgumentException(file + ": scores[" + i + "] missing field '" + f + "'");
            }
            if (!e.get("score").isNumber()) throw new IllegalArgumentException(file + ": scores[" + i + "].score is not a number");
            out.add(new Entry(e.get("model").asText(), e.get("benchmark").asText(), e.get("score").asDouble(), e.get("source").asText()));
        }
        return new PublishedScores(List.copyOf(out));
    }

    /** Loads the table from a repository root, or an empty table when the file is absent. */
    /** Separates a dataset from its pass in report labels ("aime2024 · sampled"). */
    public static final String PASS_SEPARATOR = " \u00b7 ";

    /** The table bundled into the job's jar (a copy of {@link #DEFAULT_PATH}), or an empty one. */
    public static PublishedScores loadBundled() throws IOException {
        try (java.io.InputStream in = PublishedScores.class.getResourceAsStream("/published-scores.json")) {
            if (in == null) return new PublishedScores(List.of());
            Path tmp = Files.createTempFile("published-scores", ".json");
            try {
                Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return load(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    public static PublishedScores loadFromRepository(Path repoRoot) throws IOException {
        Path f = repoRoot.resolve(DEFAULT_PATH);
        return Files.isRegularFile(f) ? load(f) : new PublishedScores(List.of());
    }

    /** The score for a model and benchmark, both matched case-insensitively. */
    public Optional<Entry> find(String model, String benchmark) {
        for (Entry e : entries) {
            if (e.model().equalsIgnoreCase(model) && e.benchmark().equalsIgnoreCase(benchmark)) return Optional.of(e);
        }
        return Optional.empty();
    }

    /** Maps our dataset names to the publisher's benchmark labels: aime2024 -> AIME24, aime2025 -> AIME25. */
    public static Optional<String> benchmarkFor(String dataset) {
        String d = dataset.toLowerCase(Locale.ROOT);
        int pass = d.indexOf(PASS_SEPARATOR);
        if (pass >= 0) d = d.substring(0, pass);
        if (d.equals("aime2024") || d.equals("aime24")) return Optional.of("AIME24");
        if (d.equals("aime2025") || d.equals("aime25")) return Optional.of("AIME25");
        return Optional.empty();
    }

    public List<Entry> forModel(String model) {
        return entries.stream().filter(e -> e.model().equalsIgnoreCase(model)).toList();
    }
}
