package glmspark.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishedScoresTest {

    /** Tests run in <repo>/spark-job; the table lives in <repo>/datasets. */
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    @Test
    void theRepositoryTableHoldsTheGlmZ1ChartValues() throws Exception {
        PublishedScores t = PublishedScores.loadFromRepository(REPO);
        // values from shared/notes/research-glm.md section 6 (GLM-4 README charts)
        assertEquals(80.8, t.find("GLM-Z1-32B-0414", "AIME24").orElseThrow().score(), 0);
        assertEquals(63.6, t.find("glm-z1-32b-0414", "aime25").orElseThrow().score(), 0);
        assertEquals(76.4, t.find("GLM-Z1-9B-0414", PublishedScores.benchmarkFor("aime2024").orElseThrow()).orElseThrow().score(), 0);
        assertEquals(56.6, t.find("GLM-Z1-9B-0414", "AIME25").orElseThrow().score(), 0);
        assertEquals(10, t.forModel("GLM-Z1-32B-0414").size());
        assertTrue(t.find("GLM-Z1-32B-0414", "MATH-500").isEmpty(), "MATH-500 is not published for the 0414 models");
        assertTrue(t.find("o1-mini", "SysBench (ISR)").isEmpty(), "o1-mini has no SysBench bar");
    }

    @Test
    void aRowWithoutAScoreIsRejectedWithItsIndex(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("p.json");
        Files.writeString(f, "{\"scores\":[{\"model\":\"m\",\"benchmark\":\"b\",\"source\":\"s\"}]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PublishedScores.load(f));
        assertTrue(e.getMessage().contains("scores[0]") && e.getMessage().contains("score"), e.getMessage());
    }
}
