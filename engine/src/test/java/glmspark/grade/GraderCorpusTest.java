package glmspark.grade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The hand-built corpora grade-equivalence.tsv (gold, prediction, expected verdict) and grade-extraction.tsv
 * (model output, expected extracted answer), written from the documented rules of Math-Verify, Qwen2.5-Math,
 * prm800k, Hendrycks and lm-eval. Every case must pass; all failures are listed together.
 */
class GraderCorpusTest {

    private static List<String[]> rows(String resource, int columns) throws IOException {
        try (InputStream in = GraderCorpusTest.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing test resource " + resource);
            List<String[]> out = new ArrayList<>();
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\t", -1);
                if (f.length != columns) throw new IllegalStateException(resource + " line " + (i + 1) + ": expected " + columns + " tab-separated fields, got " + f.length);
                String[] withLine = new String[columns + 1];
                System.arraycopy(f, 0, withLine, 0, columns);
                withLine[columns] = String.valueOf(i + 1);
                out.add(withLine);
            }
            return out;
        }
    }

    @Test
    void equivalenceCorpusMatchesTheDocumentedVerdicts() throws IOException {
        List<String[]> cases = rows("grade-equivalence.tsv", 4);
        List<String> failures = new ArrayList<>();
        int positives = 0, negatives = 0;
        for (String[] c : cases) {
            AnswerType type = AnswerType.valueOf(c[0]);
            boolean expected = Boolean.parseBoolean(c[3]);
            if (expected) positives++; else negatives++;
            boolean got;
            try {
                got = Grader.equivalent(c[1], c[2], type);
            } catch (RuntimeException e) {
                failures.add("line " + c[4] + ": " + c[0] + " gold=" + c[1] + " pred=" + c[2] + " threw " + e);
                continue;
            }
            if (got != expected) failures.add("line " + c[4] + ": " + c[0] + " gold=" + c[1] + " pred=" + c[2] + " expected " + expected + " got " + got);
        }
        failures.forEach(f -> System.out.println("FAIL " + f));
        assertTrue(cases.size() >= 300, "corpus too small: " + cases.size());
        assertTrue(positives >= 100 && negatives >= 100, "corpus must hold both verdicts: " + positives + "/" + negatives);
        assertEquals(List.of(), failures, failures.size() + " of " + cases.size() + " cases failed");
    }

    @Test
    void extractionCorpusFindsTheDocumentedAnswer() throws IOException {
        List<String[]> cases = rows("grade-extraction.tsv", 3);
        List<String> failures = new ArrayList<>();
        for (String[] c : cases) {
            AnswerType type = AnswerType.valueOf(c[0]);
            String text = c[1].replace("⏎", "\n");
            String expected = c[2].equals("<none>") ? null : c[2];
            String got = Grader.extract(text, type).orElse(null);
            if (!java.util.Objects.equals(expected, got)) failures.add("line " + c[3] + ": " + c[0] + " text=" + c[1] + " expected " + expected + " got " + got);
        }
        failures.forEach(f -> System.out.println("FAIL " + f));
        assertEquals(List.of(), failures, failures.size() + " of " + cases.size() + " cases failed");
    }
}
