package glmspark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** JSONL input for the subcommands: each line parsed on its own, so one bad line is one error, named. */
final class JsonLines {

    static final ObjectMapper JSON = new ObjectMapper();

    /** A parsed line, or the reason it could not be parsed. */
    record Line(int number, JsonNode node, String error) {
    }

    private JsonLines() {
    }

    /** Reads {@code input} ("-" for stdin); blank lines are skipped. */
    static List<Line> read(Path input) throws IOException {
        BufferedReader r = input.toString().equals("-")
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(input, StandardCharsets.UTF_8);
        List<Line> lines = new ArrayList<>();
        int n = 0;
        try (r) {
            String s;
            while ((s = r.readLine()) != null) {
                n++;
                if (s.isBlank()) continue;
                try {
                    JsonNode node = JSON.readTree(s);
                    if (node == null || !node.isObject()) lines.add(new Line(n, null, input + " line " + n + ": not a JSON object"));
                    else lines.add(new Line(n, node, null));
                } catch (IOException e) {
                    lines.add(new Line(n, null, input + " line " + n + ": invalid JSON: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("")));
                }
            }
        } catch (CharacterCodingException e) {
            // The strict UTF-8 decoder stops at the first bad byte, its message ("Input length = 1") names nothing;
            // the reader decodes ahead in blocks, so the exact line is not known: say where reading stopped.
            throw new IOException(input + ": not valid UTF-8 at or after line " + (n + 1) + " (" + e + ")", e);
        }
        return lines;
    }

    /** The int array at {@code field}, or an exception naming the line and field. */
    static int[] ints(Path input, Line line, String field) {
        JsonNode a = line.node().get(field);
        if (a == null || !a.isArray()) throw new IllegalArgumentException(input + " line " + line.number() + ": field '" + field + "' must be an array of token ids");
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            if (!a.get(i).isIntegralNumber() || !a.get(i).canConvertToInt()) throw new IllegalArgumentException(input + " line " + line.number() + ": " + field + "[" + i + "] is not an integer");
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    static String errorLine(String message) {
        return JSON.createObjectNode().put("error", message).toString();
    }
}
