package glmspark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.grade.AnswerType;
import glmspark.grade.Grade;
import glmspark.grade.Grader;
import java.io.BufferedReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./glm grade --input F.jsonl}: each line {"gold":..,"prediction":..} (optional "type" MATH|NUMBER|CHOICE|TEXT
 * or "dataset" such as gsm8k/aime2024/math500) gives {"correct":..,"extracted":..}. The prediction is the visible
 * answer text (after the reasoning); null means the reasoning never closed and grades as wrong.
 */
@Command(name = "grade", mixinStandardHelpOptions = true,
        description = "Extract final answers and grade them against gold answers (JSONL in, JSONL out)")
public final class GradeCommand implements Callable<Integer> {

    @Option(names = "--input", required = true, description = "JSONL file ('-' for stdin)")
    Path input;

    @Option(names = "--type", description = "default answer type when a line has neither type nor dataset (default: MATH)")
    AnswerType defaultType = AnswerType.MATH;

    @Override
    public Integer call() throws Exception {
        ObjectMapper json = new ObjectMapper();
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try (BufferedReader r = input.toString().equals("-")
                ? new BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                JsonNode row;
                try {
                    row = json.readTree(line);
                } catch (Exception e) {
                    throw new IllegalArgumentException(input + " line " + lineNo + ": not valid JSON: " + e.getMessage());
                }
                JsonNode gold = row.get("gold");
                if (gold == null || gold.isNull()) throw new IllegalArgumentException(input + " line " + lineNo + ": missing field 'gold'");
                if (!row.has("prediction")) throw new IllegalArgumentException(input + " line " + lineNo + ": missing field 'prediction'");
                AnswerType type = defaultType;
                if (row.hasNonNull("type")) {
                    try {
                        type = AnswerType.valueOf(row.get("type").asText().toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(input + " line " + lineNo + ": field 'type' must be MATH, NUMBER, CHOICE or TEXT, got " + row.get("type"));
                    }
                } else if (row.hasNonNull("dataset")) {
                    type = Grader.typeForDataset(row.get("dataset").asText());
                }
                JsonNode pred = row.get("prediction");
                Grade g = Grader.grade(Grader.extractGold(gold.asText(), type), pred.isNull() ? null : pred.asText(), type);
                ObjectNode o = json.createObjectNode();
                o.put("correct", g.correct());
                o.put("extracted", g.extracted());
                out.println(json.writeValueAsString(o));
            }
        }
        out.flush();
        return 0;
    }
}
