package glmspark.grade;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every gold answer of shared/datasets graded against itself (bare and inside a typical model answer) must be
 * correct, and against a different row's gold must be wrong, for at least 99.5% of rows. Failures are printed.
 */
class DatasetGoldSelfGradingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** shared/datasets beside the repository (../shared), or beside the folder holding a worktree (../../shared). */
    static Path datasets() {
        Path repo = Path.of("").toAbsolutePath().getParent();   // tests run in <repo>/engine
        for (Path p = repo.getParent(); p != null && p.getNameCount() > 0; p = p.getParent()) {
            Path d = p.resolve("shared").resolve("datasets");
            if (Files.isDirectory(d)) return d;
            if (p.equals(repo.getParent().getParent())) break;
        }
        return null;
    }

    @TestFactory
    Stream<DynamicTest> goldAnswersGradeCorrectlyAgainstThemselvesAndWronglyAgainstOthers() throws IOException {
        Path dir = datasets();
        Assumptions.assumeTrue(dir != null, "../shared/datasets not found beside the repository: dataset self-grading skipped");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
        }
        Assumptions.assumeFalse(files.isEmpty(), "no *.jsonl in " + dir);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f)));
    }

    private static void check(Path file) throws IOException {
        String name = file.getFileName().toString();
        AnswerType type = Grader.typeForDataset(name);
        List<String> golds = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            JsonNode row = JSON.readTree(lines.get(i));
            JsonNode a = row.get("answer");
            if (a == null) throw new IllegalArgumentException(file + " line " + (i + 1) + ": missing field 'answer'");
            golds.add(Grader.extractGold(a.asText(), type));
            ids.add(row.path("id").asText("line " + (i + 1)));
        }
        int n = golds.size(), selfOk = 0, wrappedOk = 0, otherWrong = 0, otherCompared = 0, structuralOk = 0, textOnly = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String g = golds.get(i);
            if (Grader.equivalent(g, g, type)) selfOk++;
            else failures.add("self    " + ids.get(i) + ": " + g);
            // the same comparison without the string shortcut: parsed value against itself
            AnswerValue v = AnswerValue.parse(LatexNormalizer.normalize(g));
            if (v instanceof AnswerValue.Text) textOnly++;
            if (AnswerValue.equal(v, AnswerValue.parse(LatexNormalizer.normalize(g)))) structuralOk++;
            else failures.add("parsed  " + ids.get(i) + ": " + g + " -> " + v);
            String wrapped = "We simplify step by step.\n\nTherefore, the final answer is $\\boxed{" + g + "}$.";
            Grade gr = Grader.grade(g, wrapped, type);
            if (gr.correct()) wrappedOk++;
            else failures.add("wrapped " + ids.get(i) + ": " + g + " -> extracted " + gr.extracted());
            // the next row whose gold differs as a normalised string
            for (int d = 1; d < n; d++) {
                String other = golds.get((i + d) % n);
                if (LatexNormalizer.normalize(other).replace(" ", "").equals(LatexNormalizer.normalize(g).replace(" ", ""))) continue;
                otherCompared++;
                if (!Grader.grade(g, "so the answer is $\\boxed{" + other + "}$", type).correct()) otherWrong++;
                else failures.add("other   " + ids.get(i) + ": gold " + g + " accepted " + other);
                break;
            }
        }
        System.out.printf("%s: %d rows, self %d, parsed-self %d (text-only %d), wrapped %d, other-wrong %d/%d%n",
                name, n, selfOk, structuralOk, textOnly, wrappedOk, otherWrong, otherCompared);
        failures.forEach(f -> System.out.println("  FAIL " + f));
        assertTrue(selfOk >= 0.995 * n, name + " self-equivalence " + selfOk + "/" + n);
        assertTrue(structuralOk >= 0.995 * n, name + " parsed self-equivalence " + structuralOk + "/" + n);
        assertTrue(wrappedOk >= 0.995 * n, name + " wrapped self-grading " + wrappedOk + "/" + n);
        assertTrue(otherWrong >= 0.995 * otherCompared, name + " other-row rejection " + otherWrong + "/" + otherCompared);
    }
}
